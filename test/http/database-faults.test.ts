import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import {
  createTestDatabase,
  describeEachDialect,
  describePostgres,
  TEST_ADMIN,
  TEST_PG_URL,
} from '../helpers/test-db.js';

/**
 * Issue 13 item 8: database faults are reported as what they are (503 with a clear code, the real
 * cause in the log), `/api/status` stays the liveness probe, `/api/status/ready` tells readiness.
 */
function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

async function startNode(
  databaseUrl: string,
  pgSchema: string | undefined,
  logger = logSink().logger,
  extraEnv: Record<string, string> = {},
) {
  const config = loadConfig({
    ...extraEnv,
    DATABASE_URL: databaseUrl,
    IDHOOKS_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
    IDHOOKS_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
    IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
  });
  const container = createContainer(config, { pgSchema, logger });
  await container.init();
  await container.services.auth.ensureAdminApplication();
  const app = buildApp(container);
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
  const { access_token: token } = (await response.json()) as { access_token: string };
  const api = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { container, app, api };
}

describeEachDialect('readiness', (dialect) => {
  it('is 200 while the database answers; on a delivering node also while the engine runs', async () => {
    const database = await createTestDatabase(dialect);
    const { container, app } = await startNode(database.url, database.pgSchema);
    try {
      expect((await app.request('/api/status')).status).toBe(204);
      const ready = await app.request('/api/status/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, database: 'ok', delivery: 'not-expected' });
      await container.delivery.engine.start();
      container.readiness.expectEngine();
      expect(await (await app.request('/api/status/ready')).json()).toMatchObject({ delivery: 'running' });
      await container.delivery.engine.stop();
      const stopped = await app.request('/api/status/ready');
      expect(stopped.status).toBe(503);
      expect(await stopped.json()).toEqual({ ready: false, database: 'ok', delivery: 'stopped' });
    } finally {
      await container.close();
      await database.drop();
    }
  });
});

describeEachDialect('readiness of a node whose claims fail', (dialect) => {
  it('is 503 claims-failing while the queue cannot be claimed though the database answers, and ready again once it can', async () => {
    const database = await createTestDatabase(dialect);
    const { container, app } = await startNode(database.url, database.pgSchema, logSink().logger, {
      IDHOOKS_DELIVERY_POLL_MS: '20',
    });
    const { db } = container.database;
    const readiness = async () => ({
      status: (await app.request('/api/status/ready')).status,
      body: (await (await app.request('/api/status/ready')).json()) as Record<string, unknown>,
    });
    const until = async (wanted: string) => {
      const deadline = Date.now() + 10_000;
      let last: Record<string, unknown> = {};
      while (Date.now() < deadline) {
        last = (await readiness()).body;
        if (last.delivery === wanted) return last;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`readiness never reported ${wanted}: ${JSON.stringify(last)}`);
    };
    try {
      await container.delivery.engine.start();
      container.readiness.expectEngine();
      await until('running');
      // A queue that cannot be read while a trivial query still answers: the claim statement fails.
      await sql`alter table deliveries rename to deliveries_moved`.execute(db);
      expect(await until('claims-failing')).toEqual({
        ready: false,
        database: 'ok',
        delivery: 'claims-failing',
      });
      expect((await readiness()).status).toBe(503);
      await sql`alter table deliveries_moved rename to deliveries`.execute(db);
      expect(await until('running')).toEqual({ ready: true, database: 'ok', delivery: 'running' });
    } finally {
      await container.delivery.engine.stop();
      await container.close();
      await database.drop();
    }
  });
});

describeEachDialect('a full disk', (dialect) => {
  it.runIf(dialect === 'sqlite')(
    'answers 503 database.storage_full and logs SQLITE_FULL, not "cannot rollback"',
    async () => {
      const database = await createTestDatabase('sqlite');
      const sink = logSink();
      const { container, api } = await startNode(database.url, undefined, sink.logger);
      try {
        expect((await api('POST', '/api/users', { username: 'before_full' })).status).toBe(200);
        // No room for one more page: the next write that needs one fails as on a full disk.
        const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(container.database.db);
        await sql.raw(`pragma max_page_count = ${rows[0]?.page_count ?? 1}`).execute(container.database.db);
        const response = await api('POST', '/api/users', {
          username: 'after_full',
          customData: { blob: 'x'.repeat(200_000) },
        });
        expect(response.status).toBe(503);
        expect(((await response.json()) as { code: string }).code).toBe('database.storage_full');
        const logged = sink.lines.join('\n');
        expect(logged).toMatch(/SQLITE_FULL/);
        expect(logged).not.toMatch(/cannot rollback/);
        const users = await container.database.db.selectFrom('users').select('username').execute();
        expect(users.map((u) => u.username)).not.toContain('after_full');
        // A real full disk makes SQLite roll the whole transaction back by itself; Kysely's own
        // ROLLBACK must then not replace the cause with "cannot rollback - no transaction is active".
        const cause = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        await expect(
          container.database.db.transaction().execute(async (tx) => {
            await sql`rollback`.execute(tx);
            throw cause;
          }),
        ).rejects.toBe(cause);
      } finally {
        await container.close();
        await database.drop();
      }
    },
  );
});

describePostgres('PostgreSQL unreachable', () => {
  it('answers 503 database.unavailable, keeps /api/status at 204, is not ready, and recovers', async () => {
    const database = await createTestDatabase('postgres');
    const target = new URL(TEST_PG_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(TEST_PG_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const { container, app, api } = await startNode(viaProxy.toString(), database.pgSchema);
    try {
      expect((await api('GET', '/api/users')).status).toBe(200);
      await proxy.cut();
      // The pool may hand out a dropped connection first: every answer is a 503 with the code.
      for (let i = 0; i < 3; i++) {
        const response = await api('GET', '/api/users');
        expect(response.status).toBe(503);
        expect(((await response.json()) as { code: string }).code).toBe('database.unavailable');
        expect(response.headers.get('retry-after')).toBe('5');
      }
      expect((await app.request('/api/status')).status).toBe(204);
      const ready = await app.request('/api/status/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, database: 'unreachable' });
      await proxy.restore();
      let status = 0;
      for (let i = 0; i < 20 && status !== 200; i++) {
        status = (await app.request('/api/status/ready')).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      expect((await api('GET', '/api/users')).status).toBe(200);
    } finally {
      await container.close();
      await proxy.close();
      await database.drop();
    }
  });
});
