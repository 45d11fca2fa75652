import type { Config } from './config/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createDatabase, type DatabaseHandle } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';
import { createApplicationsRepo } from './storage/repos/applications.js';
import { createEventsRepo } from './storage/repos/events.js';
import { createSettingsRepo } from './storage/repos/settings.js';
import { createUsersRepo } from './storage/repos/users.js';
import { createAuthService } from './services/auth.js';
import { createRunInTransaction } from './services/transaction.js';
import { createUsersService } from './services/users.js';

export interface ContainerOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** PostgreSQL schema to work in (tests use one per file). */
  readonly pgSchema?: string;
}

/**
 * The composition root: database → repos → services → delivery. Plain factories wired by hand;
 * nothing happens at import time, and tests build a container per test file.
 */
export function createContainer(config: Readonly<Config>, options: ContainerOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database: DatabaseHandle = createDatabase({
    url: config.databaseUrl,
    sqliteSynchronous: config.sqliteSynchronous,
    pgSchema: options.pgSchema,
  });
  const { db, capabilities } = database;

  const repos = {
    settings: createSettingsRepo(db),
    applications: createApplicationsRepo(db),
    users: createUsersRepo(db),
    events: createEventsRepo(db, capabilities),
  };

  // Late-bound: the delivery engine is created after the services that wake it.
  const wakeListeners = new Set<() => void>();
  const runInTransaction = createRunInTransaction({
    db,
    events: repos.events,
    clock,
    onDeliveriesQueued: () => wakeListeners.forEach((wake) => wake()),
  });

  const services = {
    auth: createAuthService({ applications: repos.applications, settings: repos.settings, clock, config }),
    users: createUsersService({ users: repos.users, runInTransaction, clock }),
  };

  return {
    config,
    clock,
    logger,
    database,
    repos,
    services,
    /** Registers a callback run after every commit that queued deliveries. */
    onDeliveriesQueued(listener: () => void): () => void {
      wakeListeners.add(listener);
      return () => wakeListeners.delete(listener);
    },
    /** Migrates the database and loads server keys; call once before serving. */
    async init(): Promise<void> {
      const applied = await migrateToLatest(db.withoutPlugins());
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
      await services.auth.init();
    },
    async close(): Promise<void> {
      await database.destroy();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
