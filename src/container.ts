import { sql } from 'kysely';
import type { Config } from './config/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createMetrics } from './shared/metrics.js';
import { createDatabase, type DatabaseHandle } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';
import { createApplicationsRepo } from './storage/repos/applications.js';
import { createDeliveryLogsRepo } from './storage/repos/delivery-logs.js';
import { createEventsRepo } from './storage/repos/events.js';
import { orderingKeyOf } from './domain/ordering-keys.js';
import { createEventFeedRepo } from './storage/repos/event-feed.js';
import { createOrganizationInvitationsRepo } from './storage/repos/organization-invitations.js';
import { createOrganizationMembersRepo } from './storage/repos/organization-members.js';
import { createOrganizationRolesRepo } from './storage/repos/organization-roles.js';
import { createOrganizationScopesRepo } from './storage/repos/organization-scopes.js';
import { createOrganizationsRepo } from './storage/repos/organizations.js';
import { createResourcesRepo } from './storage/repos/resources.js';
import { createRolesRepo } from './storage/repos/roles.js';
import { createHooksRepo } from './storage/repos/hooks.js';
import { createBlockingCallsRepo } from './storage/repos/blocking-calls.js';
import { createSettingsRepo } from './storage/repos/settings.js';
import { createConsoleSessionsRepo } from './storage/repos/console-sessions.js';
import { createSignInSightingsRepo } from './storage/repos/sign-in-sightings.js';
import { createUserActivityRepo } from './storage/repos/user-activity.js';
import { createUsersRepo } from './storage/repos/users.js';
import { createOidcKeysRepo } from './storage/repos/oidc-keys.js';
import { createOidcModelsRepo } from './storage/repos/oidc-models.js';
import { createOidcWiring } from './container-oidc.js';
import { createApplicationsService } from './services/applications.js';
import { createAuthService } from './services/auth.js';
import { createAttemptLimiter } from './services/attempt-limiter.js';
import { createReadiness } from './services/readiness.js';
import { createConsoleSessionsService } from './services/console-sessions.js';
import { createUserActivityService } from './services/user-activity.js';
import { createOrganizationApplicationsService } from './services/organization-applications.js';
import { createOrganizationInvitationsService } from './services/organization-invitations.js';
import { createOrganizationRolesService } from './services/organization-roles.js';
import { createOrganizationScopesService } from './services/organization-scopes.js';
import { createOrganizationUsersService } from './services/organization-users.js';
import { createOrganizationsService } from './services/organizations.js';
import { createResourcesService } from './services/resources.js';
import { createRoleAssignmentsService } from './services/role-assignments.js';
import { createRolesService } from './services/roles.js';
import { createHookLogsService } from './services/hook-logs.js';
import { createDeliveryReplayService } from './services/delivery-replay.js';
import { createHookHealthService } from './services/hook-health.js';
import { createHooksService } from './services/hooks.js';
import { createBlockingHooksService } from './services/blocking-hooks.js';
import { createRunInTransaction } from './services/transaction.js';
import { createEventFeedService, createFeedSignal } from './services/event-feed.js';
import { createUsersService } from './services/users.js';
import { createExperienceService } from './services/experience.js';
import { createSignInDevices } from './services/sign-in-devices.js';
import { createHttpEmailConnector, createLogConnector } from './services/connectors.js';
import { createExperienceSessionsRepo } from './storage/repos/experience-sessions.js';
import { createExperienceUsersRepo } from './storage/repos/experience-users.js';
import { createInteractionsRepo } from './storage/repos/interactions.js';
import { createSentinelRepo } from './storage/repos/sentinel.js';
import { createAttemptCountersRepo } from './storage/repos/attempt-counters.js';
import { createVerificationCodesRepo } from './storage/repos/verification-codes.js';
import { createDispatcher } from './delivery/dispatcher.js';
import { createTargetCheck } from './delivery/target-check.js';
import { createDeliveryEngine } from './delivery/engine.js';
import { createSendingThread } from './delivery/sending-thread.js';
import { createPgWakeups } from './delivery/pg-listener.js';
import { createDeliveriesRepo } from './storage/repos/deliveries.js';
import { DELIVERY_CHANNEL } from './storage/repos/events.js';

