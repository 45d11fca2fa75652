import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config/index.js';
import { createContainer, type Container } from './container.js';
import { buildApp, buildOpsApp } from './app.js';
import { createDatabase } from './storage/db.js';
import { sqliteFilename } from './storage/dialects/sqlite.js';
import { migrateToLatest } from './storage/migrate.js';
import { acquireSqliteWorkerLock, WorkerLockError, type WorkerLock } from './delivery/worker-lock.js';
import { runCli } from './cli/index.js';
import { ListenError, startupBanner, whenListening } from './startup.js';

type Role = 'all' | 'api' | 'worker';

type Server = ReturnType<typeof serve>;

function serveHttp(container: Container, role: Role): Server {
  const { config } = container;
  const app = role === 'worker' ? buildOpsApp(container) : buildApp(container);
  return serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    container.logger.info(
      {
        address: info.address,
        port: info.port,
        endpoint: config.endpoint,
        database: container.database.capabilities.name,
      },
      role === 'worker'
        ? `idhooks worker serving /metrics and /api/status on http://${config.host}:${info.port}`
        : `idhooks listening on http://${config.host}:${info.port}`,
    );
  });
}

/** Past this, a stop that is still waiting (a client holding a request open) gives up. */
const FORCED_EXIT_MS = 30_000;

/** What a running `start` holds; filled in as start-up proceeds. */
interface Running {
  server?: Server;
  lock?: WorkerLock;
}

/**
 * SIGTERM/SIGINT: stop accepting connections and claiming deliveries at once, let requests and
 * in-flight deliveries finish (the engine bounds its wait and hands back unfinished leases),
 * close the database, exit 0. Installed before start-up so a signal during it also stops cleanly.
 */
function stopOnSignals(container: Container, running: Running): { readonly isStopping: () => boolean } {
  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    container.logger.info({ signal }, 'stopping');
    setTimeout(() => {
      container.logger.error({ afterMs: FORCED_EXIT_MS }, 'stop took too long; exiting anyway');
      process.exit(1);
    }, FORCED_EXIT_MS).unref();
    const { server, lock } = running;
    // Open event streams would hold the HTTP server open until the forced exit.
    container.feedSignal.close();
    const httpClosed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await Promise.all([httpClosed, container.delivery.engine.stop()]);
    await container.close();
    lock?.release();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return { isStopping: () => isStopping };
}

async function start(role: Role) {
  const config = loadConfig();
  const container = createContainer(config, { pgSchema: config.pgSchema, processMetrics: true });
  const running: Running = {};
  const signals = stopOnSignals(container, running);
  const isWorker = role !== 'api';
  // Taken before anything else, so a refused second worker changes nothing.
  if (isWorker && container.database.capabilities.singleWriter) {
    running.lock = acquireSqliteWorkerLock(sqliteFilename(config.databaseUrl));
  }
  await container.init();
  let banner: string | undefined;
  let isSecretNew = false;
  if (role !== 'worker' && !signals.isStopping()) {
    const admin = await container.services.auth.ensureAdminApplication();
    await container.services.auth.ensureConsoleApplication();
    isSecretNew = admin.generatedSecret !== undefined;
    banner = startupBanner({
      config,
      clientId: admin.clientId,
      generatedSecret: admin.generatedSecret,
      fromEnvironment: config.adminClientId !== undefined,
    });
  }
  // stdout on purpose, outside the log: the secret must never reach a log line. Printed once the
  // port is ours, so the banner's addresses work; printed anyway when listening fails, because a
  // generated secret exists in clear text only now.
  const printBanner = () => banner && process.stdout.write(banner);
  if (!signals.isStopping()) {
    running.server = serveHttp(container, role);
    await whenListening(running.server, config.host, config.port).catch((error: unknown) => {
      if (isSecretNew) printBanner();
      throw error;
    });
  }
  printBanner();
  if (isWorker && !signals.isStopping()) {
    await container.delivery.engine.start();
    container.readiness.expectEngine();
  }
  container.logger.info({ role }, `idhooks started (role ${role})`);
}

async function migrate() {
  const config = loadConfig();
  const database = createDatabase({
    url: config.databaseUrl,
    sqliteSynchronous: config.sqliteSynchronous,
    pgSchema: config.pgSchema,
  });
  try {
    const applied = await migrateToLatest(database.db.withoutPlugins(), { pgSchema: config.pgSchema });
    process.stdout.write(
      applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n',
    );
  } finally {
    await database.destroy();
  }
}

/**
 * `idhooks keys rotate|retire`: the OpenID Provider's signing keys (docs/oidc.md "Keys and rotation").
 * Rotating adds a generation that running nodes sign with after their restart; retiring drops every
 * generation below the newest, once tokens signed by them have expired.
 */
async function keys(action: 'rotate' | 'retire') {
  const config = loadConfig();
  const container = createContainer(config, { pgSchema: config.pgSchema });
  try {
    await container.init();
    if (action === 'rotate') {
      const { kid, generation } = await container.services.oidcKeys.rotate();
      process.stdout.write(
        `Added signing key generation ${generation} (kid ${kid}). Restart the nodes to sign with it; ` +
          `retire the old keys once their tokens have expired (idhooks keys retire).\n`,
      );
    } else {
      const removed = await container.services.oidcKeys.retireOldKeys();
      process.stdout.write(`Retired ${removed} older signing key generation${removed === 1 ? '' : 's'}.\n`);
    }
  } finally {
    await container.close();
  }
}

/**
 * `idhooks <command>`: the arguments are parsed (src/cli) before anything is opened, so `--help`, a
 * typo or an unknown option never starts a server, creates a database file or prints credentials.
 */
async function main() {
  const code = await runCli(process.argv.slice(2), { start, migrate, keys });
  // `start` keeps running until a signal; every other command ends here.
  if (code >= 0) process.exit(code);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof WorkerLockError || error instanceof ListenError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `idhooks failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
