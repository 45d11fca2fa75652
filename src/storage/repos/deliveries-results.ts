/**
 * Recording attempt results: the attempt rows (history) and the delivery's next state, one
 * transaction per batch, every update guarded by this node's lease.
 */
import { CompiledQuery, sql } from 'kysely';
import type { Db, Executor } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import { newRecordId } from '../../shared/ids.js';
import { updateFailureRuns } from './deliveries-health.js';
import { createOrderingPlaces } from './deliveries-ordering.js';
import type { AttemptRecord } from './deliveries-types.js';

/** Ids per bulk UPDATE on SQLite, well under its bound-parameter limit. */
const UPDATE_CHUNK = 500;

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/*
 * SQLite's statements for the common case, written once: one SQL text each (the success update
 * per batch size), so they are prepared once and Kysely builds nothing per batch. Building the
 * attempt insert and the success update cost more CPU than executing them.
 */
const INSERT_ATTEMPT_SQLITE =
  'insert into "delivery_attempts" ("id", "delivery_id", "hook_id", "event_type", "attempt", ' +
  '"is_success", "started_at", "duration_ms", "request_url", "request_headers", "response_status", ' +
  '"response_headers", "response_body", "error", "next_attempt_at") ' +
  'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const successesSqlite = (count: number) =>
  'update "deliveries" set "status" = \'succeeded\', "next_attempt_at" = ?, "last_status" = ?, ' +
  '"last_error" = null, "locked_by" = null, "locked_until" = null, "updated_at" = ?, "completed_at" = ? ' +
  `where "id" in (${'?, '.repeat(count - 1)}?) and "status" = 'sending' and "locked_by" = ? returning "id", "ordering_key" as "orderingKey"`;

const attemptRow = (record: AttemptRecord) => ({
  id: newRecordId('att'),
  deliveryId: record.deliveryId,
  hookId: record.hookId,
  eventType: record.eventType,
  attempt: record.attempt,
  isSuccess: record.isSuccess ? (1 as const) : (0 as const),
  startedAt: record.startedAt,
  durationMs: record.durationMs,
  requestUrl: record.requestUrl,
  requestHeaders: JSON.stringify(record.requestHeaders),
  responseStatus: record.responseStatus ?? null,
  responseHeaders: record.responseHeaders ? JSON.stringify(record.responseHeaders) : null,
  responseBody: record.responseBody ?? null,
  error: record.error ?? null,
  nextAttemptAt: record.nextAttemptAt,
});

