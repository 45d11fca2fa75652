import { describe, expect, it } from 'vitest';
import type { AttemptRecord, ClaimedDelivery } from '../../src/storage/repos/deliveries.js';
import {
  appendEvents,
  insertHook,
  listAttempts,
  listDeliveries,
  setHookEnabled,
} from '../helpers/builders.js';
import { describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { useDeliveryHarness } from './support.js';

const URL = 'http://127.0.0.1:9/never-called';

describeEachDialect('deliveries repo', (dialect) => {
  const harness = useDeliveryHarness(dialect);
  const claim = (
    env: TestEnv,
    overrides: Partial<Parameters<TestEnv['container']['repos']['deliveries']['claimDue']>[0]> = {},
  ) => {
    const now = env.container.clock.now();
    return env.container.repos.deliveries.claimDue({
      now,
      limit: 100,
      perHookLimit: 100,
      workerId: 'node-a',
      leaseUntil: now + 30_000,
      ...overrides,
    });
  };
  const record = (delivery: ClaimedDelivery, overrides: Partial<AttemptRecord> = {}): AttemptRecord => ({
    deliveryId: delivery.id,
    hookId: delivery.hookId,
    eventType: delivery.eventType,
    attempt: delivery.attempts + 1,
    isSuccess: true,
    startedAt: Date.now(),
    durationMs: 3,
    requestUrl: URL,
    requestHeaders: { 'user-agent': 'x' },
    responseStatus: 200,
    responseHeaders: { 'content-type': 'text/plain' },
    responseBody: 'ok',
    status: 'succeeded',
    nextAttemptAt: null,
    ...overrides,
  });

  describe('claimDue', () => {
    it('leases due deliveries oldest first with what the sender needs', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const hook = await insertHook(db, { url: URL, headers: { 'x-a': '1' } });
      const [eventId] = await appendEvents(env.container, 3);
      const claimed = await claim(env);
      expect(claimed).toHaveLength(3);
      const first = claimed.find((c) => c.eventId === eventId);
      expect(first).toMatchObject({
        hookId: hook.id,
        eventType: 'User.Created',
        attempts: 0,
        signingKey: hook.signingKey,
        previousSigningKeys: '[]',
      });
      expect(JSON.parse(first!.hookConfig)).toEqual({ url: URL, headers: { 'x-a': '1' } });
      expect(JSON.parse(first!.payload)).toMatchObject({ event: 'User.Created' });
      const rows = await listDeliveries(db);
      expect(rows.every((row) => row.status === 'sending' && row.lockedBy === 'node-a')).toBe(true);
      expect(await claim(env), 'leased rows are not claimed twice').toEqual([]);
    });

    it('skips deliveries not yet due, of disabled, deleted or excluded hooks, and caps each hook', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const busy = await insertHook(db, { url: URL });
      const disabled = await insertHook(db, { url: URL });
      const deleted = await insertHook(db, { url: URL });
      const excluded = await insertHook(db, { url: URL });
      await appendEvents(env.container, 5);
      await setHookEnabled(db, disabled.id, false);
      await db.deleteFrom('hooks').where('id', '=', deleted.id).execute();
      const now = env.container.clock.now();
      expect(await claim(env, { now: now - 60_000 }), 'nothing is due a minute ago').toEqual([]);

      const claimed = await claim(env, { perHookLimit: 2, excludeHookIds: [excluded.id] });
      expect(claimed.map((c) => c.hookId)).toEqual([busy.id, busy.id]);
      await setHookEnabled(db, disabled.id, true);
      const later = await claim(env, { perHookLimit: 10, excludeHookIds: [excluded.id, busy.id] });
      expect(later.every((c) => c.hookId === disabled.id)).toBe(true);
      expect(later).toHaveLength(5);
    });

    it('gives concurrent claims disjoint deliveries', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      for (let i = 0; i < 4; i++) await insertHook(db, { url: URL });
      await appendEvents(env.container, 25); // 100 deliveries
      const batches = await Promise.all(
        ['n1', 'n2', 'n3', 'n4', 'n5'].map((workerId) => claim(env, { workerId, limit: 30 })),
      );
      const ids = batches.flat().map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeLessThanOrEqual(100);
      const rest = await claim(env, { workerId: 'n6' });
      expect(ids.length + rest.length).toBe(100);
    });
  });

  describe('recordAttempts', () => {
    it('stores attempts and moves deliveries on in one batch', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const { repos, clock } = env.container;
      await insertHook(db, { url: URL });
      await appendEvents(env.container, 2);
      const [a, b] = (await claim(env)) as [ClaimedDelivery, ClaimedDelivery];
      const now = clock.now();
      const retryAt = now + 5_000;
      const result = await repos.deliveries.recordAttempts(
        [
          record(a),
          record(b, {
            isSuccess: false,
            responseStatus: 500,
            error: 'HTTP 500',
            status: 'pending',
            nextAttemptAt: retryAt,
          }),
        ],
        'node-a',
        now,
      );
      expect(result.lostLeases).toEqual([]);
      const rows = await listDeliveries(db);
      expect(rows.find((r) => r.id === a.id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        lockedBy: null,
        lastStatus: 200,
        completedAt: now,
      });
      expect(rows.find((r) => r.id === b.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: retryAt,
        lastError: 'HTTP 500',
        completedAt: null,
      });
      const attempts = await listAttempts(db);
      expect(attempts).toHaveLength(2);
      expect(attempts.find((x) => x.deliveryId === a.id)).toMatchObject({
        isSuccess: true,
        responseBody: 'ok',
        requestHeaders: { 'user-agent': 'x' },
        responseHeaders: { 'content-type': 'text/plain' },
      });
    });

    it("tracks each hook's run of failures: a failure opens it, later failures extend it, a success ends it", async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const { repos, clock } = env.container;
      const flaky = await insertHook(db, { url: URL });
      const recovering = await insertHook(db, { url: URL });
      await appendEvents(env.container, 3);
      const claimed = await claim(env);
      const of = (hookId: string) => claimed.filter((d) => d.hookId === hookId);
      const run = async (hookId: string) =>
        db
          .selectFrom('hooks')
          .select(['failingSince', 'lastFailureAt'])
          .where('id', '=', hookId)
          .executeTakeFirstOrThrow();
      const fail = (delivery: ClaimedDelivery, startedAt: number) =>
        record(delivery, {
          isSuccess: false,
          startedAt,
          durationMs: 10,
          status: 'failed',
          error: 'HTTP 500',
        });
      const [f1, f2, f3] = of(flaky.id) as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
      const [r1, r2, r3] = of(recovering.id) as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];

      await repos.deliveries.recordAttempts([fail(f1, 1_000), fail(r1, 1_000)], 'node-a', clock.now());
      expect(await run(flaky.id)).toEqual({ failingSince: 1_010, lastFailureAt: 1_010 });
      // A later batch extends the run but keeps its start; within a batch the last outcome decides.
      await repos.deliveries.recordAttempts(
        [fail(f2, 5_000), fail(r2, 5_000), record(r3, { startedAt: 6_000 })],
        'node-a',
        clock.now(),
      );
      expect(await run(flaky.id)).toEqual({ failingSince: 1_010, lastFailureAt: 5_010 });
      expect(await run(recovering.id)).toEqual({ failingSince: null, lastFailureAt: null });
      await repos.deliveries.recordAttempts([record(f3, { startedAt: 7_000 })], 'node-a', clock.now());
      expect(await run(flaky.id)).toEqual({ failingSince: null, lastFailureAt: null });
    });

    it('never overwrites a delivery whose lease another node holds now', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const { repos, clock } = env.container;
      await insertHook(db, { url: URL });
      await appendEvents(env.container, 1);
      const [stale] = (await claim(env, { workerId: 'slow-node', leaseUntil: clock.now() - 1 })) as [
        ClaimedDelivery,
      ];
      expect(await repos.deliveries.reapExpiredLeases(clock.now(), 8)).toEqual({
        requeued: 1,
        failed: 0,
        unparked: 0,
      });
      await claim(env, { workerId: 'node-b' });
      const result = await repos.deliveries.recordAttempts([record(stale)], 'slow-node', clock.now());
      expect(result.lostLeases).toEqual([stale.id]);
      expect((await listDeliveries(db))[0]).toMatchObject({
        status: 'sending',
        lockedBy: 'node-b',
        attempts: 2, // the slow node's attempt and node-b's, each counted at its lease
      });
      expect(await listAttempts(db), 'the request did go out, so it stays in the history').toHaveLength(1);
    });
  });

  describe('leases and housekeeping', () => {
    it('counts an attempt at the lease, so a delivery whose node keeps dying ends failed', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const { repos, clock } = env.container;
      await insertHook(db, { url: URL });
      await appendEvents(env.container, 1);
      const maxAttempts = 3;
      let now = clock.now();
      // Each round: leased, then its node dies (the lease expires unrecorded), then reaped.
      for (let round = 1; round <= maxAttempts; round++) {
        const [leased] = await claim(env, { now, workerId: `node-${round}`, leaseUntil: now + 10 });
        expect(leased?.attempts, 'attempts before this one').toBe(round - 1);
        now += 20;
        const reaped = await repos.deliveries.reapExpiredLeases(now, maxAttempts);
        expect(reaped).toEqual(
          round < maxAttempts
            ? { requeued: 1, failed: 0, unparked: 0 }
            : { requeued: 0, failed: 1, unparked: 0 },
        );
      }
      const [row] = await listDeliveries(db);
      expect(row).toMatchObject({ status: 'failed', attempts: 3, lockedBy: null, completedAt: now });
      expect(row?.lastError).toMatch(/^gave up after 3 attempts; the node sending the last one stopped/);
      expect(await claim(env, { now: now + 60_000 }), 'never claimed again').toEqual([]);
    });

    it('releases only our own leases and reaps only expired ones', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const { repos, clock } = env.container;
      await insertHook(db, { url: URL });
      await appendEvents(env.container, 2);
      const now = clock.now();
      const [mine] = (await claim(env, { limit: 1, workerId: 'me' })) as [ClaimedDelivery];
      const [theirs] = (await claim(env, { limit: 1, workerId: 'them', leaseUntil: now + 1_000 })) as [
        ClaimedDelivery,
      ];
      expect(await repos.deliveries.releaseLeases([mine.id, theirs.id], 'me', now)).toBe(1);
      expect(await repos.deliveries.reapExpiredLeases(now, 8)).toEqual({
        requeued: 0,
        failed: 0,
        unparked: 0,
      });
      expect(await repos.deliveries.reapExpiredLeases(now + 1_001, 8)).toEqual({
        requeued: 1,
        failed: 0,
        unparked: 0,
      });
      const rows = await listDeliveries(db);
      expect(rows.every((row) => row.status === 'pending' && row.lockedBy === null)).toBe(true);
      // A released lease sent nothing and takes its attempt back; a reaped one may have sent it.
      expect(rows.find((row) => row.id === mine.id)?.attempts).toBe(0);
      expect(rows.find((row) => row.id === theirs.id)?.attempts).toBe(1);
    });

    it('fails the open deliveries of deleted hooks', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const kept = await insertHook(db, { url: URL });
      const gone = await insertHook(db, { url: URL });
      await appendEvents(env.container, 2);
      await db.deleteFrom('hooks').where('id', '=', gone.id).execute();
      expect(
        await env.container.repos.deliveries.failDeliveriesOfMissingHooks(env.container.clock.now()),
      ).toBe(2);
      const rows = await listDeliveries(db);
      expect(rows.filter((r) => r.hookId === gone.id).map((r) => [r.status, r.lastError])).toEqual([
        ['failed', 'the hook was deleted'],
        ['failed', 'the hook was deleted'],
      ]);
      expect(rows.filter((r) => r.hookId === kept.id).every((r) => r.status === 'pending')).toBe(true);
    });

    it('prunes finished history past the retention and keeps open deliveries', async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const { repos, clock } = env.container;
      await insertHook(db, { url: URL });
      await appendEvents(env.container, 3);
      const [done, open] = (await claim(env, { limit: 2 })) as [ClaimedDelivery, ClaimedDelivery];
      const now = clock.now();
      await repos.deliveries.recordAttempts(
        [record(done), record(open, { status: 'pending', isSuccess: false, nextAttemptAt: now + 1 })],
        'node-a',
        now,
      );
      expect(await repos.deliveries.pruneHistory(now)).toEqual({ deliveries: 0, events: 0 });
      expect(await repos.deliveries.pruneHistory(now + 1)).toEqual({ deliveries: 1, events: 1 });
      const remaining = await listDeliveries(db);
      expect(remaining.map((r) => r.id)).not.toContain(done.id);
      expect(remaining).toHaveLength(2);
      expect((await listAttempts(db)).map((a) => a.deliveryId)).toEqual([open.id]);
      const events = await db.selectFrom('events').select('id').execute();
      expect(events).toHaveLength(2);
    });
  });
});
