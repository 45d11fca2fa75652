/**
 * The lease side of the delivery queue: claiming due deliveries, handing unsent ones back, and
 * re-queueing those whose node died. An attempt counts when its delivery is leased (claimed, or
 * leased at insert): a delivery whose sending kills its node has used an attempt all the same, so
 * it cannot loop forever; the reaper ends it `failed` once the retry schedule is used up.
 */
import { CompiledQuery, sql, type QueryCreator } from 'kysely';
import type { Database, Db } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import { claimStatement } from './deliveries-claim-sql.js';
import { createOrderingPlaces, isTurnOfKey } from './deliveries-ordering.js';
import type { ClaimedDelivery, ClaimOptions } from './deliveries-types.js';

/**
 * A claim ranks at most `limit × CANDIDATE_FACTOR` due rows: the per-hook ranking (a window
 * function) then costs the head of the queue, not the whole backlog. Because the scan covers at
 * least `limit` rows, a claim that returns fewer than `limit` with no hook at `perHookLimit` has
 * seen every due delivery of the hooks it did not exclude; the engine relies on that.
 */
const CANDIDATE_FACTOR = 2;
const MAX_CANDIDATES = 2_000;

/** The error a delivery ends with when its last allowed attempt died with its node (after "N attempts"). */
export const ABANDONED_ERROR_TAIL =
  ' attempts; the node sending the last one stopped before a result was recorded (did sending it crash the node?)';

/** The lease reaper's note on a delivery it re-queues. */
export const LEASE_EXPIRED_ERROR = 'the node sending this delivery stopped before a result was recorded';

/**
 * The head of the queue: due pending deliveries of existing, enabled hooks, oldest first, and of
 * a perKey hook's keyed deliveries only the one whose turn it is (deliveries-ordering.ts). On
 * PostgreSQL they are locked with SKIP LOCKED, so concurrent claims from several nodes scan past
 * each other's rows instead of waiting for them or taking them twice. The claim itself runs this
 * scan written out in SQL (deliveries-claim-sql.ts): a change here belongs there too.
 */
export const dueCandidates =
  (capabilities: Capabilities) =>
  (
    qb: QueryCreator<Database>,
    now: number,
    excludeHookIds: readonly string[],
    limit: number,
    { lock = true } = {},
  ) =>
    qb
      .selectFrom('deliveries')
      .select(['id', 'hookId', 'nextAttemptAt'])
      .where('status', '=', 'pending')
      .where('nextAttemptAt', '<=', now)
      .$if(excludeHookIds.length > 0, (q) => q.where('hookId', 'not in', excludeHookIds))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('hooks')
            .select(sql.lit(1).as('one'))
            .whereRef('hooks.id', '=', 'deliveries.hookId')
            .where('hooks.enabled', '=', 1),
        ),
      )
      .where(isTurnOfKey)
      .orderBy('nextAttemptAt')
      .orderBy('id')
      .limit(limit)
      .$if(lock && capabilities.skipLocked, (q) => q.forUpdate().skipLocked());

export function createDeliveryClaims(db: Db, capabilities: Capabilities) {
  const places = createOrderingPlaces(capabilities);

  const claim = claimStatement(capabilities, isTurnOfKey.compile(db).sql);
  // The statement aliases its columns in camelCase: the plugin would only copy every row.
  const raw = db.withoutPlugins();

  /**
   * Leases due deliveries in one statement (atomic on SQLite, whose writer is single; disjoint
   * between nodes on PostgreSQL thanks to SKIP LOCKED), oldest due first, at most `perHookLimit`
   * per hook, counts the attempt, and returns them with the hook's config and keys and the
   * event's payload. The statement is in deliveries-claim-sql.ts.
   */
  async function claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    if (options.limit <= 0) return [];
    const values = {
      ...options,
      excludeHookIds: options.excludeHookIds ?? [],
      candidates: Math.min(options.limit * CANDIDATE_FACTOR, MAX_CANDIDATES),
    };
    const result = await raw.executeQuery<ClaimedDelivery>(
      CompiledQuery.raw(claim.sql, claim.parameters(values)),
    );
    return result.rows;
  }

  return {
    claimDue,

    /**
     * Hands leased, unsent deliveries back to the queue (shutdown, or a lease too short to use).
     * Nothing went out, so the attempt counted at the lease is taken back.
     */
    async releaseLeases(ids: readonly string[], workerId: string, now: number): Promise<number> {
      if (ids.length === 0) return 0;
      const result = await db
        .updateTable('deliveries')
        .set((eb) => ({
          status: 'pending',
          attempts: eb('attempts', '-', 1),
          lockedBy: null,
          lockedUntil: null,
          updatedAt: now,
        }))
        .where('id', 'in', ids)
        .where('status', '=', 'sending')
        .where('lockedBy', '=', workerId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /**
     * Returns deliveries whose lease ran out before `expiredBefore` (their node died or hung) to
     * the queue, due at once.
     * The attempt stays counted: it may have gone out, and its sending may be what killed the
     * node. A delivery that has used every attempt the schedule allows (`maxAttempts` since its
     * last resend) ends `failed` instead, so a delivery that crashes its node cannot loop.
     *
     * Rows are taken in id order with SKIP LOCKED on PostgreSQL: a lease whose result is being
     * recorded right now is left to that write, and two writers never wait on each other's rows
     * in opposite orders (deadlock, issue 13 item 12).
     */
    async reapExpiredLeases(
      now: number,
      maxAttempts: number,
      { expiredBefore = now }: { expiredBefore?: number } = {},
    ): Promise<{ requeued: number; failed: number; unparked: number }> {
      const expired = (qb: QueryCreator<Database>) =>
        qb
          .selectFrom('deliveries')
          .select('id')
          .where('status', '=', 'sending')
          .where('lockedUntil', '<', expiredBefore)
          .orderBy('id')
          .$if(capabilities.skipLocked, (q) => q.forUpdate().skipLocked());
      return db.transaction().execute(async (tx) => {
        const ended = await tx
          .updateTable('deliveries')
          .set((eb) => ({
            status: 'failed',
            lastError: sql<string>`${'gave up after '} || cast(${eb.ref('attempts')} as text) || ${ABANDONED_ERROR_TAIL}`,
            lockedBy: null,
            lockedUntil: null,
            completedAt: now,
            updatedAt: now,
          }))
          .where(
            'id',
            'in',
            expired(tx).where(
              sql<boolean>`${sql.ref('attempts')} - ${sql.ref('retryBase')} >= ${maxAttempts}`,
            ),
          )
          .executeTakeFirst();
        const requeued = await tx
          .updateTable('deliveries')
          .set({
            status: 'pending',
            nextAttemptAt: now,
            lastError: LEASE_EXPIRED_ERROR,
            lockedBy: null,
            lockedUntil: null,
            updatedAt: now,
          })
          .where('id', 'in', expired(tx))
          .executeTakeFirst();
        // A delivery ended here may have headed a perKey hook's key; so may one ended by anything
        // but a recorded result. Whatever waits behind such a head becomes due now.
        const unparked = await places.unparkDue(tx, now);
        return { requeued: Number(requeued.numUpdatedRows), failed: Number(ended.numUpdatedRows), unparked };
      });
    },
  };
}
