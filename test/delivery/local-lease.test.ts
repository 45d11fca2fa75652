/**
 * Deliveries leased to the local engine as they are inserted: sent after the commit without a
 * claim, released by a rollback, and leased exactly as a claim would lease them.
 */
import { expect, it } from 'vitest';
import { createDeliveryEngine } from '../../src/delivery/engine.js';
import { createRunInTransaction } from '../../src/services/transaction.js';
import type { DeliveriesRepo } from '../../src/storage/repos/deliveries.js';
import { createEventsRepo } from '../../src/storage/repos/events.js';
import {
  eventually,
  insertHook,
  listDeliveries,
  samplePayload,
  waitForDeliveries,
} from '../helpers/builders.js';
import { describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { sleep, useDeliveryHarness, withEngine } from './support.js';

describeEachDialect('deliveries leased at insert', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  it('inserts offered deliveries as leased and returns them ready to send; others stay pending', async () => {
    const env = await harness.env();
    const { db, capabilities } = env.container.database;
    const taken = await insertHook(db, { url: 'http://127.0.0.1:9/taken' });
    const left = await insertHook(db, { url: 'http://127.0.0.1:9/left' });
    const events = createEventsRepo(db, capabilities);
    const now = env.container.clock.now();
    const appended = await db
      .transaction()
      .execute((tx) =>
        events.appendEvent(tx, { type: 'User.Created', payload: samplePayload(1) }, now, (hookId) =>
          hookId === taken.id ? { workerId: 'local-node', lockedUntil: now + 30_000 } : undefined,
        ),
      );
    expect(appended.deliveryCount).toBe(1);
    expect(appended.leased).toEqual([
      expect.objectContaining({
        hookId: taken.id,
        attempts: 0,
        retryBase: 0,
        lockedUntil: now + 30_000,
        signingKey: taken.signingKey,
        hookConfig: JSON.stringify({ url: taken.url }),
        payload: JSON.stringify(samplePayload(1)),
      }),
    ]);
    const rows = await listDeliveries(db);
    expect(rows.find((r) => r.hookId === taken.id)).toMatchObject({
      status: 'sending',
      lockedBy: 'local-node',
    });
    expect(rows.find((r) => r.hookId === left.id)).toMatchObject({ status: 'pending', lockedBy: null });
  });

  /** An engine over the env's repos that counts its claims, and transactions that lease to it. */
  function countingEngine(env: TestEnv) {
    const { repos, database, clock, logger, config } = env.container;
    let claims = 0;
    const deliveries: DeliveriesRepo = {
      ...repos.deliveries,
      claimDue: (options) => {
        claims++;
        return repos.deliveries.claimDue(options);
      },
    };
    const engine = harness.track(
      createDeliveryEngine({
        deliveries,
        sender: env.container.delivery.dispatcher,
        config: config.delivery,
        clock,
        logger,
      }),
    );
    const runInTransaction = createRunInTransaction({
      db: database.db,
      events: repos.events,
      clock,
      onDeliveriesQueued: engine.wake,
      localDelivery: engine,
    });
    /** The start-up claim has run, so the engine is caught up and offers room. */
    const settled = async () => {
      await eventually(async () => (claims > 0 ? true : undefined));
      await sleep(50);
    };
    return { engine, runInTransaction, claims: () => claims, settled };
  }

  it('sends deliveries of committed changes without claiming them', async () => {
    const env = await harness.env({ IDHOOKS_DELIVERY_CONCURRENCY: '64', IDHOOKS_HOOK_MAX_IN_FLIGHT: '16' });
    const receiver = await harness.receiver();
    await insertHook(env.container.database.db, { url: receiver.url });
    const { engine, runInTransaction, claims, settled } = countingEngine(env);
    await withEngine(engine, async () => {
      await settled();
      const before = claims();
      for (let n = 0; n < 20; n++) {
        await runInTransaction((_tx, emit) => emit({ type: 'User.Created', payload: samplePayload(n) }));
        await receiver.waitFor(n + 1, 5_000);
      }
      await waitForDeliveries(env.container.database.db, ['succeeded']);
      expect(claims() - before, 'no claim for deliveries the engine had room for').toBe(0);
    });
  });

  it('a delivery left pending because the node was full is claimed once room opens, not at the poll', async () => {
    // The poll is a minute away (FAST_DELIVERY_ENV): only the engine's own wake-ups can send it.
    const env = await harness.env({ IDHOOKS_DELIVERY_CONCURRENCY: '2', IDHOOKS_HOOK_MAX_IN_FLIGHT: '2' });
    const slow = await harness.receiver();
    slow.respondWith({ status: 200, body: 'ok', delayMs: 300 });
    const other = await harness.receiver();
    const { db } = env.container.database;
    await insertHook(db, { url: slow.url, events: ['User.Created'] });
    await insertHook(db, { url: other.url, events: ['User.Deleted'] });
    const { engine, runInTransaction, settled } = countingEngine(env);
    await withEngine(engine, async () => {
      await settled();
      for (let n = 0; n < 2; n++) {
        await runInTransaction((_tx, emit) => emit({ type: 'User.Created', payload: samplePayload(n) }));
      }
      // Both slots hold the slow hook's deliveries: this one is declined and stays pending, for a
      // hook this node holds nothing of. Its commit must still lead to a claim.
      await runInTransaction((_tx, emit) => emit({ type: 'User.Deleted', payload: samplePayload(9) }));
      await slow.waitFor(2, 5_000);
      await other.waitFor(1, 5_000);
    });
  });

  it('commits for a hook already at its cap here run no claim; its own finishes claim for them', async () => {
    const env = await harness.env({ IDHOOKS_DELIVERY_CONCURRENCY: '8', IDHOOKS_HOOK_MAX_IN_FLIGHT: '2' });
    const slow = await harness.receiver();
    slow.respondWith({ status: 200, body: 'ok', delayMs: 300 });
    await insertHook(env.container.database.db, { url: slow.url });
    const { engine, runInTransaction, claims, settled } = countingEngine(env);
    await withEngine(engine, async () => {
      await settled();
      const before = claims();
      for (let n = 0; n < 5; n++) {
        await runInTransaction((_tx, emit) => emit({ type: 'User.Created', payload: samplePayload(n) }));
      }
      // Two leased at insert fill the hook's cap; the other three wait, and claiming for them
      // now would find nothing the cap allows.
      expect(claims() - before, 'claims while the hook is at its cap').toBe(0);
      await slow.waitFor(5, 5_000);
    });
  });

  it('a rolled-back change sends nothing and gives its reserved room back', async () => {
    const env = await harness.env({ IDHOOKS_DELIVERY_CONCURRENCY: '2', IDHOOKS_HOOK_MAX_IN_FLIGHT: '2' });
    const receiver = await harness.receiver();
    await insertHook(env.container.database.db, { url: receiver.url });
    const { engine, runInTransaction, claims, settled } = countingEngine(env);
    await withEngine(engine, async () => {
      await settled();
      const before = claims();
      for (let n = 0; n < 5; n++) {
        await expect(
          runInTransaction(async (_tx, emit) => {
            await emit({ type: 'User.Created', payload: samplePayload(n) });
            throw new Error('the change failed after its event');
          }),
        ).rejects.toThrow('the change failed');
      }
      expect(await listDeliveries(env.container.database.db)).toEqual([]);
      // Had the rollbacks kept their room, these would have to wait for claims.
      for (let n = 0; n < 2; n++) {
        await runInTransaction((_tx, emit) => emit({ type: 'User.Created', payload: samplePayload(n) }));
      }
      await receiver.waitFor(2, 5_000);
      expect(claims() - before).toBe(0);
    });
    expect(receiver.requests).toHaveLength(2);
  });
});