export function createDeliveryResults(db: Db, capabilities: Capabilities) {
  const isSqlite = capabilities.name === 'sqlite';
  const places = createOrderingPlaces(capabilities);
  /** `id = any($1)` on PostgreSQL: one SQL text whatever the batch size; `in (…)` on SQLite. */
  const idIn = (ids: readonly string[]) =>
    capabilities.name === 'postgres'
      ? sql<boolean>`${sql.ref('id')} = any(${sql.val([...ids])})`
      : sql<boolean>`${sql.ref('id')} in (${sql.join(ids)})`;

  /**
   * Takes the row locks of the batch's deliveries in id order before touching any (PostgreSQL).
   * Every writer that updates several deliveries locks them this way, so two of them (a batch
   * being recorded, a hook being deleted, the reaper) queue behind each other instead of
   * deadlocking (issue 13 item 12). SQLite has a single writer and needs none.
   */
  async function lockInIdOrder(tx: Executor, ids: readonly string[]): Promise<void> {
    if (capabilities.name !== 'postgres' || ids.length < 2) return;
    await tx.selectFrom('deliveries').select('id').where(idIn(ids)).orderBy('id').forUpdate().execute();
  }

  /**
   * The delivery-row update for one attempt, guarded by our lease. Returns whether it applied;
   * a keyed delivery that ended is added to `ended`.
   */
  async function applyAttempt(
    tx: Executor,
    record: AttemptRecord,
    workerId: string,
    now: number,
    ended: string[],
  ) {
    const isDone = record.status !== 'pending';
    const applied = await tx
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
      .returning('orderingKey')
      .executeTakeFirst();
    if (isDone && applied?.orderingKey) ended.push(record.deliveryId);
    return applied !== undefined;
  }

  /**
   * Marks leased deliveries succeeded, guarded by our lease like {@link applyAttempt}. `attempts`
   * already counts this attempt (counted at the lease). Returns the ids whose lease this node lost.
   */
  async function applySuccesses(
    tx: Executor,
    ids: readonly string[],
    responseStatus: number | undefined,
    workerId: string,
    now: number,
    ended: string[],
  ): Promise<string[]> {
    const lost: string[] = [];
    const chunk = capabilities.name === 'postgres' ? ids.length : UPDATE_CHUNK;
    for (let start = 0; start < ids.length; start += chunk) {
      const part = ids.slice(start, start + chunk);
      const updated = isSqlite
        ? (
            await tx.executeQuery<{ id: string; orderingKey: string | null }>(
              CompiledQuery.raw(successesSqlite(part.length), [
                now,
                responseStatus ?? null,
                now,
                now,
                ...part,
                workerId,
              ]),
            )
          ).rows
        : await tx
            .updateTable('deliveries')
            .set({
              status: 'succeeded',
              nextAttemptAt: now,
              lastStatus: responseStatus ?? null,
              lastError: null,
              lockedBy: null,
              lockedUntil: null,
              updatedAt: now,
              completedAt: now,
            })
            .where(idIn(part))
            .where('status', '=', 'sending')
            .where('lockedBy', '=', workerId)
            .returning(['id', 'orderingKey'])
            .execute();
      for (const row of updated) if (row.orderingKey) ended.push(row.id);
      if (updated.length < part.length) {
        const applied = new Set(updated.map((row) => row.id));
        lost.push(...part.filter((id) => !applied.has(id)));
      }
    }
    return lost;
  }

  return {
    /**
     * Stores a batch of attempts and moves their deliveries on, in one transaction (one commit per
     * batch instead of per delivery). A delivery whose lease this node lost (it expired and another
     * node took over, or its hook was deleted) is not touched, on success and failure alike: the
     * other result stands. Its attempt is still recorded, because the request did go out. Returns
     * the ids of such deliveries.
     */
    async recordAttempts(records: readonly AttemptRecord[], workerId: string, now: number) {
      if (records.length === 0) return { lostLeases: [] as string[] };
      const sorted = [...records].sort((a, b) => byId(a.deliveryId, b.deliveryId));
      return db.transaction().execute(async (tx) => {
        await lockInIdOrder(
          tx,
          sorted.map((record) => record.deliveryId),
        );
        if (isSqlite) {
          // Key order of attemptRow is INSERT_ATTEMPT_SQLITE's column order.
          for (const record of records) {
            await tx.executeQuery(
              CompiledQuery.raw(INSERT_ATTEMPT_SQLITE, Object.values(attemptRow(record))),
            );
          }
        } else {
          await tx.insertInto('deliveryAttempts').values(records.map(attemptRow)).execute();
        }
        const lostLeases: string[] = [];
        const ended: string[] = [];
        // Successes, the bulk, move on in one statement per response status; the rest row by row.
        const successes = new Map<number | undefined, string[]>();
        for (const record of sorted) {
          if (record.status === 'succeeded') {
            const ids = successes.get(record.responseStatus) ?? [];
            ids.push(record.deliveryId);
            successes.set(record.responseStatus, ids);
          } else if (!(await applyAttempt(tx, record, workerId, now, ended))) {
            lostLeases.push(record.deliveryId);
          }
        }
        for (const [responseStatus, ids] of successes) {
          lostLeases.push(...(await applySuccesses(tx, ids, responseStatus, workerId, now, ended)));
        }
        // The next delivery of each key whose head ended is due now (perKey hooks only).
        await places.unparkNext(tx, ended, now);
        await updateFailureRuns(tx, records);
        return { lostLeases };
      });
    },
  };
}
