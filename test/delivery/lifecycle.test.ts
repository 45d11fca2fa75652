import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { createDeliveryEngine } from '../../src/delivery/engine.js';
import { createManualClock } from '../../src/shared/clock.js';
import type { TestEnv } from '../helpers/test-db.js';
import {
  appendEvents,
  insertHook,
  listAttempts,
  listDeliveries,
  waitForDeliveries,
} from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { FAST_DELIVERY_ENV, sleep, useDeliveryHarness, withEngine } from './support.js';

describeEachDialect('delivery engine lifecycle', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  /** An engine over the env's repos and dispatcher with a short shutdown grace. */
  const engineWithGrace = (env: TestEnv, shutdownGraceMs: number) =>
    harness.track(
      createDeliveryEngine({
        deliveries: env.container.repos.deliveries,
        sender: env.container.delivery.dispatcher,
        config: env.container.config.delivery,
        clock: env.container.clock,
        logger: env.container.logger,
        workerId: 'stopping-node',
        tuning: { shutdownGraceMs },
      }),
    );

  it('stop() lets in-flight requests finish within the grace, then hands back the leases', async () => {
    const env = await harness.env();
    const receiver = await harness.receiver();
    receiver.respondWith({ status: 200, delayMs: 30_000 });
    const { db } = env.container.database;
    await insertHook(db, { url: receiver.url });
    const engine = engineWithGrace(env, 100);

    await engine.start();
    expect(engine.isRunning).toBe(true);
    await appendEvents(env.container, 1);
    engine.wake();
    await receiver.waitFor(1, 5_000);
    expect((await listDeliveries(db))[0]).toMatchObject({ status: 'sending', lockedBy: 'stopping-node' });
    await engine.stop();
    expect(engine.isRunning).toBe(false);

    // Whether the receiver got the body is unknown, so the attempt is not counted: it will be sent
    // again, with the same webhook-id for the receiver to de-duplicate.
    expect((await listDeliveries(db))[0]).toMatchObject({ status: 'pending', lockedBy: null, attempts: 0 });
    expect(await listAttempts(db)).toEqual([]);
  });

  it('stop() waits for requests that finish within the grace and records them', async () => {
    const env = await harness.env();
    const receiver = await harness.receiver();
    receiver.respondWith({ status: 200, delayMs: 200 });
    const { db } = env.container.database;
    await insertHook(db, { url: receiver.url });
    const engine = engineWithGrace(env, 5_000);
    await engine.start();
    await appendEvents(env.container, 1);
    engine.wake();
    await receiver.waitFor(1, 5_000);
    await engine.stop();
    expect((await listDeliveries(db))[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('picks up a delivery whose node died once its lease has expired', async () => {
    const env = await harness.env();
    const receiver = await harness.receiver();
    const { db } = env.container.database;
    const { repos, clock } = env.container;
    await insertHook(db, { url: receiver.url });
    await appendEvents(env.container, 2);
    const now = clock.now();
    const common = { now, limit: 1, perHookLimit: 10 };
    await repos.deliveries.claimDue({ ...common, workerId: 'dead-node', leaseUntil: now - 1 });
    await repos.deliveries.claimDue({ ...common, workerId: 'live-node', leaseUntil: now + 60_000 });

    await withEngine(env.container.delivery.engine, async () => {
      await receiver.waitFor(1, 5_000);
      await sleep(200);
    });
    // SQLite has one worker, so at start every lease is stale; PostgreSQL respects the live one.
    const isSoleWorker = env.container.database.capabilities.singleWriter;
    expect(receiver.requests).toHaveLength(isSoleWorker ? 2 : 1);
    const rows = await listDeliveries(db);
    expect(rows.filter((r) => r.status === 'succeeded')).toHaveLength(isSoleWorker ? 2 : 1);
  });

  it('prunes finished deliveries, attempts and events past the retention', async () => {
    const clock = createManualClock();
    const env = await harness.env({ IDHOOKS_RETENTION_DAYS: '14' }, { clock });
    const receiver = await harness.receiver();
    const { db } = env.container.database;
    await insertHook(db, { url: receiver.url });
    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, 3);
      await waitForDeliveries(db, ['succeeded']);
    });
    clock.advance(13 * 86_400_000);
    await env.container.delivery.engine.runMaintenance();
    expect(await listDeliveries(db)).toHaveLength(3);
    clock.advance(86_400_000 + 1);
    await env.container.delivery.engine.runMaintenance();
    expect(await listDeliveries(db)).toEqual([]);
    expect(await listAttempts(db)).toEqual([]);
    expect(await db.selectFrom('events').select('id').execute()).toEqual([]);
  });

  it.runIf(dialect === 'postgres')(
    'wakes on a NOTIFY from another node without waiting for the poll',
    async () => {
      const env = await harness.env(); // polls every 60 s
      const receiver = await harness.receiver();
      await insertHook(env.container.database.db, { url: receiver.url });
      const otherNode = createContainer(
        loadConfig({ ...FAST_DELIVERY_ENV, DATABASE_URL: env.database.url, IDHOOKS_LOG_LEVEL: 'silent' }),
        { pgSchema: env.database.pgSchema },
      );
      try {
        await withEngine(env.container.delivery.engine, async () => {
          await appendEvents(otherNode, 1); // commits on the other node, whose engine is not running
          await receiver.waitFor(1, 5_000);
        });
      } finally {
        await otherNode.close();
      }
    },
  );
});
