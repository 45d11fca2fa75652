/**
 * What operators and metrics see and do on the queue: counts, resends, recovery of failed
 * deliveries, and the end of deliveries whose hook is gone.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database, Db, Executor } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import { dueCandidates } from './deliveries-claims.js';
import { createOrderingPlaces, PARKED_AT } from './deliveries-ordering.js';
import { DELIVERY_CHANNEL } from './deliveries-types.js';

export function createDeliveryQueue(db: Db, capabilities: Capabilities) {
  const candidatesOf = dueCandidates(capabilities);
  const places = createOrderingPlaces(capabilities);

  /** Wakes every node's engine once the transaction commits (PostgreSQL delivers NOTIFY at commit). */
  const notifyQueued = async (tx: Executor) => {
    if (capabilities.listenNotify) await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(tx);
  };

  /**
   * The columns a replay sets: due now, a fresh retry schedule (`retryBase` = attempts so far),
   * not finished. `lastStatus` and `lastError` stay until the next attempt replaces them.
   */
  const reopen = (now: number) => (eb: ExpressionBuilder<Database, 'deliveries'>) => ({
    status: 'pending',
    nextAttemptAt: now,
    retryBase: eb.ref('attempts'),
    completedAt: null,
    updatedAt: now,
  });

  /**
   * Reopens finished keyed deliveries of one hook, each at the back of its key's queue, in the
   * order given (docs/architecture.md#per-key-ordering: a replay is ordered by when it was asked
   * for, so it can never be the head of a key another node is sending). Keys are locked in sorted
   * order, so two recoveries cannot deadlock on each other.
   */
  const reopenKeyed = async (
    tx: Executor,
    hookId: string,
    rows: ReadonlyArray<{ id: string; orderingKey: string }>,
    now: number,
  ): Promise<number> => {
    for (const key of [...new Set(rows.map((row) => row.orderingKey))].sort()) await places.lockKey(tx, key);
    let reopened = 0;
    for (const row of rows) {
      const { seq, isParked } = await places.nextPlace(tx, hookId, row.orderingKey);
      const result = await tx
        .updateTable('deliveries')
        .set((eb) => ({
          ...reopen(now)(eb),
          orderingSeq: seq,
          ...(isParked ? { nextAttemptAt: PARKED_AT } : {}),
        }))
        .where('id', '=', row.id)
        .where('status', 'in', ['succeeded', 'failed'])
        .executeTakeFirst();
      reopened += Number(result.numUpdatedRows);
    }
    return reopened;
  };

  return {
    /** Open deliveries by status, and the oldest due one of an enabled hook (metrics). */
    async queueStats(now: number): Promise<{ pending: number; sending: number; oldestDueAt: number | null }> {
      const counts = await db
        .selectFrom('deliveries')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
        .where('status', 'in', ['pending', 'sending'])
        .groupBy('status')
        .execute();
      const oldest = await candidatesOf(db, now, [], 1, { lock: false })
        .clearSelect()
        .select('nextAttemptAt')
        .executeTakeFirst();
      const countOf = (status: string) => Number(counts.find((row) => row.status === status)?.count ?? 0);
      return {
        pending: countOf('pending'),
        sending: countOf('sending'),
        oldestDueAt: oldest?.nextAttemptAt ?? null,
      };
    },

    /**
     * Makes one delivery of `hookId` due now with a fresh retry schedule, unless a node is sending
     * it right now. Returns its status before the call, or undefined when there is no such delivery.
     */
    async resend(
      hookId: string,
      deliveryId: string,
      now: number,
      tx: Executor = db,
    ): Promise<{ previousStatus: string; isReopened: boolean } | undefined> {
      const current = await tx
        .selectFrom('deliveries')
        .select(['status', 'orderingKey'])
        .where('id', '=', deliveryId)
        .where('hookId', '=', hookId)
        .executeTakeFirst();
      if (!current) return undefined;
      const { status, orderingKey } = current;
      if (orderingKey !== null && (status === 'succeeded' || status === 'failed')) {
        const isReopened = (await reopenKeyed(tx, hookId, [{ id: deliveryId, orderingKey }], now)) === 1;
        if (isReopened) await notifyQueued(tx);
        return { previousStatus: status, isReopened };
      }
      // An open keyed delivery keeps its place: moving it back would let later ones overtake it.
      const result = await tx
        .updateTable('deliveries')
        .set(reopen(now))
        .where('id', '=', deliveryId)
        .where('hookId', '=', hookId)
        .where('status', '!=', 'sending')
        .executeTakeFirst();
      const isReopened = Number(result.numUpdatedRows) === 1;
      if (isReopened) await notifyQueued(tx);
      return { previousStatus: current.status, isReopened };
    },

    /**
     * Reopens every failed delivery of `hookId` created in [from, to]; returns how many. A failed
     * blocking call (an attempt with a decision, docs/blocking-hooks.md) is history, not a delivery
     * to finish: its step is long decided, and its skipped notice is a delivery of its own.
     */
    async recoverFailed(hookId: string, from: number, to: number, now: number, tx: Executor = db) {
      const result = await tx
        .updateTable('deliveries')
        .set(reopen(now))
        .where('hookId', '=', hookId)
        .where('status', '=', 'failed')
        .where('createdAt', '>=', from)
        .where('createdAt', '<=', to)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('deliveryAttempts')
                .select('deliveryAttempts.id')
                .whereRef('deliveryAttempts.deliveryId', '=', 'deliveries.id')
                .where('deliveryAttempts.decision', 'is not', null),
            ),
          ),
        )
        .where('orderingKey', 'is', null)
        .executeTakeFirst();
      // Keyed ones in the order they were first queued: creation time, then their old place.
      const keyed = await tx
        .selectFrom('deliveries')
        .select(['id', 'orderingKey'])
        .where('hookId', '=', hookId)
        .where('status', '=', 'failed')
        .where('createdAt', '>=', from)
        .where('createdAt', '<=', to)
        .where('orderingKey', 'is not', null)
        .orderBy('createdAt')
        .orderBy('orderingSeq')
        .orderBy('id')
        .execute();
      const recovered =
        Number(result.numUpdatedRows) +
        (await reopenKeyed(
          tx,
          hookId,
          keyed.map((row) => ({ id: row.id, orderingKey: row.orderingKey ?? '' })),
          now,
        ));
      if (recovered > 0) await notifyQueued(tx);
      return recovered;
    },

    /** Ends open deliveries of deleted hooks (deliveries keep no foreign key, to keep history). */
    async failDeliveriesOfMissingHooks(now: number): Promise<number> {
      const result = await db
        .updateTable('deliveries')
        .set({ status: 'failed', lastError: 'the hook was deleted', completedAt: now, updatedAt: now })
        .where('status', '=', 'pending')
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('hooks').select(sql.lit(1).as('one')).whereRef('hooks.id', '=', 'deliveries.hookId'),
            ),
          ),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