export interface ContainerOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** PostgreSQL schema to work in (tests use one per file). */
  readonly pgSchema?: string;
  /** Add Node's process metrics to /metrics (the real server; tests leave it off). */
  readonly processMetrics?: boolean;
}

/**
 * The composition root: database → repos → services → delivery. Plain factories wired by hand;
 * nothing happens at import time, and tests build a container per test file.
 */
export function createContainer(config: Readonly<Config>, options: ContainerOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel, { pretty: config.dev });
  const database: DatabaseHandle = createDatabase({
    url: config.databaseUrl,
    sqliteSynchronous: config.sqliteSynchronous,
    pgSchema: options.pgSchema,
  });
  const { db, capabilities } = database;
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? false });

  const repos = {
    settings: createSettingsRepo(db),
    applications: createApplicationsRepo(db),
    users: createUsersRepo(db),
    events: createEventsRepo(db, capabilities, orderingKeyOf),
    resources: createResourcesRepo(db),
    roles: createRolesRepo(db),
    organizations: createOrganizationsRepo(db),
    organizationMembers: createOrganizationMembersRepo(db),
    organizationRoles: createOrganizationRolesRepo(db),
    organizationScopes: createOrganizationScopesRepo(db),
    organizationInvitations: createOrganizationInvitationsRepo(db),
    hooks: createHooksRepo(db, capabilities),
    deliveryLogs: createDeliveryLogsRepo(db),
    deliveries: createDeliveriesRepo(db, capabilities),
    interactions: createInteractionsRepo(db),
    experienceSessions: createExperienceSessionsRepo(db),
    experienceUsers: createExperienceUsersRepo(db),
    verificationCodes: createVerificationCodesRepo(db),
    sentinel: createSentinelRepo(db),
    attemptCounters: createAttemptCountersRepo(db),
    consoleSessions: createConsoleSessionsRepo(db),
    oidcModels: createOidcModelsRepo(db),
    oidcKeys: createOidcKeysRepo(db),
    signInSightings: createSignInSightingsRepo(db),
    eventFeed: createEventFeedRepo(db, capabilities),
    userActivity: createUserActivityRepo(db),
    blockingCalls: createBlockingCallsRepo(db, capabilities),
  };

  // One outbound HTTP client (keep-alive pool, timeout, SSRF guard) for deliveries and test sends.
  const dispatcher = createDispatcher({
    timeoutMs: config.delivery.timeoutMs,
    allowPrivateTargets: config.delivery.allowPrivateTargets,
    logger,
  });
  // The engine's requests go out from a thread of their own unless configured otherwise; test
  // sends and blocking calls, which a request waits for, keep the dispatcher on this thread.
  const engineSender = config.delivery.thread
    ? createSendingThread({
        timeoutMs: config.delivery.timeoutMs,
        allowPrivateTargets: config.delivery.allowPrivateTargets,
        logLevel: config.logLevel,
        logger,
      })
    : dispatcher;
  // Created here, started only by roles that deliver (main.ts `--role worker|all`).
  const delivery = {
    dispatcher,
    /** What the engine sends with: the sending thread, or `dispatcher` itself. */
    sender: engineSender,
    engine: createDeliveryEngine({
      deliveries: repos.deliveries,
      sender: engineSender,
      config: config.delivery,
      clock,
      logger,
      wakeups:
        capabilities.listenNotify && database.pgPool
          ? createPgWakeups(database.pgPool, DELIVERY_CHANNEL, logger)
          : undefined,
      isSoleWorker: capabilities.singleWriter,
      // Bound late: the service is built below, and only called once the engine runs.
      checkHealth: () => hookHealth.disableFailingHooks(),
      onAttempt: (record) =>
        metrics.attemptFinished(record.status === 'pending' ? 'retrying' : record.status, record.durationMs),
    }),
  };

  // Commits that queued deliveries wake the engine at once (a no-op unless it runs in this process).
  const wakeListeners = new Set<() => void>([delivery.engine.wake]);
  const wakeAll = () => wakeListeners.forEach((wake) => wake());
  metrics.setSources({
    queueStats: (now) => repos.deliveries.queueStats(now),
    inFlightByHook: () => delivery.engine.inFlightByHook(),
    now: () => clock.now(),
  });
  // Wakes this process's events streams after its own commits; other nodes' are polled.
  const feedSignal = createFeedSignal({ readHead: repos.eventFeed.readHead, pollMs: config.feed.pollMs });
  const runInTransaction = createRunInTransaction({
    db,
    events: repos.events,
    clock,
    onDeliveriesQueued: wakeAll,
    onEventsCommitted: (types) => {
      types.forEach((type) => metrics.eventAppended(type));
      feedSignal.notify();
    },
    // Deliveries this process's engine has room for skip the queue's claim (a no-op unless it runs).
    localDelivery: delivery.engine,
  });

  // Blocking hooks share the dispatcher, so their calls pass the same SSRF guard as deliveries.
  const blockingHooks = createBlockingHooksService({
    calls: repos.blockingCalls,
    sender: delivery.dispatcher,
    runInTransaction,
    clock,
    logger,
    wake: wakeAll,
    onCall: (event, outcome, durationMs) => metrics.blockingCall(event, outcome, durationMs),
  });
  const oidc = createOidcWiring({ config, clock, runInTransaction, repos, blockingHooks });
  const { replaceSecret } = oidc;
  const auth = createAuthService({
    applications: repos.applications,
    keys: oidc.keys,
    clock,
    config,
    replaceSecret,
  });
  const hookLogs = createHookLogsService({ deliveryLogs: repos.deliveryLogs, clock });
  const hookHealth = createHookHealthService({
    hooks: repos.hooks,
    runInTransaction,
    clock,
    logger,
    disableAfterSeconds: config.delivery.disableAfterSeconds,
  });
  // One DB-backed limiter for every credential check; `/oidc/token` plugs in through `clientAuthKeys`.
  const limiter = createAttemptLimiter({ counters: repos.attemptCounters, clock });
  const services = {
    auth,
    oidcKeys: oidc.keys,
    oidcClients: oidc.clients,
    oidcAccounts: oidc.accounts,
    oidcRevocation: oidc.revocation,
    oidcSessions: oidc.sessions,
    limiter,
    consoleSessions: createConsoleSessionsService({
      sessions: repos.consoleSessions,
      users: repos.users,
      roles: repos.roles,
      adminRole: config.console.adminRole,
      auth,
      applications: repos.applications,
      limiter,
      limits: config.limits,
      clock,
      ttlSeconds: config.console.sessionTtlSeconds,
    }),
    users: createUsersService({
      users: repos.users,
      runInTransaction,
      clock,
      revokeUser: (userId, tx) => oidc.revocation.revokeUser(userId, tx),
    }),
    applications: createApplicationsService({ applications: repos.applications, clock, replaceSecret }),
    resources: createResourcesService({ resources: repos.resources, runInTransaction, clock }),
    roles: createRolesService({
      roles: repos.roles,
      resources: repos.resources,
      users: repos.users,
      runInTransaction,
      clock,
    }),
    roleAssignments: createRoleAssignmentsService({
      roles: repos.roles,
      users: repos.users,
      runInTransaction,
      clock,
    }),
    organizations: createOrganizationsService({
      organizations: repos.organizations,
      members: repos.organizationMembers,
      users: repos.users,
      runInTransaction,
      clock,
    }),
    organizationUsers: createOrganizationUsersService({
      organizations: repos.organizations,
      members: repos.organizationMembers,
      organizationRoles: repos.organizationRoles,
      users: repos.users,
      runInTransaction,
      clock,
    }),
    organizationApplications: createOrganizationApplicationsService({
      organizations: repos.organizations,
      members: repos.organizationMembers,
      applications: repos.applications,
      runInTransaction,
      clock,
    }),
    organizationRoles: createOrganizationRolesService({
      organizationRoles: repos.organizationRoles,
      organizationScopes: repos.organizationScopes,
      resources: repos.resources,
      runInTransaction,
      clock,
    }),
    organizationScopes: createOrganizationScopesService({
      organizationScopes: repos.organizationScopes,
      runInTransaction,
      clock,
    }),
    organizationInvitations: createOrganizationInvitationsService({
      invitations: repos.organizationInvitations,
      organizations: repos.organizations,
      members: repos.organizationMembers,
      organizationRoles: repos.organizationRoles,
      users: repos.users,
      runInTransaction,
      clock,
    }),
    hooks: createHooksService({
      hooks: repos.hooks,
      deliveryLogs: repos.deliveryLogs,
      runInTransaction,
      clock,
      sender: delivery.dispatcher,
      signingKeyGraceSeconds: config.delivery.signingKeyGraceSeconds,
      checkTarget: createTargetCheck(config.delivery.allowPrivateTargets),
    }),
    hookLogs,
    hookHealth,
    blockingHooks,
    eventFeed: createEventFeedService({ feed: repos.eventFeed }),
    userActivity: createUserActivityService({ activity: repos.userActivity }),
    deliveryReplay: createDeliveryReplayService({
      hooks: repos.hooks,
      deliveries: repos.deliveries,
      hookLogs,
      runInTransaction,
      clock,
      wake: wakeAll,
    }),
    experience: createExperienceService({
      interactions: repos.interactions,
      sessions: repos.experienceSessions,
      applications: repos.applications,
      users: repos.users,
      experienceUsers: repos.experienceUsers,
      verificationCodes: repos.verificationCodes,
      sentinel: repos.sentinel,
      attemptCounters: repos.attemptCounters,
      limiter,
      // Without a configured email service, codes go to the log (development only; start-up warns).
      connector: config.experience.emailConnector
        ? createHttpEmailConnector(config.experience.emailConnector)
        : createLogConnector(logger),
      signInDevices: createSignInDevices({ sightings: repos.signInSightings, clock }),
      runInTransaction,
      clock,
      blockingHooks,
      oidcInteractions: oidc.interactions,
      settings: {
        sentinelPolicy: config.experience.lockout,
        sendRatePolicy: config.experience.codeSendLimit,
        passwordPolicy: { minLength: config.experience.passwordMinLength },
        codeTtlSeconds: config.experience.codeTtlSeconds,
        sessionTtlSeconds: config.experience.sessionTtlSeconds,
        interactionTtlSeconds: config.experience.interactionTtlSeconds,
        interactionsPerAddressPerMinute: config.limits.interactionsPerAddressPerMinute,
        endpoint: config.endpoint,
      },
    }),
  };

  return {
    config,
    clock,
    oidcProvider: oidc.provider,
    logger,
    database,
    repos,
    services,
    delivery,
    metrics,
    readiness: createReadiness({ ping: () => sql`select 1`.execute(db), engine: delivery.engine }),
    feedSignal,
    /** Registers a callback run after every commit that queued deliveries. */
    onDeliveriesQueued(listener: () => void): () => void {
      wakeListeners.add(listener);
      return () => wakeListeners.delete(listener);
    },
    /** Migrates the database and loads server keys; call once before serving. */
    async init(): Promise<void> {
      const applied = await migrateToLatest(db.withoutPlugins(), { pgSchema: options.pgSchema });
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
      if (!config.experience.emailConnector) {
        logger.warn(
          'verification codes are written to this log (development connector); set IDHOOKS_EMAIL_CONNECTOR_URL before real users sign up',
        );
      }
      await oidc.init();
    },
    async close(): Promise<void> {
      feedSignal.close();
      await delivery.engine.stop();
      await delivery.dispatcher.close();
      if (engineSender !== dispatcher) await engineSender.close();
      await database.destroy();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
