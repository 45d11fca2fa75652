import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { loadConfig, type Env } from '../../src/config/index.js';
import { createContainer, type Container } from '../../src/container.js';
import { buildApp, type App } from '../../src/app.js';
import { randomString } from '../../src/shared/ids.js';
import type { Clock } from '../../src/shared/clock.js';
import type { Logger } from '../../src/shared/logger.js';

export type Dialect = 'sqlite' | 'postgres';

/** The PostgreSQL server tests use; each test file works in a fresh schema of its own. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `DIALECTS=sqlite` runs one dialect only; both run by default. */
export const DIALECTS: Dialect[] = (process.env.DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is Dialect => d === 'sqlite' || d === 'postgres');

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${TEST_PG_URL} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgUnavailable = DIALECTS.includes('postgres') ? await probePostgres() : undefined;
if (pgUnavailable) {
  // CI sets IDHOOKS_REQUIRE_POSTGRES=1: there a missing database is a failure, not a skip.
  if (process.env.IDHOOKS_REQUIRE_POSTGRES === '1')
    throw new Error(`${pgUnavailable}; IDHOOKS_REQUIRE_POSTGRES=1`);
  console.warn(`Skipping PostgreSQL tests: ${pgUnavailable}. Start it or set DIALECTS=sqlite.`);
}

/** `describe` once per dialect; PostgreSQL suites are skipped (with the reason printed) when unreachable. */
export function describeEachDialect(title: string, body: (dialect: Dialect) => void): void {
  for (const dialect of DIALECTS) {
    const run = dialect === 'postgres' && pgUnavailable ? describe.skip : describe;
    run(`${dialect}: ${title}`, () => body(dialect));
  }
}

/** `describe` for PostgreSQL-only behaviour (several nodes sharing a queue), skipped like above. */
export function describePostgres(title: string, body: () => void): void {
  // Registered as skipped rather than not at all: a file with no test fails the run
  // (`DIALECTS=sqlite` would otherwise fail on PostgreSQL-only files).
  const skip = !DIALECTS.includes('postgres') || pgUnavailable !== undefined;
  (skip ? describe.skip : describe)(`postgres: ${title}`, body);
}

export interface TestDatabase {
  readonly url: string;
  readonly pgSchema: string | undefined;
  drop(): Promise<void>;
}

/** A fresh SQLite file or a fresh PostgreSQL schema. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'idhooks-test-'));
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      pgSchema: undefined,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `test_${randomString(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    url: TEST_PG_URL,
    pgSchema: schema,
    drop: async () => {
      const admin = new pg.Client({ connectionString: TEST_PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}

export interface TestEnv {
  readonly dialect: Dialect;
  readonly database: TestDatabase;
  readonly container: Container;
  readonly app: App;
  readonly admin: { readonly clientId: string; readonly clientSecret: string };
  /** A fresh Management API access token for the admin application. */
  token(): Promise<string>;
  /** Calls the Management API as the admin application. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export const TEST_ADMIN = { clientId: 'test-admin', clientSecret: 'test-admin-secret-0123456789' } as const;

export interface TestEnvOptions {
  readonly env?: Env;
  readonly clock?: Clock;
  /** Replaces the silent logger, to read what the server logs. */
  readonly logger?: Logger;
}

/** A migrated database, a container and the app, with an admin application ready to call the API. */
export async function createTestEnv(dialect: Dialect, options: TestEnvOptions = {}): Promise<TestEnv> {
  const database = await createTestDatabase(dialect);
  const config = loadConfig({
    DATABASE_URL: database.url,
    IDHOOKS_LOG_LEVEL: 'silent',
    IDHOOKS_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
    IDHOOKS_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
    IDHOOKS_ENDPOINT: 'http://localhost:3001',
    // A sending thread costs each delivering test ~1 s of start-up under tsx; the tests that are
    // about it (test/delivery/sending-thread.test.ts, dispatcher.test.ts) and every test that runs
    // the real server (child processes, the reliability suite) use it.
    IDHOOKS_DELIVERY_THREAD: 'false',
    ...options.env,
  });
  const container = createContainer(config, {
    pgSchema: database.pgSchema,
    clock: options.clock,
    logger: options.logger,
  });
  await container.init();
  await container.services.auth.ensureAdminApplication();
  const app = buildApp(container);
  let cachedToken: string | undefined;

  const token = async () => {
    const response = await app.request('/oidc/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: TEST_ADMIN.clientId,
        client_secret: TEST_ADMIN.clientSecret,
        resource: config.managementApiResource,
        scope: 'all',
      }).toString(),
    });
    if (response.status !== 200)
      throw new Error(`token request failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  return {
    dialect,
    database,
    container,
    app,
    admin: TEST_ADMIN,
    token,
    async api(method, path, body, headers = {}) {
      cachedToken ??= await token();
      return app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${cachedToken}`,
          'user-agent': 'idhooks-tests/1.0',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    async close() {
      await container.close();
      await database.drop();
    },
  };
}
