/**
 * Results the engine cannot write at once are kept and written later, never dropped: a dropped
 * result is a delivery that already went out and is sent again when its lease expires. Found by
 * the reliability suite (test/reliability): a response body with a NUL byte (PostgreSQL text cannot
 * hold it) failed every write of its batch, and a dropped database connection killed the process
 * and, once survived, dropped the results waiting to be written.
 */
import { expect, it } from 'vitest';
import {
  appendEvents,
  insertHook,
  listAttempts,
  listDeliveries,
  waitForDeliveries,
} from '../helpers/builders.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { describeEachDialect, TEST_PG_URL } from '../helpers/test-db.js';
import { sleep, useDeliveryHarness, withEngine } from './support.js';

describeEachDialect('recording faults', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  it('records a response with NUL bytes, and its batch-mates, once', async () => {
    const env = await harness.env();
    const odd = await harness.receiver();
    const healthy = await harness.receiver();
    odd.respondWith({ status: 200, body: 'ok\u0000\u0000done' });
    const { db } = env.container.database;
    const oddHook = await insertHook(db, { url: odd.url });
    await insertHook(db, { url: healthy.url });
    const events = 20;

    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, events);
      await waitForDeliveries(db, ['succeeded'], { timeoutMs: 5_000 });
    });

    // Nothing was sent twice, which a dropped batch would have caused once its leases expired.
    expect(odd.requests).toHaveLength(events);
    expect(healthy.requests).toHaveLength(events);
    const attempts = await listAttempts(db);
    expect(attempts).toHaveLength(events * 2);
    const stored = attempts.filter((attempt) => attempt.hookId === oddHook.id).map((a) => a.responseBody);
    expect(new Set(stored)).toEqual(new Set(['ok\uFFFD\uFFFDdone']));
  });

  it.runIf(dialect === 'postgres')(
    'stops claiming while results wait to be recorded: leased or unrecorded stays within the concurrency',
    async () => {
      const concurrency = 8;
      const env = await harness.env({ IDHOOKS_DELIVERY_CONCURRENCY: String(concurrency) });
      const receiver = await harness.receiver();
      const { db } = env.container.database;
      await insertHook(db, { url: receiver.url });
      const events = 40;
      // Another transaction holds the attempts table: every write of a result waits for it, while
      // claims (which never touch that table) could go on. Only the slots can hold them back.
      const blocker = await env.container.database.pgPool!.connect();
      try {
        await blocker.query('begin');
        await blocker.query('lock table delivery_attempts in exclusive mode');
        await withEngine(env.container.delivery.engine, async () => {
          await appendEvents(env.container, events);
          try {
            await receiver.waitFor(concurrency, 5_000);
            await sleep(500); // time enough to claim and send far more, were it allowed to
            expect(receiver.requests.length).toBe(concurrency);
          } finally {
            await blocker.query('commit'); // before stop(), which waits for the results to be written
          }
          await waitForDeliveries(db, ['succeeded'], { timeoutMs: 10_000 });
        });
      } finally {
        blocker.release();
      }
      expect(receiver.requests, 'each delivery sent once').toHaveLength(events);
    },
  );

  it.runIf(dialect === 'postgres')(
    'survives losing the database mid-delivery and writes the waiting results once it is back',
    async () => {
      const target = new URL(TEST_PG_URL);
      const proxy: TcpProxy = await startTcpProxy({
        host: target.hostname,
        port: Number(target.port || 5432),
      });
      try {
        const url = new URL(TEST_PG_URL);
        url.hostname = '127.0.0.1';
        url.port = String(proxy.port);
        const env = await harness.env({ DATABASE_URL: url.toString(), IDHOOKS_DELIVERY_POLL_MS: '100' });
        const receiver = await harness.receiver();
        // Answers arrive while the database is away, so their results have to wait.
        receiver.respondWith({ status: 200, delayMs: 300 });
        const { db } = env.container.database;
        await insertHook(db, { url: receiver.url });
        const events = 10;

        await withEngine(env.container.delivery.engine, async () => {
          await appendEvents(env.container, events);
          await receiver.waitFor(events, 5_000);
          await proxy.cut();
          await sleep(1_500);
          await proxy.restore();
          await waitForDeliveries(db, ['succeeded'], { timeoutMs: 10_000 });
        });

        expect(receiver.requests, 'each delivery sent once').toHaveLength(events);
        expect((await listDeliveries(db)).map((d) => d.attempts)).toEqual(Array(events).fill(1));
        expect(await listAttempts(db)).toHaveLength(events);
      } finally {
        await proxy.close();
      }
    },
  );
});
