/**
 * 429 and timeouts: the receiver is overloaded, so the next attempt waits at least 60 s and
 * `Retry-After` is honoured within [base, 2 × base]. A manual clock lets the test read the
 * scheduled time and jump past it instead of waiting.
 */
import { expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { appendEvents, eventually, insertHook, listAttempts, listDeliveries } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from './support.js';

describeEachDialect('delivery engine under overload', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  const pendingAfterOneAttempt = async (db: Parameters<typeof listDeliveries>[0]) =>
    eventually(
      async () => {
        const [row] = await listDeliveries(db);
        return row?.status === 'pending' && row.attempts === 1 ? row : undefined;
      },
      { what: 'first attempt recorded' },
    );

  it('honours Retry-After within [base, 2 × base] after a 429, without jitter', async () => {
    const clock = createManualClock();
    const env = await harness.env({ IDHOOKS_RETRY_SCHEDULE: '100,100' }, { clock });
    const receiver = await harness.receiver();
    const { db } = env.container.database;
    receiver.respondWith({ status: 429, headers: { 'retry-after': '150' } });
    await insertHook(db, { url: receiver.url });
    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, 1);
      const row = await pendingAfterOneAttempt(db);
      expect(row.nextAttemptAt - clock.now()).toBe(150_000);

      receiver.respondWith({ status: 429, headers: { 'retry-after': '100000' } });
      clock.advance(150_000);
      env.container.delivery.engine.wake();
      const clamped = await eventually(async () => {
        const [next] = await listDeliveries(db);
        return next?.attempts === 2 && next.status === 'pending' ? next : undefined; // counted at the lease
      });
      expect(clamped.nextAttemptAt - clock.now(), 'clamped to 2 × base').toBe(200_000);
    });
    expect(receiver.requests).toHaveLength(2);
  });

  it('waits at least 60 s after a 429 even when the schedule says less', async () => {
    const clock = createManualClock();
    const env = await harness.env({}, { clock }); // schedule 0.05 s
    const receiver = await harness.receiver();
    receiver.respondWith({ status: 429 });
    await insertHook(env.container.database.db, { url: receiver.url });
    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, 1);
      const row = await pendingAfterOneAttempt(env.container.database.db);
      expect(row.nextAttemptAt - clock.now()).toBeGreaterThanOrEqual(60_000);
    });
  });

  it('records a timeout, retries it no sooner than 60 s later, and then delivers', async () => {
    const clock = createManualClock();
    const env = await harness.env({ IDHOOKS_DELIVERY_TIMEOUT_MS: '300' }, { clock });
    const receiver = await harness.receiver();
    const { db } = env.container.database;
    const { engine } = env.container.delivery;
    receiver.respondWith({ status: 200, delayMs: 5_000 });
    await insertHook(db, { url: receiver.url });
    await withEngine(engine, async () => {
      await appendEvents(env.container, 1);
      const row = await pendingAfterOneAttempt(db);
      expect(row.lastError).toBe('timed out after 300 ms');
      expect(row.nextAttemptAt - clock.now()).toBeGreaterThanOrEqual(60_000);

      receiver.respondWith({ status: 204 });
      clock.advance(59_000);
      engine.wake();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(receiver.requests, 'not due yet').toHaveLength(1);
      // Jump to each scheduled retry until one succeeds: on a loaded machine a loopback answer can
      // itself exceed 300 ms, which is just another timeout and another retry.
      await eventually(
        async () => {
          const [current] = await listDeliveries(db);
          if (current?.status === 'succeeded') return true;
          if (current?.status === 'pending') {
            clock.set(Math.max(clock.now(), current.nextAttemptAt));
            engine.wake();
          }
          return undefined;
        },
        { intervalMs: 50 },
      );
    });
    const attempts = await listAttempts(db);
    expect(attempts[0]).toMatchObject({
      isSuccess: false,
      responseStatus: null,
      error: 'timed out after 300 ms',
    });
    expect(attempts[0]!.durationMs, 'cut by the timeout, not the 5 s answer').toBeLessThan(4_000);
    expect(attempts.at(-1)).toMatchObject({ isSuccess: true, responseStatus: 204, error: null });
  });
});
