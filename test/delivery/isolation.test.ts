/**
 * A hanging endpoint consumes at most its own per-hook cap of requests; deliveries to other hooks
 * keep flowing. Asserted on counts within a window, never on wall-clock durations.
 */
import { expect, it } from 'vitest';
import { appendEvents, insertHook, listDeliveries } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from './support.js';

describeEachDialect('per-hook isolation', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  it('a hanging hook does not delay deliveries to another hook', async () => {
    const env = await harness.env({
      IDHOOKS_DELIVERY_CONCURRENCY: '8',
      IDHOOKS_HOOK_MAX_IN_FLIGHT: '2',
      IDHOOKS_DELIVERY_TIMEOUT_MS: '60000',
    });
    const hanging = await harness.receiver();
    const healthy = await harness.receiver();
    hanging.respondWith({ status: 200, delayMs: 120_000 });
    const { db } = env.container.database;
    const slowHook = await insertHook(db, { url: hanging.url });
    const fastHook = await insertHook(db, { url: healthy.url });
    const events = 30;

    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, events);
      // Every delivery to the healthy hook arrives while the other hook's requests all hang.
      await healthy.waitFor(events, 10_000);
      expect(hanging.requests.length, 'the hanging hook holds at most its cap').toBeLessThanOrEqual(2);
      // Let the hung requests fail fast so that stop() does not wait for them.
      await hanging.close();
    });

    const rows = await listDeliveries(db);
    expect(rows.filter((r) => r.hookId === fastHook.id && r.status === 'succeeded')).toHaveLength(events);
    expect(rows.filter((r) => r.hookId === slowHook.id && r.status === 'succeeded')).toHaveLength(0);
    expect(
      rows.every((r) => r.lockedBy === null),
      'no lease is left behind',
    ).toBe(true);
  });

  it('under a sustained backlog, slow and dead endpoints use only their caps; the healthy hook drains', async () => {
    const cap = 4;
    const env = await harness.env({
      IDHOOKS_DELIVERY_CONCURRENCY: '16',
      IDHOOKS_HOOK_MAX_IN_FLIGHT: String(cap),
      IDHOOKS_DELIVERY_TIMEOUT_MS: '60000',
      // Far-off retries: a dead endpoint's failures wait instead of coming straight back.
      IDHOOKS_RETRY_SCHEDULE: '600',
    });
    const hanging = await harness.receiver();
    const slow = await harness.receiver();
    const dead = await harness.receiver();
    const healthy = await harness.receiver();
    hanging.respondWith({ status: 200, delayMs: 120_000 });
    slow.respondWith({ status: 200, delayMs: 250 });
    dead.respondWith({ status: 503 });
    const { db } = env.container.database;
    const hooks = {
      hanging: await insertHook(db, { url: hanging.url }),
      slow: await insertHook(db, { url: slow.url }),
      dead: await insertHook(db, { url: dead.url }),
      healthy: await insertHook(db, { url: healthy.url }),
    };
    const backlog = 300;
    // The whole backlog is committed before the engine starts: every hook has 300 due deliveries.
    await appendEvents(env.container, backlog);

    await withEngine(env.container.delivery.engine, async () => {
      await healthy.waitFor(backlog, 20_000);
      // Counted in the window it took the healthy hook to drain 300 (the 60 s timeout keeps the
      // hung requests open through it, however loaded the machine): the hanging hook never got
      // beyond its cap, and the slow one at most its cap per 250 ms answer.
      expect(hanging.requests.length).toBeLessThanOrEqual(cap);
      expect(slow.requests.length).toBeLessThan(backlog);
      await hanging.close();
    });

    const rows = await listDeliveries(db);
    const succeeded = (hookId: string) => rows.filter((r) => r.hookId === hookId && r.status === 'succeeded');
    expect(succeeded(hooks.healthy.id)).toHaveLength(backlog);
    expect(succeeded(hooks.hanging.id)).toHaveLength(0);
    // The dead endpoint failed fast and its deliveries wait for their retry: none lost.
    const deadRows = rows.filter((r) => r.hookId === hooks.dead.id);
    expect(deadRows).toHaveLength(backlog);
    expect(deadRows.every((r) => r.status === 'pending' || r.status === 'succeeded')).toBe(true);
  });
});
