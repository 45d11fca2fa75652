/**
 * Per-key ordering in SQL (docs/architecture.md#per-key-ordering): the lock that makes a key's
 * places follow commit order, the next place of a key, and the claim's "not before its turn" test.
 *
 * The rule the claim keeps: a keyed delivery may be leased only while no other open (`pending` or
 * `sending`) delivery of its hook and key has an earlier place, and none is being sent. Places are
 * handed out under the key's lock, always after every open place of the key, so a delivery never
 * gains an earlier open sibling after it was seen without one: a claim that read an older snapshot
 * can only see more blockers than there are, never fewer.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import type { HookOrdering } from '../../domain/hooks.js';

const PER_KEY: HookOrdering = 'perKey';

/**
 * True when a hook's stored config JSON has `ordering: "perKey"` (validated on write by
 * src/domain/hooks.ts). The text test spares the parse for the usual, unordered hook; malformed
 * JSON counts as unordered, so the append path never fails on a stored value.
 */
export const isPerKeyConfig = (configJson: string): boolean => {
  if (!configJson.includes(PER_KEY)) return false;
  try {
    return (JSON.parse(configJson) as { ordering?: unknown }).ordering === PER_KEY;
  } catch {
    return false;
  }
};

/**
 * The first half of the two-integer advisory lock key on PostgreSQL: a space of our own, apart
 * from the single-bigint locks Kysely's migrator takes.
 */
const ORDERING_LOCK_CLASS = 1_700_017;

/**
 * Open keyed deliveries, with the partial index's terms spelt exactly as migration 0019 writes
 * them (SQLite matches a partial index by the text of its terms).
 */
const openKeyed = (table: string) =>
  sql.raw(`${table}.ordering_key is not null and ${table}.status in ('pending', 'sending')`);

/**
 * The claim's condition on a `deliveries` row: true when it is unordered, or when it is its key's
 * turn: no open delivery of its key has an earlier place. A delivery being sent always holds the
 * earliest open place of its key (it was leased only in its turn, and replays take the back), so
 * this also rules out a second one in flight, and the probe is one index range read.
 */
export const isTurnOfKey: RawBuilder<boolean> = sql<boolean>`(deliveries.ordering_key is null or not exists (
  select 1 from deliveries as sibling
  where sibling.hook_id = deliveries.hook_id and sibling.ordering_key = deliveries.ordering_key
    and sibling.ordering_seq < deliveries.ordering_seq and ${openKeyed('sibling')}))`;

/**
 * For a waiting keyed delivery, the open delivery of its key that goes before it: the one being
 * sent or retried (the key's head) when there is one, else the earliest. Null when it is not waiting.
 */
export const waitingOnOf: RawBuilder<string | null> = sql<string | null>`(case
  when deliveries.ordering_key is not null and deliveries.status = 'pending' then (
    select sibling.id from deliveries as sibling
    where sibling.hook_id = deliveries.hook_id and sibling.ordering_key = deliveries.ordering_key
      and ${openKeyed('sibling')} and sibling.id <> deliveries.id
      and (sibling.ordering_seq < deliveries.ordering_seq or sibling.status = 'sending')
    order by case when sibling.status = 'sending' then 0 else 1 end, sibling.ordering_seq
    limit 1)
  end)`;

/**
 * The `next_attempt_at` of a delivery parked behind an earlier open one of its key: out of the
 * due range, so claims never scan the deliveries waiting behind a key's head (a key with a long
 * backlog, or a head being retried for hours, would otherwise cost every claim one probe per
 * waiting row). The next one is made due when its predecessor ends ({@link createOrderingPlaces}'s
 * `unparkNext`), and by the maintenance sweep `unparkDue` should that ever be missed.
 */
export const PARKED_AT = Number.MAX_SAFE_INTEGER;

/** A new keyed delivery's place (see `nextPlace`). */
export interface Place {
  readonly seq: number;
  readonly isFirst: boolean;
  readonly isParked: boolean;
}

