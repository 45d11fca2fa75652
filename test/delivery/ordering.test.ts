/**
 * Per-key ordering (hooks with `config.ordering: "perKey"`, docs/architecture.md#per-key-ordering):
 * one key at a time, in commit order, a failing key holding up only itself; the lease taken at
 * insert and the claim both wait for a key's turn; a replay goes to the back of its key.
 */
import { expect, it } from 'vitest';
import { createDeliveryEngine } from '../../src/delivery/engine.js';
import { createRunInTransaction } from '../../src/services/transaction.js';
import type { AttemptRecord } from '../../src/storage/repos/deliveries.js';
import type { TestEnv } from '../helpers/test-db.js';
import { eventually, insertHook, samplePayload, waitForDeliveries } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { keyedPayload, keyedResponder, makePerKey } from './ordering-support.js';
import { useDeliveryHarness, withEngine } from './support.js';

const KEYS = 20;
const PER_KEY = 5;

describeEachDialect('per-key ordering', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  /** The env's own engine, and transactions that lease to it at insert as the services' do. */
  function engineOf(env: TestEnv) {
    const { repos, database, clock, logger, config } = env.container;
    const engine = harness.track(
      createDeliveryEngine({
        deliveries: repos.deliveries,
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
    return { engine, runInTransaction };
  }

  it('a failing key waits and then arrives in order; other keys are not delayed', async () => {
    // Five tries, 2 s apart: the first delivery of `slow` fails three times, then succeeds.
    const env = await harness.env({ IDHOOKS_RETRY_SCHEDULE: '2,2,2,2', IDHOOKS_DELIVERY_TIMEOUT_MS: '5000' });
    const receiver = await harness.receiver();
    const { db } = env.container.database;
    const hook = await insertHook(db, { url: receiver.url, events: ['User.Data.Updated'] });
    await makePerKey(db, hook.id, receiver.url);
    const responder = keyedResponder(10, (user, n, arrival) =>
      user === 'slow' && n === 0 && arrival <= 3 ? 500 : 200,
    );
    receiver.respondWith(responder.respond);
    const users = ['slow', ...Array.from({ length: KEYS - 1 }, (_, k) => `u${k}`)];
    const { engine, runInTransaction } = engineOf(env);
    const started = Date.now();
    let emitted = started;
    await withEngine(engine, async () => {
      // Round n of every key commits before round n + 1, some rounds in one transaction, some not.
      for (let n = 0; n < PER_KEY; n++) {
        if (n % 2 === 0) {
          await runInTransaction(async (_tx, emit) => {
            for (const user of users)
              await emit({ type: 'User.Data.Updated', payload: keyedPayload(user, n) });
          });
        } else {
          for (const user of users) {
            await runInTransaction((_tx, emit) =>
              emit({ type: 'User.Data.Updated', payload: keyedPayload(user, n) }),
            );
          }
        }
      }
      emitted = Date.now();
      await waitForDeliveries(db, ['succeeded'], { timeoutMs: 30_000 });
    });
    const elapsed = Date.now() - started;

    const order = responder.orderByKey();
    for (const user of users) expect(order.get(user), user).toEqual([0, 1, 2, 3, 4]);
    expect(responder.maxOpenPerKey, 'requests of one key open at once').toBe(1);
    const slow = responder.arrivals.filter((a) => a.user === 'slow');
    expect(slow.map((a) => [a.n, a.status])).toEqual([
      [0, 500],
      [0, 500],
      [0, 500],
      [0, 200],
      [1, 200],
      [2, 200],
      [3, 200],
      [4, 200],
    ]);
    // Every other key was done before the failing one's first delivery got through.
    const slowFirstSuccess = slow[3]!.at;
    const othersDone = Math.max(...responder.arrivals.filter((a) => a.user !== 'slow').map((a) => a.at));
    expect(othersDone).toBeLessThan(slowFirstSuccess);
    console.info(
      `per-key ordering (${dialect}): ${KEYS * PER_KEY} deliveries over ${KEYS} keys, ` +
        `${responder.arrivals.length} requests in ${elapsed} ms (all committed after ${emitted - started} ms); other keys done after ` +
        `${othersDone - started} ms, the failing key's head after ${slowFirstSuccess - started} ms; ` +
        `max open per key ${responder.maxOpenPerKey}`,
    );
  });

  it('leases at insert only the first open delivery of a key; the claim takes the next after it', async () => {
    const env = await harness.env();
    const { repos, database, clock } = env.container;
    const { db } = database;
    const ordered = await insertHook(db, {
      url: 'http://127.0.0.1:9/ordered',
      events: ['User.Data.Updated'],
    });
    await makePerKey(db, ordered.id, 'http://127.0.0.1:9/ordered');
    const plain = await insertHook(db, { url: 'http://127.0.0.1:9/plain', events: ['User.Data.Updated'] });
    const now = clock.now();
    const offered: string[] = [];
    const offer = (hookId: string) => {
      offered.push(hookId);
      return { workerId: 'local', lockedUntil: now + 60_000 };
    };
    const append = (user: string, n: number) =>
      db
        .transaction()
        .execute((tx) =>
          repos.events.appendEvent(
            tx,
            { type: 'User.Data.Updated', payload: keyedPayload(user, n) },
            now,
            offer,
          ),
        );

    const first = await append('a', 0);
    expect(first.leased.map((d) => [d.hookId, d.orderingKey])).toEqual(
      expect.arrayContaining([
        [ordered.id, 'user:a'],
        [plain.id, null],
      ]),
    );
    offered.length = 0;
    const second = await append('a', 1);
    // The plain hook's delivery is leased; the ordered one waits behind `a`'s first.
    expect(offered).toEqual([plain.id]);
    expect(second.leased.map((d) => d.hookId)).toEqual([plain.id]);
    const other = await append('b', 0);
    expect(other.leased.map((d) => d.hookId).sort()).toEqual([ordered.id, plain.id].sort());

    const claim = () =>
      repos.deliveries.claimDue({
        now,
        limit: 10,
        perHookLimit: 10,
        workerId: 'w',
        leaseUntil: now + 60_000,
      });
    expect(await claim(), "a's second waits while its first is being sent").toEqual([]);

    const firstOrdered = first.leased.find((d) => d.hookId === ordered.id)!;
    const retry: AttemptRecord = {
      deliveryId: firstOrdered.id,
      hookId: ordered.id,
      eventType: 'User.Data.Updated',
      attempt: 1,
      isSuccess: false,
      startedAt: now,
      durationMs: 1,
      requestUrl: 'http://127.0.0.1:9/ordered',
      requestHeaders: {},
      responseStatus: 500,
      status: 'pending',
      nextAttemptAt: now + 1_000,
    };
    await repos.deliveries.recordAttempts([retry], 'local', now);
    expect(await claim(), 'a retry of the head keeps its key blocked').toEqual([]);
    // The retry is claimed (by hand here) and fails for good: the next of `a` becomes due.
    await db
      .updateTable('deliveries')
      .set({ status: 'sending', lockedBy: 'local' })
      .where('id', '=', firstOrdered.id)
      .execute();
    await repos.deliveries.recordAttempts(
      [{ ...retry, attempt: 2, status: 'failed', nextAttemptAt: null }],
      'local',
      now,
    );
    const next = await claim();
    expect(next.map((d) => [d.hookId, d.orderingKey, JSON.parse(d.payload).data.n])).toEqual([
      [ordered.id, 'user:a', 1],
    ]);
  });

  it('an unordered hook is not held up by a key', async () => {
    const env = await harness.env();
    const { repos, database, clock } = env.container;
    const { db } = database;
    await insertHook(db, { url: 'http://127.0.0.1:9/plain', events: ['User.Data.Updated'] });
    const now = clock.now();
    await db.transaction().execute(async (tx) => {
      for (let n = 0; n < 3; n++) {
        await repos.events.appendEvent(tx, { type: 'User.Data.Updated', payload: keyedPayload('a', n) }, now);
      }
    });
    const claimed = await repos.deliveries.claimDue({
      now,
      limit: 10,
      perHookLimit: 10,
      workerId: 'w',
      leaseUntil: now + 60_000,
    });
    expect(claimed).toHaveLength(3);
    expect(claimed.every((d) => d.orderingKey === null)).toBe(true);
  });

  it('a resent finished delivery goes to the back of its key; an open one keeps its place', async () => {
    const env = await harness.env();
    const { repos, database, clock } = env.container;
    const { db } = database;
    const hook = await insertHook(db, { url: 'http://127.0.0.1:9/ordered', events: ['User.Data.Updated'] });
    await makePerKey(db, hook.id, 'http://127.0.0.1:9/ordered');
    const now = clock.now();
    await db.transaction().execute(async (tx) => {
      for (let n = 0; n < 3; n++) {
        await repos.events.appendEvent(tx, { type: 'User.Data.Updated', payload: keyedPayload('a', n) }, now);
      }
    });
    const rows = () =>
      db
        .selectFrom('deliveries')
        .innerJoin('events', 'events.id', 'deliveries.eventId')
        .select(['deliveries.id', 'deliveries.status', 'deliveries.orderingSeq', 'events.payload'])
        .orderBy('deliveries.orderingSeq')
        .execute();
    const [d0, d1] = await rows();
    expect((await rows()).map((r) => r.orderingSeq)).toEqual([1, 2, 3]);
    // d0 was delivered; d1 is the head now. Resending d0 puts it after d2.
    await db.updateTable('deliveries').set({ status: 'succeeded' }).where('id', '=', d0!.id).execute();
    await db.transaction().execute((tx) => repos.deliveries.resend(hook.id, d0!.id, now, tx));
    // Resending the open head d1 leaves it where it is.
    await db.transaction().execute((tx) => repos.deliveries.resend(hook.id, d1!.id, now, tx));
    const after = await rows();
    expect(after.map((r) => (JSON.parse(r.payload) as { data: { n: number } }).data.n)).toEqual([1, 2, 0]);
    const claimed = await repos.deliveries.claimDue({
      now,
      limit: 10,
      perHookLimit: 10,
      workerId: 'w',
      leaseUntil: now + 60_000,
    });
    expect(claimed.map((d) => d.id)).toEqual([d1!.id]);
  });

  it('events without a key stay unordered for a perKey hook', async () => {
    const env = await harness.env();
    const { repos, database, clock } = env.container;
    const { db } = database;
    const hook = await insertHook(db, { url: 'http://127.0.0.1:9/ordered', events: ['Message.RateLimited'] });
    await makePerKey(db, hook.id, 'http://127.0.0.1:9/ordered');
    const now = clock.now();
    await db.transaction().execute(async (tx) => {
      for (let n = 0; n < 3; n++) {
        await repos.events.appendEvent(tx, { type: 'Message.RateLimited', payload: samplePayload(n) }, now);
      }
    });
    await eventually(async () => {
      const claimed = await repos.deliveries.claimDue({
        now,
        limit: 10,
        perHookLimit: 10,
        workerId: 'w',
        leaseUntil: now + 60_000,
      });
      return claimed.length === 3 ? true : undefined;
    });
  });
});
