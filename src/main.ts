import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config/index.js';
import { createContainer } from './container.js';
import { buildApp } from './app.js';
import { createDatabase } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';

const USAGE = `Usage: idhooks <command>

Commands:
  start     migrate the database, then serve the API and deliver webhooks
  migrate   apply pending database migrations and exit

Configuration comes from environment variables; see the README.`;

function printAdminCredentials(clientId: string, secret: string, resource: string) {
  const line = '='.repeat(72);
  // Printed once, to stdout, on purpose: this is the only time the secret exists in clear text.
  process.stdout.write(
    `\n${line}\n idhooks created an admin machine-to-machine application.\n` +
      ` Save these now: the secret is stored hashed and will not be shown again.\n\n` +
      `   client id:      ${clientId}\n   client secret:  ${secret}\n   resource:       ${resource}\n` +
      `\n Get a token:  curl -s -X POST -u '${clientId}:<secret>' \\\n` +
      `   -d grant_type=client_credentials -d resource=${resource} -d scope=all <endpoint>/oidc/token\n${line}\n\n`,
  );
}

async function start() {
  const config = loadConfig();
  const container = createContainer(config);
  await container.init();
  const admin = await container.services.auth.ensureAdminApplication();
  if (admin.generatedSecret)
    printAdminCredentials(admin.clientId, admin.generatedSecret, config.managementApiResource);

  const app = buildApp(container);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    container.logger.info(
      {
        address: info.address,
        port: info.port,
        endpoint: config.endpoint,
        database: container.database.capabilities.name,
      },
      `idhooks listening on http://${config.host}:${info.port}`,
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    container.logger.info({ signal }, 'stopping');
    server.close(async () => {
      await container.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function migrate() {
  const config = loadConfig();
  const database = createDatabase({ url: config.databaseUrl, sqliteSynchronous: config.sqliteSynchronous });
  try {
    const applied = await migrateToLatest(database.db.withoutPlugins());
    process.stdout.write(
      applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n',
    );
  } finally {
    await database.destroy();
  }
}

async function main() {
  const { positionals } = parseArgs({ allowPositionals: true, strict: false });
  const command = positionals[0] ?? 'start';
  if (command === 'start') return start();
  if (command === 'migrate') return migrate();
  process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
  process.exit(2);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `idhooks failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