export function createOrderingPlaces(capabilities: Capabilities) {
  return {
    /**
     * Serialises, until the transaction ends, every writer that gives places to this key (for any
     * hook: one lock per event however many perKey hooks it goes to, taken in no hook order).
     * On PostgreSQL a transaction-scoped advisory lock: the place is taken after the previous
     * holder committed (READ COMMITTED shows it to the next statement), so places follow commit
     * order. SQLite has one writer: its write lock already serialises.
     */
    async lockKey(tx: Executor, key: string): Promise<void> {
      if (!capabilities.advisoryLocks) return;
      await sql`select pg_advisory_xact_lock(${ORDERING_LOCK_CLASS}, hashtext(${key}))`.execute(tx);
    },

    /**
     * The next place of the key (after every open one), and what the new delivery may do there:
     * `isFirst`, no open delivery of the key, so it is due and may be leased at insert; `isParked`,
     * it waits out of the due range behind the last open one. Call it under {@link lockKey}.
     *
     * A parked delivery is made due by the write that ends its predecessor, so that write must see
     * it. On PostgreSQL the predecessor is share-locked until this transaction ends: the ending
     * write waits for the commit and then sees the parked row. The lock is taken with SKIP LOCKED,
     * so an append never waits for (or deadlocks with) a batch of results; when the predecessor is
     * locked by such a write right now, the new delivery is not parked but due (still blocked by
     * the claim's turn check until the predecessor ends), and not leased.
     */
    async nextPlace(tx: Executor, hookId: string, key: string): Promise<Place> {
      const lastOpen = (lock: RawBuilder<unknown>) => sql<{ last: number | string }>`
        select ordering_seq as last from deliveries
        where hook_id = ${hookId} and ordering_key = ${key} and ${openKeyed('deliveries')}
        order by ordering_seq desc limit 1 ${lock}`;
      const locked = capabilities.skipLocked
        ? (await lastOpen(sql`for share skip locked`).execute(tx)).rows[0]?.last
        : undefined;
      const last = (await lastOpen(sql``).execute(tx)).rows[0]?.last;
      if (last === undefined) return { seq: 1, isFirst: true, isParked: false };
      const isParked = !capabilities.skipLocked || (locked !== undefined && Number(locked) === Number(last));
      return { seq: Number(last) + 1, isFirst: false, isParked };
    },

    /**
     * Makes due the next delivery of each key whose head (`endedIds`, keyed deliveries just ended)
     * ended, in the transaction that ended it. A no-op for a key whose next delivery is not parked.
     */
    async unparkNext(tx: Executor, endedIds: readonly string[], now: number): Promise<void> {
      // One statement per batch; chunked under SQLite's bound-parameter limit.
      for (let start = 0; start < endedIds.length; start += 500) {
        const ids = endedIds.slice(start, start + 500);
        await sql`
          update deliveries set next_attempt_at = ${now}
          where next_attempt_at = ${PARKED_AT} and status = 'pending' and id in (
            select (
              select successor.id from deliveries as successor
              where successor.hook_id = ended.hook_id and successor.ordering_key = ended.ordering_key
                and ${openKeyed('successor')}
              order by successor.ordering_seq limit 1)
            from deliveries as ended where ended.id in (${sql.join(ids)}))`.execute(tx);
      }
    },

    /**
     * The safety net, run with the lease reaper: makes due every parked delivery whose turn it is
     * (its head was ended by the reaper, or by anything but a recorded result). Returns how many.
     */
    async unparkDue(tx: Executor, now: number): Promise<number> {
      const result = await sql`
        update deliveries set next_attempt_at = ${now}
        where status = 'pending' and next_attempt_at = ${PARKED_AT} and ${isTurnOfKey}`.execute(tx);
      return Number(result.numAffectedRows ?? 0);
    },
  };
}

export type OrderingPlaces = ReturnType<typeof createOrderingPlaces>;
