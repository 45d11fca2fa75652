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
      IDHOOKS_DELIVERY_TIMEOUT_MS: '10000',
    });
    const hanging = await harness.receiver();
    const healthy = await harness.receiver();
    hanging.respondWith({ status: 200, delayMs: 60_000 });
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
});
