/**
 * Real processes: nothing is lost when the server is killed between the commit and the delivery,
 * the roles split API and delivery, and SQLite refuses a second worker.
 */
import { createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/storage/db.js';
import { createEventsRepo } from '../../src/storage/repos/events.js';
import {
  eventually,
  insertHook,
  listDeliveries,
  samplePayload,
  waitForDeliveries,
} from '../helpers/builders.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/test-db.js';
import {
  childToken,
  killIfRunning,
  READY_TIMEOUT_MS,
  startServerProcess,
  type ServerProcess,
} from './child-process.js';
import { sleep } from './support.js';

const PROCESS_TEST_TIMEOUT_MS = 150_000;

describeEachDialect('server processes', (dialect) => {
  let database: TestDatabase;
  let handle: DatabaseHandle | undefined;
  let receiver: Receiver;
  const servers: ServerProcess[] = [];

  const start = (role: 'all' | 'api' | 'worker', env?: Record<string, string>) => {
    const server = startServerProcess(database, role, env);
    servers.push(server);
    return server;
  };
  /** The test's own connection, opened once a server has migrated the database. */
  const db = () => {
    handle ??= createDatabase({ url: database.url, pgSchema: database.pgSchema });
    return handle.db;
  };
  const stop = async (server: ServerProcess) => {
    server.child.kill('SIGTERM');
    return server.exited;
  };

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(killIfRunning));
    await handle?.destroy();
    handle = undefined;
    await receiver?.close();
    await database?.drop();
  });

  const setUp = async () => {
    database = await createTestDatabase(dialect);
    receiver = await startReceiver();
  };

  it(
    'delivers after a SIGKILL between the API answer and the delivery',
    async () => {
      await setUp();
      const api = start('api');
      const { port } = (await api.waitForLog(/idhooks listening/)) as { port: number };
      const hook = await insertHook(db(), { url: `${receiver.url}/hook` });
      const response = await fetch(`http://127.0.0.1:${port}/api/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await childToken(port)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'survivor' }),
      });
      expect(response.status).toBe(200);
      const user = (await response.json()) as { id: string };
      api.child.kill('SIGKILL');
      await api.exited;
      expect(receiver.requests, 'an api-only process never delivers').toHaveLength(0);
      expect((await listDeliveries(db())).map((d) => d.status)).toEqual(['pending']);

      const all = start('all');
      await receiver.waitFor(1, READY_TIMEOUT_MS);
      await waitForDeliveries(db(), ['succeeded']);
      await sleep(300); // room for a duplicate to show up, if there were one
      expect(receiver.requests).toHaveLength(1);
      expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({
        event: 'User.Created',
        data: { id: user.id, username: 'survivor' },
        hookId: hook.id,
      });
      expect(await stop(all), 'SIGTERM exits cleanly').toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'a worker delivers and serves only /api/status and /metrics',
    async () => {
      await setUp();
      const port = await freePort();
      const worker = start('worker', { PORT: String(port) });
      await worker.waitForLog(/idhooks started/);
      const hook = await insertHook(db(), { url: receiver.url });
      const capabilities = handle!.capabilities;
      await db()
        .transaction()
        .execute((tx) =>
          createEventsRepo(tx, capabilities).appendEvent(
            tx,
            { type: 'User.Created', payload: samplePayload(1) },
            Date.now(),
          ),
        );
      const [request] = await receiver.waitFor(1, 10_000); // the worker is already up
      expect(JSON.parse(request!.body)).toMatchObject({ hookId: hook.id });
      expect((await fetch(`http://127.0.0.1:${port}/api/status`)).status).toBe(204);
      const metrics = await eventually(async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return text.includes('idhooks_delivery_attempts_total{outcome="succeeded"} 1') ? text : undefined;
      });
      // A real server adds Node's process metrics.
      expect(metrics).toMatch(/^idhooks_process_resident_memory_bytes \d+/m);
      expect(metrics).toMatch(/^idhooks_deliveries_pending 0$/m);
      // No Management API, not even its token endpoint.
      expect((await fetch(`http://127.0.0.1:${port}/api/users`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/oidc/token`, { method: 'POST' })).status).toBe(404);
      expect(worker.logs.some((line) => line.includes('idhooks listening'))).toBe(false);
      expect(await stop(worker)).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'SQLite refuses a second worker; PostgreSQL runs several',
    async () => {
      await setUp();
      const first = start('worker');
      await first.waitForLog(/idhooks started/);
      const second = start('all');
      if (dialect === 'sqlite') {
        expect(await second.exited).toBe(1);
        expect(second.stderr()).toMatch(/SQLite allows one delivery worker; .*DATABASE_URL=postgres:\/\//);
        // An api-only process is fine beside the worker.
        const api = start('api');
        await api.waitForLog(/idhooks started/);
        expect(await stop(api)).toBe(0);
      } else {
        await second.waitForLog(/idhooks started/);
        expect(await stop(second)).toBe(0);
      }
      expect(await stop(first)).toBe(0);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

/** A port nothing listens on (taken and released), so the test can prove a worker does not listen. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
