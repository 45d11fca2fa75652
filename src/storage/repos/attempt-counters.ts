import { sql } from 'kysely';
import type { Executor } from '../db.js';

/** A counter's identity: what is limited (`scope`) and for whom (`key`). */
export interface CounterKey {
  readonly scope: string;
  readonly key: string;
}

export interface CounterLimit {
  /** Attempts allowed per window. */
  readonly max: number;
  /** Length of the window, which starts at the first attempt after a reset. */
  readonly windowMs: number;
}

/** A reserved attempt (its number in the window), or a refusal and when to try again. */
export type Reservation =
  | { readonly ok: true; readonly attempt: number }
  | { readonly ok: false; readonly retryAt: number; readonly lockedUntil: number | undefined };

/** Reservations retried when a parallel reset deleted the counter in between. */
const MAX_RESERVE_TRIES = 5;

const num = (value: unknown) => (value == null ? undefined : Number(value));

/**
 * Attempt counters with reserve-before-evaluate semantics. `reserve` is one conditional UPDATE:
 * it increments the counter only while the key is not locked and the window still has room, so
 * under any concurrency and on any number of nodes at most `max` attempts per window get through.
 * PostgreSQL re-checks the WHERE clause on the row version it locks; SQLite has one writer.
 */
export function createAttemptCountersRepo(db: Executor) {
  async function find(counter: CounterKey, tx: Executor = db) {
    const row = await tx
      .selectFrom('attemptCounters')
      .select(['attempts', 'windowStartedAt', 'lockedUntil'])
      .where('tenantId', '=', 'default')
      .where('scope', '=', counter.scope)
      .where('key', '=', counter.key)
      .executeTakeFirst();
    return (
      row && {
        attempts: Number(row.attempts),
        windowStartedAt: Number(row.windowStartedAt),
        lockedUntil: num(row.lockedUntil),
      }
    );
  }

  /** Why `counter` is refused at `now`, or undefined when it has room. */
  function refusal(
    row: { attempts: number; windowStartedAt: number; lockedUntil: number | undefined } | undefined,
    limit: CounterLimit,
    now: number,
  ): Reservation | undefined {
    if (!row) return undefined;
    if (row.lockedUntil !== undefined && row.lockedUntil > now)
      return { ok: false, retryAt: row.lockedUntil, lockedUntil: row.lockedUntil };
    const windowEnd = row.windowStartedAt + limit.windowMs;
    const isFresh = windowEnd <= now || (row.lockedUntil !== undefined && row.lockedUntil <= now);
    if (!isFresh && row.attempts >= limit.max)
      return { ok: false, retryAt: windowEnd, lockedUntil: undefined };
    return undefined;
  }

  return {
    find,

    /** Read-only: the refusal `reserve` would give now, without taking an attempt. */
    async check(counter: CounterKey, limit: CounterLimit, now: number): Promise<Reservation | undefined> {
      return refusal(await find(counter), limit, now);
    },

    /**
     * Takes one attempt. A window that has run out, or a lock that has ended, starts a new window
     * with this attempt as its first.
     */
    async reserve(
      counter: CounterKey,
      limit: CounterLimit,
      now: number,
      tx: Executor = db,
    ): Promise<Reservation> {
      // A parallel success may delete the row (reset) between the insert and the update; the
      // update then matches nothing, which is no refusal: take the attempt on a new row.
      for (let tries = 0; tries < MAX_RESERVE_TRIES; tries++) {
        await tx
          .insertInto('attemptCounters')
          .values({
            scope: counter.scope,
            key: counter.key,
            attempts: 0,
            windowStartedAt: now,
            lockedUntil: null,
          })
          .onConflict((oc) => oc.columns(['tenantId', 'scope', 'key']).doNothing())
          .execute();
        const windowFloor = now - limit.windowMs;
        const fresh = sql<boolean>`(window_started_at <= ${windowFloor} or (locked_until is not null and locked_until <= ${now}))`;
        const result = await sql<{ attempts: number | string }>`
          update attempt_counters set
            attempts = case when ${fresh} then 1 else attempts + 1 end,
            window_started_at = case when ${fresh} then ${now} else window_started_at end,
            locked_until = case when ${fresh} then null else locked_until end
          where tenant_id = 'default' and scope = ${counter.scope} and key = ${counter.key}
            and (locked_until is null or locked_until <= ${now})
            and (${fresh} or attempts < ${limit.max})
          returning attempts`.execute(tx);
        const row = result.rows[0];
        if (row) return { ok: true, attempt: Number(row.attempts) };
        const current = await find(counter, tx);
        if (!current) continue;
        return (
          refusal(current, limit, now) ?? {
            ok: false,
            retryAt: now + limit.windowMs,
            lockedUntil: undefined,
          }
        );
      }
      // Reset on every try: successes are pouring in for this key, so it is not under attack.
      return { ok: false, retryAt: now + 1000, lockedUntil: undefined };
    },

    /** Gives one reserved attempt back (it turned out not to be a failure). */
    async release(counter: CounterKey, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('attemptCounters')
        .set((eb) => ({ attempts: eb('attempts', '-', 1) }))
        .where('tenantId', '=', 'default')
        .where('scope', '=', counter.scope)
        .where('key', '=', counter.key)
        .where('attempts', '>', 0)
        .execute();
    },

    /** Locks the key until `until`: every reservation is refused until then. */
    async lock(counter: CounterKey, until: number, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('attemptCounters')
        .set({ lockedUntil: until })
        .where('tenantId', '=', 'default')
        .where('scope', '=', counter.scope)
        .where('key', '=', counter.key)
        .execute();
    },

    /** Forgets the key's attempts and lock (a success, a completed password reset). */
    async reset(counter: CounterKey, tx: Executor = db): Promise<void> {
      await tx
        .deleteFrom('attemptCounters')
        .where('tenantId', '=', 'default')
        .where('scope', '=', counter.scope)
        .where('key', '=', counter.key)
        .execute();
    },

    /** Removes counters whose window and lock both ended before `before`. */
    async deleteStaleCounters(before: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('attemptCounters')
        .where('tenantId', '=', 'default')
        .where('windowStartedAt', '<', before)
        .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<', before)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type AttemptCountersRepo = ReturnType<typeof createAttemptCountersRepo>;
