/**
 * Blocking hooks' storage (issue 15): which hooks to call for a blocking event, and the record of
 * the calls. A call is stored as a finished one-attempt delivery of the event, so the deliveries API,
 * recent-logs and the console show it like any other attempt; its attempt row carries the decision.
 * A call that failed under the open policy also queues the `"decision": "skipped"` notice as an
 * ordinary pending delivery, which the engine then retries on the normal schedule.
 */
import { sql } from 'kysely';
import type { Executor } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import type { HookConfig } from '../../domain/hooks.js';
import type { NewEvent } from '../../domain/payloads.js';
import { newRecordId } from '../../shared/ids.js';
import { DELIVERY_CHANNEL } from './deliveries-types.js';

/** A hook subscribed to a blocking event, with what is needed to sign and send to it. */
export interface BlockingHook {
  readonly id: string;
  readonly name: string;
  readonly config: HookConfig;
  readonly signingKey: string;
  readonly previousSigningKeys: string;
}

/** One call as made: its delivery id (the `webhook-id` it was signed with) and what came back. */
export interface CallRecord {
  readonly deliveryId: string;
  readonly hookId: string;
  readonly isSuccess: boolean;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly requestUrl: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly responseStatus: number | undefined;
  readonly responseHeaders: Readonly<Record<string, string>> | undefined;
  readonly responseBody: string | undefined;
  readonly error: string | undefined;
  readonly decision: string;
}

export interface CallsToRecord {
  readonly event: NewEvent;
  readonly calls: readonly CallRecord[];
  /** Hooks to send the skipped notice to, through the queue. */
  readonly notice?: { readonly event: NewEvent; readonly hookIds: readonly string[] };
  /**
   * True when the transaction holds only this history (no notice, no other event). PostgreSQL then
   * commits it without waiting for the WAL flush: a crash in that instant can lose a record of a
   * call, never a notice or an event, and the sign-in does not wait for a disk flush it has no use for.
   */
  readonly isHistoryOnly?: boolean;
}

/** PostgreSQL text cannot hold NUL; receivers answer what they like (see delivery/attempt.ts). */
const storable = (text: string | undefined) => text?.replaceAll('\u0000', '\uFFFD') ?? null;

export function createBlockingCallsRepo(db: Executor, capabilities: Capabilities) {
  async function insertEvent(tx: Executor, event: NewEvent, now: number): Promise<string> {
    const id = newRecordId('evt');
    await tx
      .insertInto('events')
      .values({ id, type: event.type, payload: JSON.stringify(event.payload), createdAt: now })
      .execute();
    return id;
  }

  return {
    /** Enabled hooks subscribed to `event`, in creation order (the order their answers merge in). */
    async listSubscribedHooks(event: string, tx: Executor = db): Promise<BlockingHook[]> {
      const rows = await tx
        .selectFrom('hookSubscriptions')
        .innerJoin('hooks', 'hooks.id', 'hookSubscriptions.hookId')
        .select(['hooks.id', 'hooks.name', 'hooks.config', 'hooks.signingKey', 'hooks.previousSigningKeys'])
        .where('hookSubscriptions.event', '=', event)
        .where('hooks.enabled', '=', 1)
        .where('hooks.tenantId', '=', 'default')
        .orderBy('hooks.createdAt')
        .orderBy('hooks.id')
        .execute();
      return rows.map((row) => ({ ...row, config: JSON.parse(row.config) as HookConfig }));
    },

    /**
     * Writes the calls of one blocking event and queues the skipped notices, in the caller's
     * transaction. Returns how many notices were queued, so the caller can wake the engine.
     */
    async recordCalls(
      tx: Executor,
      { event, calls, notice, isHistoryOnly = false }: CallsToRecord,
      now: number,
    ): Promise<number> {
      const hasNotice = notice !== undefined && notice.hookIds.length > 0;
      if (isHistoryOnly && !hasNotice && capabilities.asyncCommit) {
        await sql`set local synchronous_commit = off`.execute(tx);
      }
      if (calls.length > 0) {
        const eventId = await insertEvent(tx, event, now);
        await tx
          .insertInto('deliveries')
          .values(
            calls.map((call) => ({
              id: call.deliveryId,
              eventId,
              hookId: call.hookId,
              eventType: event.type,
              status: call.isSuccess ? 'succeeded' : 'failed',
              attempts: 1,
              nextAttemptAt: call.startedAt,
              lockedBy: null,
              lockedUntil: null,
              lastStatus: call.responseStatus ?? null,
              lastError: storable(call.error),
              createdAt: call.startedAt,
              updatedAt: now,
              completedAt: call.startedAt + call.durationMs,
            })),
          )
          .execute();
        await tx
          .insertInto('deliveryAttempts')
          .values(
            calls.map((call) => ({
              id: newRecordId('att'),
              deliveryId: call.deliveryId,
              hookId: call.hookId,
              eventType: event.type,
              attempt: 1,
              isSuccess: call.isSuccess ? (1 as const) : (0 as const),
              startedAt: call.startedAt,
              durationMs: call.durationMs,
              requestUrl: call.requestUrl,
              requestHeaders: JSON.stringify(call.requestHeaders),
              responseStatus: call.responseStatus ?? null,
              responseHeaders:
                call.responseHeaders === undefined ? null : JSON.stringify(call.responseHeaders),
              responseBody: storable(call.responseBody),
              error: storable(call.error),
              nextAttemptAt: null,
              decision: call.decision,
            })),
          )
          .execute();
      }
      if (!notice || !hasNotice) return 0;
      const noticeId = await insertEvent(tx, notice.event, now);
      await tx
        .insertInto('deliveries')
        .values(
          notice.hookIds.map((hookId) => ({
            id: newRecordId('dlv'),
            eventId: noticeId,
            hookId,
            eventType: notice.event.type,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now,
            lockedBy: null,
            lockedUntil: null,
            createdAt: now,
            updatedAt: now,
          })),
        )
        .execute();
      if (capabilities.listenNotify) await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(tx);
      return notice.hookIds.length;
    },
  };
}

export type BlockingCallsRepo = ReturnType<typeof createBlockingCallsRepo>;
