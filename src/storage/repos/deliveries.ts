import { sql, type ExpressionBuilder, type QueryCreator } from 'kysely';
import type { Database, Db, Executor } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import { newRecordId } from '../../shared/ids.js';
import { DELIVERY_CHANNEL } from './events.js';
import { createDeliveryRetention } from './delivery-retention.js';

/** A delivery this node has leased, with everything needed to sign and send it. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly hookId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** Attempts made before this one. */
  readonly attempts: number;
  /** Attempts made before the last resend or recovery: the retry schedule counts from there. */
  readonly retryBase: number;
  readonly lockedUntil: number;
  /** The hook's `config` JSON (`{ url, headers?, retries? }`). */
  readonly hookConfig: string;
  readonly signingKey: string;
  /** `[{ key, expiresAt }]` JSON of keys still inside their rotation grace period. */
  readonly previousSigningKeys: string;
  /** The event payload JSON, without `hookId`. */
  readonly payload: string;
}

export interface ClaimOptions {
  readonly now: number;
  /** Most deliveries to lease in this call. */
  readonly limit: number;
  /** Most deliveries of any one hook in this call, so one hook's backlog cannot fill the batch. */
  readonly perHookLimit: number;
  readonly workerId: string;
  readonly leaseUntil: number;
  /** Hooks this node is already saturating; their deliveries stay for later (or for other nodes). */
  readonly excludeHookIds?: readonly string[];
}

/** The outcome of one attempt, as the engine records it. */
export interface AttemptRecord {
  readonly deliveryId: string;
  readonly hookId: string;
  readonly eventType: string;
  /** This attempt's number, 1 for the first. */
  readonly attempt: number;
  readonly isSuccess: boolean;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly requestUrl: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly responseStatus?: number;
  readonly responseHeaders?: Readonly<Record<string, string>>;
  readonly responseBody?: string;
  readonly error?: string;
  /** The delivery's state after this attempt. */
  readonly status: 'succeeded' | 'pending' | 'failed';
  /** When the next attempt is due; only with status `pending`. */
  readonly nextAttemptAt: number | null;
}

/**
 * A claim ranks at most `limit × CANDIDATE_FACTOR` due rows: the per-hook ranking (a window
 * function) then costs the head of the queue, not the whole backlog. Because the scan covers at
 * least `limit` rows, a claim that returns fewer than `limit` with no hook at `perHookLimit` has
 * seen every due delivery of the hooks it did not exclude; the engine relies on that.
 */
const CANDIDATE_FACTOR = 2;

/** Per hook, the open run of failures a batch ends with (`since`..`last`), or undefined after a success. */
export function failureRuns(
  records: readonly AttemptRecord[],
): Map<string, { since: number; last: number } | undefined> {
  const runs = new Map<string, { since: number; last: number } | undefined>();
  for (const record of records) {
    if (record.isSuccess) {
      runs.set(record.hookId, undefined);
      continue;
    }
    const at = record.startedAt + record.durationMs;
    const run = runs.get(record.hookId);
    runs.set(
      record.hookId,
      run ? { since: Math.min(run.since, at), last: Math.max(run.last, at) } : { since: at, last: at },
    );
  }
  return runs;
}
const MAX_CANDIDATES = 2_000;
/** Ids per bulk UPDATE, well under either dialect's bound-parameter limit. */
const UPDATE_CHUNK = 500;

