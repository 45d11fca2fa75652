/**
 * Concurrent claims on PostgreSQL (SKIP LOCKED, READ COMMITTED) never hold two deliveries of one
 * hook and key at once, and take each key's deliveries in order: eight claimers hammer a queue
 * of few keys, each recording its deliveries' success right after claiming them, so a key's next
 * delivery becomes claimable while other claims are scanning (docs/architecture.md#per-key-ordering).
 */
import { expect, it } from 'vitest';
import type { AttemptRecord } from '../../src/storage/repos/deliveries.js';
import { insertHook } from '../helpers/builders.js';
import { describePostgres } from '../helpers/test-db.js';
import { keyedPayload, makePerKey } from './ordering-support.js';
import { sleep, useDeliveryHarness } from './support.js';

const KEYS = 4;
const PER_KEY = 30;
const CLAIMERS = 8;

describePostgres('per-key ordering under concurrent claims', () => {
  const harness = useDeliveryHarness('postgres');

  it('never leases two deliveries of one key at once, and leases them in order', async () => {
    const env = await harness.env();
    const { repos, database, clock } = env.container;
    const { db } = database;
    const hook = await insertHook(db, { url: 'http://127.0.0.1:9/ordered', events: ['User.Data.Updated'] });
    await makePerKey(db, hook.id, 'http://127.0.0.1:9/ordered');
    const now = clock.now();
    for (let n = 0; n < PER_KEY; n++) {
      await db.transaction().execute(async (tx) => {
        for (let k = 0; k < KEYS; k++) {
          await repos.events.appendEvent(
            tx,
            { type: 'User.Data.Updated', payload: keyedPayload(`k${k}`, n) },
            now,
          );
        }
      });
    }

    const held = new Map<string, string>();
    const claimedInOrder = new Map<string, number[]>();
    const overlaps: string[] = [];
    let done = 0;
    let claims = 0;
    const claimer = async (worker: string) => {
      while (done < KEYS * PER_KEY) {
        claims++;
        const claimed = await repos.deliveries.claimDue({
          now,
          limit: 10,
          perHookLimit: 10,
          workerId: worker,
          leaseUntil: now + 60_000,
        });
        for (const delivery of claimed) {
          const key = delivery.orderingKey ?? '';
          const holder = held.get(key);
          if (holder !== undefined) overlaps.push(`${key}: ${holder} and ${delivery.id}`);
          held.set(key, delivery.id);
          const n = (JSON.parse(delivery.payload) as { data: { n: number } }).data.n;
          claimedInOrder.set(key, [...(claimedInOrder.get(key) ?? []), n]);
        }
        await sleep(claimed.length === 0 ? 1 : 2);
        // The hold ends before the result is written: a claim of the key's next delivery that
        // returns after this line is legitimate, one that returns before it is an overlap.
        for (const delivery of claimed) held.delete(delivery.orderingKey ?? '');
        const records: AttemptRecord[] = claimed.map((delivery) => ({
          deliveryId: delivery.id,
          hookId: delivery.hookId,
          eventType: delivery.eventType,
          attempt: 1,
          isSuccess: true,
          startedAt: now,
          durationMs: 1,
          requestUrl: 'http://127.0.0.1:9/ordered',
          requestHeaders: {},
          responseStatus: 200,
          status: 'succeeded',
          nextAttemptAt: null,
        }));
        await repos.deliveries.recordAttempts(records, worker, now);
        done += claimed.length;
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CLAIMERS }, (_, i) => claimer(`node-${i}`)));
    console.info(
      `concurrent claims: ${KEYS * PER_KEY} deliveries over ${KEYS} keys, ${CLAIMERS} claimers, ` +
        `${claims} claims in ${Date.now() - started} ms, ${overlaps.length} overlaps`,
    );
    expect(overlaps).toEqual([]);
    for (let k = 0; k < KEYS; k++) {
      expect(claimedInOrder.get(`user:k${k}`)).toEqual(Array.from({ length: PER_KEY }, (_, n) => n));
    }
  }, 120_000);

  it('two transactions appending for one key take places in commit order', async () => {
    const env = await harness.env();
    const { repos, database, clock } = env.container;
    const { db } = database;
    const hook = await insertHook(db, { url: 'http://127.0.0.1:9/ordered', events: ['User.Data.Updated'] });
    await makePerKey(db, hook.id, 'http://127.0.0.1:9/ordered');
    const now = clock.now();
    const committed: number[] = [];
    const append = (n: number, holdMs: number) =>
      db
        .transaction()
        .execute(async (tx) => {
          await repos.events.appendEvent(
            tx,
            { type: 'User.Data.Updated', payload: keyedPayload('a', n) },
            now,
          );
          await sleep(holdMs);
        })
        .then(() => committed.push(n));
    // The first appends, then holds its transaction open while the second appends and commits.
    const first = append(0, 300);
    await sleep(50);
    await Promise.all([first, append(1, 0)]);
    expect(committed, 'the second waited for the first: the same key is locked').toEqual([0, 1]);
    const rows = await db
      .selectFrom('deliveries')
      .innerJoin('events', 'events.id', 'deliveries.eventId')
      .select(['deliveries.orderingSeq', 'events.payload'])
      .orderBy('deliveries.orderingSeq')
      .execute();
    expect(
      rows.map((r) => [r.orderingSeq, (JSON.parse(r.payload) as { data: { n: number } }).data.n]),
    ).toEqual([
      [1, 0],
      [2, 1],
    ]);
    const claimed = await repos.deliveries.claimDue({
      now,
      limit: 10,
      perHookLimit: 10,
      workerId: 'w',
      leaseUntil: now + 60_000,
    });
    expect(claimed).toHaveLength(1);
  });
});
