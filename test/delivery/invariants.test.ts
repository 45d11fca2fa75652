/**
 * Invariants the hot path keeps across its boundaries (issue 13 items 9 and 12, issue 14 "Tests"):
 * a change and its event commit or roll back together; a node that lost a lease records nothing
 * over the node that holds it, on the failure path as on the success path; writers of several
 * deliveries take their locks in one order, and a transaction PostgreSQL picks as a deadlock's
 * victim is run again.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createRunInTransaction, type RunInTransaction } from '../../src/services/transaction.js';
import type { AttemptRecord, ClaimedDelivery } from '../../src/storage/repos/deliveries.js';
import {
  appendEvents,
  eventually,
  insertHook,
  listAttempts,
  listDeliveries,
  samplePayload,
} from '../helpers/builders.js';
import { describeEachDialect, describePostgres, type TestEnv } from '../helpers/test-db.js';
import { useDeliveryHarness } from './support.js';

const URL = 'http://127.0.0.1:9/never-called';

const transactions = (env: TestEnv): RunInTransaction => {
  const { database, repos, clock } = env.container;
  return createRunInTransaction({
    db: database.db,
    events: repos.events,
    clock,
    onDeliveriesQueued: () => undefined,
  });
};

const failedRecord = (delivery: ClaimedDelivery, status: 'pending' | 'failed'): AttemptRecord => ({
  deliveryId: delivery.id,
  hookId: delivery.hookId,
  eventType: delivery.eventType,
  attempt: delivery.attempts + 1,
  isSuccess: false,
  startedAt: Date.now(),
  durationMs: 3,
  requestUrl: URL,
  requestHeaders: {},
  responseStatus: 500,
  error: 'HTTP 500',
  status,
  nextAttemptAt: status === 'pending' ? Date.now() + 60_000 : null,
});

const count = async (env: TestEnv, table: 'events' | 'deliveries' | 'users') => {
  const row = await env.container.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

describeEachDialect('delivery invariants', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  it('a write that fails after emit leaves no change, no event and no delivery', async () => {
    const env = await harness.env();
    const { db } = env.container.database;
    await insertHook(db, { url: URL });
    const now = env.container.clock.now();
    const user = {
      id: 'inv-user-1',
      username: 'inv_1',
      identities: '{}',
      profile: '{}',
      customData: '{}',
      createdAt: now,
      updatedAt: now,
    };
    const failing = transactions(env)(async (tx, emit) => {
      await tx.insertInto('users').values(user).execute();
      await emit({ type: 'User.Created', payload: samplePayload(1) });
      // The same primary key again: the write after emit fails, so everything before must go too.
      await tx.insertInto('users').values(user).execute();
    });
    await expect(failing).rejects.toThrow();
    expect(await count(env, 'users')).toBe(0);
    expect(await count(env, 'events')).toBe(0);
    expect(await count(env, 'deliveries')).toBe(0);

    // And the same change without the failing write commits all three.
    await transactions(env)(async (tx, emit) => {
      await tx.insertInto('users').values(user).execute();
      await emit({ type: 'User.Created', payload: samplePayload(1) });
    });
    expect([await count(env, 'users'), await count(env, 'events'), await count(env, 'deliveries')]).toEqual([
      1, 1, 1,
    ]);
  });

  for (const status of ['pending', 'failed'] as const) {
    it(`refuses a failed attempt (${status}) from a node that lost the lease, as it refuses a success`, async () => {
      const env = await harness.env();
      const { db } = env.container.database;
      const { repos, clock } = env.container;
      await insertHook(db, { url: URL });
      await appendEvents(env.container, 1);
      const now = clock.now();
      const claimArgs = { now, limit: 10, perHookLimit: 10 };
      const [stale] = (await repos.deliveries.claimDue({
        ...claimArgs,
        workerId: 'slow-node',
        leaseUntil: now - 1,
      })) as [ClaimedDelivery];
      await repos.deliveries.reapExpiredLeases(now, 8);
      await repos.deliveries.claimDue({ ...claimArgs, workerId: 'node-b', leaseUntil: now + 30_000 });
      const before = (await listDeliveries(db))[0];

      const result = await repos.deliveries.recordAttempts([failedRecord(stale, status)], 'slow-node', now);
      expect(result.lostLeases).toEqual([stale.id]);
      expect((await listDeliveries(db))[0], 'node-b still holds it, untouched').toEqual(before);
      expect(before).toMatchObject({ status: 'sending', lockedBy: 'node-b' });
      expect(await listAttempts(db), 'the request did go out, so it stays in the history').toHaveLength(1);
    });
  }
});

describePostgres('delivery locks under concurrency', () => {
  const harness = useDeliveryHarness('postgres');

  /** Resolves with a backend (other than `except`) that waits for a lock one of `holders` holds. */
  const waiterOn = (env: TestEnv, holders: readonly number[], except: readonly number[] = []) =>
    eventually(
      async () => {
        const { rows } = await sql<{ pid: number }>`
          select pid from pg_stat_activity
          where pg_blocking_pids(pid) && ${sql.val(holders)}::int[]`.execute(env.container.database.db);
        return rows.map((row) => row.pid).find((pid) => !except.includes(pid));
      },
      { what: 'a backend waiting for the lock' },
    );

  it('records a batch while its hook is deleted, without a deadlock (locks taken by delivery id)', async () => {
    const env = await harness.env();
    const { db } = env.container.database;
    const { repos, clock } = env.container;
    const hook = await insertHook(db, { url: URL });
    await appendEvents(env.container, 3);
    const now = clock.now();
    const claimed = await repos.deliveries.claimDue({
      now,
      limit: 10,
      perHookLimit: 10,
      workerId: 'node-a',
      leaseUntil: now + 30_000,
    });
    const [first, middle, last] = claimed.toSorted((a, b) => (a.id < b.id ? -1 : 1)) as [
      ClaimedDelivery,
      ClaimedDelivery,
      ClaimedDelivery,
    ];

    // A third transaction holds the middle row, so both writers start and then queue behind it.
    const holder = await env.container.database.db.connection().execute(async (connection) => {
      await sql`begin`.execute(connection);
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection);
      await sql`select id from deliveries where id = ${middle.id} for update`.execute(connection);
      // Results in descending id order: the order a batch happens to complete in.
      const recording = repos.deliveries.recordAttempts(
        [last, middle, first].map((delivery) => failedRecord(delivery, 'pending')),
        'node-a',
        now,
      );
      const holderPid = rows[0]!.pid;
      const recorder = await waiterOn(env, [holderPid]);
      const deleting = db
        .transaction()
        .execute((tx) => repos.hooks.failUnfinishedDeliveries(hook.id, now, tx));
      try {
        await waiterOn(env, [holderPid, recorder], [recorder]);
      } finally {
        await sql`commit`.execute(connection);
      }
      return Promise.allSettled([recording, deleting]);
    });
    const errors = holder
      .filter((outcome) => outcome.status === 'rejected')
      .map((outcome) => String(outcome.reason));
    expect(errors, 'no deadlock between recording and deleting').toEqual([]);
    const rows = await listDeliveries(db);
    expect(rows.every((row) => row.status === 'failed' || row.status === 'pending')).toBe(true);
  });

  it('runs a transaction chosen as a deadlock victim again, with its event appended once', async () => {
    const env = await harness.env();
    const { db } = env.container.database;
    await insertHook(db, { url: URL });
    const now = env.container.clock.now();
    await db
      .insertInto('settings')
      .values([
        { key: 'inv-a', value: '0', createdAt: now },
        { key: 'inv-b', value: '0', createdAt: now },
      ])
      .execute();
    const run = transactions(env);
    let tries = 0;
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothHoldOne = new Promise<void>((resolve) => (release = resolve));
    // Two transactions take the same two rows in opposite orders: a deadlock on the first try.
    const crossing = (first: string, second: string, n: number) =>
      run(async (tx, emit) => {
        tries++;
        await tx
          .updateTable('settings')
          .set({ value: String(n) })
          .where('key', '=', first)
          .execute();
        if (++arrived === 2) release();
        await bothHoldOne;
        await tx
          .updateTable('settings')
          .set({ value: String(n) })
          .where('key', '=', second)
          .execute();
        await emit({ type: 'User.Created', payload: samplePayload(n) });
      });
    const outcomes = await Promise.allSettled([crossing('inv-a', 'inv-b', 1), crossing('inv-b', 'inv-a', 2)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(tries, 'the victim ran twice').toBe(3);
    expect(await count(env, 'events')).toBe(2);
    expect(await count(env, 'deliveries')).toBe(2);
  });
});