export function createDeliveriesRepo(db: Db, capabilities: Capabilities) {
  /**
   * The head of the queue: due pending deliveries of existing, enabled hooks, oldest first. On
   * PostgreSQL they are locked with SKIP LOCKED, so concurrent claims from several nodes scan past
   * each other's rows instead of waiting for them or taking them twice.
   */
  const dueCandidates = (
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
      .orderBy('nextAttemptAt')
      .orderBy('id')
      .limit(limit)
      .$if(lock && capabilities.skipLocked, (q) => q.forUpdate().skipLocked());

  /**
   * Leases due deliveries in one statement (atomic on SQLite, whose writer is single; disjoint
   * between nodes on PostgreSQL thanks to SKIP LOCKED), oldest due first, at most `perHookLimit`
   * per hook, and returns them with the hook's config and keys and the event's payload.
   */
  async function claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    const { now, limit, perHookLimit, workerId, leaseUntil, excludeHookIds = [] } = options;
    if (limit <= 0) return [];
    const candidates = Math.min(limit * CANDIDATE_FACTOR, MAX_CANDIDATES);
    const rows = await db
      .with('candidates', (qb) => dueCandidates(qb, now, excludeHookIds, candidates))
      .with('ranked', (qb) =>
        qb
          .selectFrom('candidates')
          .select([
            'id',
            'nextAttemptAt',
            sql<number>`row_number() over (partition by ${sql.ref('hookId')} order by ${sql.ref('nextAttemptAt')}, ${sql.ref('id')})`.as(
              'hookRank',
            ),
          ]),
      )
      .updateTable('deliveries')
      .set({ status: 'sending', lockedBy: workerId, lockedUntil: leaseUntil, updatedAt: now })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('ranked')
          .select('ranked.id')
          .where('hookRank', '<=', perHookLimit)
          .orderBy('ranked.nextAttemptAt')
          .limit(limit),
      )
      .returning((eb) => [
        'deliveries.id',
        'deliveries.hookId',
        'deliveries.eventId',
        'deliveries.eventType',
        'deliveries.attempts',
        'deliveries.retryBase',
        'deliveries.lockedUntil',
        eb
          .selectFrom('hooks')
          .select('hooks.config')
          .whereRef('hooks.id', '=', 'deliveries.hookId')
          .as('hookConfig'),
        eb
          .selectFrom('hooks')
          .select('hooks.signingKey')
          .whereRef('hooks.id', '=', 'deliveries.hookId')
          .as('signingKey'),
        eb
          .selectFrom('hooks')
          .select('hooks.previousSigningKeys')
          .whereRef('hooks.id', '=', 'deliveries.hookId')
          .as('previousSigningKeys'),
        eb
          .selectFrom('events')
          .select('events.payload')
          .whereRef('events.id', '=', 'deliveries.eventId')
          .as('payload'),
      ])
      .execute();
    return rows.map((row) => ({
      ...row,
      lockedUntil: row.lockedUntil ?? leaseUntil,
      hookConfig: row.hookConfig ?? '{}',
      signingKey: row.signingKey ?? '',
      previousSigningKeys: row.previousSigningKeys ?? '[]',
      payload: row.payload ?? '{}',
    }));
  }

  /** The delivery-row update for one attempt, guarded by our lease. Returns whether it applied. */
  async function applyAttempt(tx: Executor, record: AttemptRecord, workerId: string, now: number) {
    const isDone = record.status !== 'pending';
    const result = await tx
      .updateTable('deliveries')
      .set({
        status: record.status,
        attempts: record.attempt,
        nextAttemptAt: record.nextAttemptAt ?? now,
        lastStatus: record.responseStatus ?? null,
        lastError: record.error ?? null,
        lockedBy: null,
        lockedUntil: null,
        updatedAt: now,
        completedAt: isDone ? now : null,
      })
      .where('id', '=', record.deliveryId)
      .where('status', '=', 'sending')
      .where('lockedBy', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Marks leased deliveries succeeded, guarded by our lease like {@link applyAttempt}; `attempts`
   * grows by one, which is the recorded attempt's number while we hold the lease. Returns the ids
   * whose lease this node lost.
   */
  async function applySuccesses(
    tx: Executor,
    ids: readonly string[],
    responseStatus: number | undefined,
    workerId: string,
    now: number,
  ): Promise<string[]> {
    const lost: string[] = [];
    for (let start = 0; start < ids.length; start += UPDATE_CHUNK) {
      const chunk = ids.slice(start, start + UPDATE_CHUNK);
      const updated = await tx
        .updateTable('deliveries')
        .set((eb) => ({
          status: 'succeeded',
          attempts: eb('attempts', '+', 1),
          nextAttemptAt: now,
          lastStatus: responseStatus ?? null,
          lastError: null,
          lockedBy: null,
          lockedUntil: null,
          updatedAt: now,
          completedAt: now,
        }))
        .where('id', 'in', chunk)
        .where('status', '=', 'sending')
        .where('lockedBy', '=', workerId)
        .returning('id')
        .execute();
      if (updated.length < chunk.length) {
        const applied = new Set(updated.map((row) => row.id));
        lost.push(...chunk.filter((id) => !applied.has(id)));
      }
    }
    return lost;
  }

  /**
   * Stores a batch of attempts and moves their deliveries on, in one transaction (one commit per
   * batch instead of per delivery). A delivery whose lease this node lost (it expired and another
   * node took over) is not touched: the other node's result stands. Its attempt is still recorded,
   * because the request did go out. Returns the ids of such deliveries.
   */
  async function recordAttempts(records: readonly AttemptRecord[], workerId: string, now: number) {
    if (records.length === 0) return { lostLeases: [] as string[] };
    return db.transaction().execute(async (tx) => {
      await tx
        .insertInto('deliveryAttempts')
        .values(
          records.map((record) => ({
            id: newRecordId('att'),
            deliveryId: record.deliveryId,
            hookId: record.hookId,
            eventType: record.eventType,
            attempt: record.attempt,
            isSuccess: record.isSuccess ? 1 : 0,
            startedAt: record.startedAt,
            durationMs: record.durationMs,
            requestUrl: record.requestUrl,
            requestHeaders: JSON.stringify(record.requestHeaders),
            responseStatus: record.responseStatus ?? null,
            responseHeaders: record.responseHeaders ? JSON.stringify(record.responseHeaders) : null,
            responseBody: record.responseBody ?? null,
            error: record.error ?? null,
            nextAttemptAt: record.nextAttemptAt,
          })),
        )
        .execute();
      const lostLeases: string[] = [];
      // Successes, the bulk, move on in one statement per response status; the rest row by row.
      const successes = new Map<number | undefined, string[]>();
      for (const record of records) {
        if (record.status === 'succeeded') {
          const ids = successes.get(record.responseStatus) ?? [];
          ids.push(record.deliveryId);
          successes.set(record.responseStatus, ids);
        } else if (!(await applyAttempt(tx, record, workerId, now))) lostLeases.push(record.deliveryId);
      }
      for (const [responseStatus, ids] of successes) {
        lostLeases.push(...(await applySuccesses(tx, ids, responseStatus, workerId, now)));
      }
      await updateFailureRuns(tx, records);
      return { lostLeases };
    });
  }

  /**
   * Moves each hook's run of failed attempts on (see migration 0005): a success ends it, a failure
   * starts it if none is open and extends it otherwise. The batch's last outcome per hook decides;
   * a run that ends in a failure starts at the first failure after the batch's last success.
   */
  async function updateFailureRuns(tx: Executor, records: readonly AttemptRecord[]): Promise<void> {
    const runs = failureRuns(records);
    const healthy = [...runs].filter(([, run]) => run === undefined).map(([hookId]) => hookId);
    if (healthy.length > 0) {
      await tx
        .updateTable('hooks')
        .set({ failingSince: null, lastFailureAt: null })
        .where('id', 'in', healthy)
        .where('failingSince', 'is not', null)
        .execute();
    }
    for (const [hookId, run] of runs) {
      if (run === undefined) continue;
      await tx
        .updateTable('hooks')
        .set((eb) => ({
          failingSince: eb.fn.coalesce(eb.ref('failingSince'), eb.val(run.since)),
          lastFailureAt: run.last,
        }))
        .where('id', '=', hookId)
        .execute();
    }
  }

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

  return {
    claimDue,
    recordAttempts,

    /** Open deliveries by status, and the oldest due one of an enabled hook (metrics). */
    async queueStats(now: number): Promise<{ pending: number; sending: number; oldestDueAt: number | null }> {
      const counts = await db
        .selectFrom('deliveries')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
        .where('status', 'in', ['pending', 'sending'])
        .groupBy('status')
        .execute();
      const oldest = await dueCandidates(db, now, [], 1, { lock: false })
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
        .select('status')
        .where('id', '=', deliveryId)
        .where('hookId', '=', hookId)
        .executeTakeFirst();
      if (!current) return undefined;
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

    /** Reopens every failed delivery of `hookId` created in [from, to]; returns how many. */
    async recoverFailed(hookId: string, from: number, to: number, now: number, tx: Executor = db) {
      const result = await tx
        .updateTable('deliveries')
        .set(reopen(now))
        .where('hookId', '=', hookId)
        .where('status', '=', 'failed')
        .where('createdAt', '>=', from)
        .where('createdAt', '<=', to)
        .executeTakeFirst();
      const recovered = Number(result.numUpdatedRows);
      if (recovered > 0) await notifyQueued(tx);
      return recovered;
    },

    /** Hands leased, unsent deliveries back to the queue (shutdown, or a lease too short to use). */
    async releaseLeases(ids: readonly string[], workerId: string, now: number): Promise<number> {
      if (ids.length === 0) return 0;
      const result = await db
        .updateTable('deliveries')
        .set({ status: 'pending', lockedBy: null, lockedUntil: null, updatedAt: now })
        .where('id', 'in', ids)
        .where('status', '=', 'sending')
        .where('lockedBy', '=', workerId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /**
     * Returns deliveries whose lease ran out (their node died or hung) to the queue, due at once.
     * The attempt that node may have made is not counted: we cannot know whether it went out.
     */
    async reapExpiredLeases(now: number): Promise<number> {
      const result = await db
        .updateTable('deliveries')
        .set({ status: 'pending', lockedBy: null, lockedUntil: null, updatedAt: now })
        .where('status', '=', 'sending')
        .where('lockedUntil', '<', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
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

    ...createDeliveryRetention(db, capabilities),
  };
}

export type DeliveriesRepo = ReturnType<typeof createDeliveriesRepo>;
