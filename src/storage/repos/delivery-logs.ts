import { sql, type Selectable } from 'kysely';
import { bool, type DeliveriesTable, type DeliveryAttemptsTable, type Executor } from '../db.js';
import type { EventType } from '../../domain/events.js';
import type { DeliveryStatus } from '../../domain/delivery.js';
import type { HookExecutionStats } from '../../domain/hooks.js';
import { waitingOnOf } from './deliveries-ordering.js';

/**
 * Read-only views of the delivery history for the hooks API: Logto's `recent-logs` and
 * `executionStats` (docs/compatibility.md#hooks-api), computed from `delivery_attempts` instead of a logs
 * table, and the deliveries listing (issue 5, item 3). The delivery engine owns the writes.
 */

/** A time range on epoch ms, both ends inclusive and optional. */
export interface TimeRange {
  readonly from?: number;
  readonly to?: number;
}

export interface AttemptRecord {
  id: string;
  deliveryId: string;
  hookId: string;
  eventType: EventType;
  attempt: number;
  isSuccess: boolean;
  startedAt: number;
  durationMs: number;
  requestUrl: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
  nextAttemptAt: number | null;
  /** A blocking call's decision (docs/blocking-hooks.md); null on ordinary attempts. */
  decision: string | null;
}

/** An attempt with the event payload it sent (without `hookId`, see `bodyForHook`). */
export interface AttemptWithPayload extends AttemptRecord {
  payload: string;
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  hookId: string;
  eventType: EventType;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** A perKey hook's delivery: the entity it is ordered by (docs/events.md#ordering-keys). */
  orderingKey: string | null;
  /** A keyed delivery waiting for its turn: the open delivery of its key that goes first. */
  waitingOn: string | null;
}

export interface DeliveryWithPayload extends DeliveryRecord {
  payload: string;
}

export interface AttemptFilter extends TimeRange {
  readonly hookId: string;
  readonly eventType?: EventType;
}

export interface DeliveryFilter extends TimeRange {
  readonly hookId: string;
  readonly eventType?: EventType;
  readonly status?: DeliveryStatus;
}

export interface Window {
  readonly limit: number;
  readonly offset: number;
}

/** Attempts started in one hour, by outcome. */
export interface HourlyAttemptCount {
  /** Start of the hour, epoch ms (a multiple of {@link HOUR_MS}). */
  hourStart: number;
  successCount: number;
  failureCount: number;
}

export const HOUR_MS = 3_600_000;

/** Large `IN` lists are split so neither dialect meets its bound-parameter limit. */
const IN_CHUNK = 500;

const toAttempt = (row: Selectable<DeliveryAttemptsTable>): AttemptRecord => ({
  id: row.id,
  deliveryId: row.deliveryId,
  hookId: row.hookId,
  eventType: row.eventType as EventType,
  attempt: row.attempt,
  isSuccess: bool(row.isSuccess),
  startedAt: row.startedAt,
  durationMs: row.durationMs,
  requestUrl: row.requestUrl,
  requestHeaders: JSON.parse(row.requestHeaders) as Record<string, string>,
  responseStatus: row.responseStatus,
  responseHeaders:
    row.responseHeaders === null ? null : (JSON.parse(row.responseHeaders) as Record<string, string>),
  responseBody: row.responseBody,
  error: row.error,
  nextAttemptAt: row.nextAttemptAt,
  decision: row.decision ?? null,
});

const toDelivery = (row: Selectable<DeliveriesTable> & { waitingOn: string | null }): DeliveryRecord => ({
  id: row.id,
  eventId: row.eventId,
  hookId: row.hookId,
  eventType: row.eventType as EventType,
  status: row.status as DeliveryStatus,
  attempts: row.attempts,
  nextAttemptAt: row.nextAttemptAt,
  lastStatus: row.lastStatus,
  lastError: row.lastError,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  completedAt: row.completedAt,
  orderingKey: row.orderingKey,
  waitingOn: row.waitingOn,
});

export function createDeliveryLogsRepo(db: Executor) {
  const attempts = (tx: Executor, { hookId, eventType, from, to }: AttemptFilter) => {
    let query = tx
      .selectFrom('deliveryAttempts')
      .where('deliveryAttempts.tenantId', '=', 'default')
      .where('deliveryAttempts.hookId', '=', hookId);
    if (eventType !== undefined) query = query.where('deliveryAttempts.eventType', '=', eventType);
    if (from !== undefined) query = query.where('deliveryAttempts.startedAt', '>=', from);
    if (to !== undefined) query = query.where('deliveryAttempts.startedAt', '<=', to);
    return query;
  };

  const deliveries = (tx: Executor, { hookId, eventType, status, from, to }: DeliveryFilter) => {
    let query = tx
      .selectFrom('deliveries')
      .where('deliveries.tenantId', '=', 'default')
      .where('deliveries.hookId', '=', hookId);
    if (eventType !== undefined) query = query.where('deliveries.eventType', '=', eventType);
    if (status !== undefined) query = query.where('deliveries.status', '=', status);
    if (from !== undefined) query = query.where('deliveries.createdAt', '>=', from);
    if (to !== undefined) query = query.where('deliveries.createdAt', '<=', to);
    return query;
  };

  return {
    /** A hook's attempts, newest first, each with the payload its event committed. */
    async listAttempts(
      filter: AttemptFilter,
      window: Window,
      tx: Executor = db,
    ): Promise<AttemptWithPayload[]> {
      const rows = await attempts(tx, filter)
        .innerJoin('deliveries', 'deliveries.id', 'deliveryAttempts.deliveryId')
        .innerJoin('events', 'events.id', 'deliveries.eventId')
        .selectAll('deliveryAttempts')
        .select('events.payload')
        .orderBy('deliveryAttempts.startedAt', 'desc')
        .orderBy('deliveryAttempts.id', 'desc')
        .limit(window.limit)
        .offset(window.offset)
        .execute();
      return rows.map((row) => ({ ...toAttempt(row), payload: row.payload }));
    },

    /**
     * How many attempts match; with `cap`, counting stops after `cap` rows so a capped count costs
     * at most `cap` index entries however long the history is.
     */
    async countAttempts(filter: AttemptFilter, cap?: number, tx: Executor = db): Promise<number> {
      if (cap === undefined) {
        const row = await attempts(tx, filter)
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow();
        return Number(row.count);
      }
      const limited = attempts(tx, filter).select('deliveryAttempts.id').limit(cap).as('limited');
      const row = await tx
        .selectFrom(limited)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /**
     * Attempts started strictly after `since`, per hook (docs/compatibility.md#hooks-api: `created_at > now − 1 day`).
     * Hooks without attempts are absent from the map.
     */
    async executionStats(
      hookIds: readonly string[],
      since: number,
      tx: Executor = db,
    ): Promise<Map<string, HookExecutionStats>> {
      const stats = new Map<string, HookExecutionStats>();
      for (let i = 0; i < hookIds.length; i += IN_CHUNK) {
        const rows = await tx
          .selectFrom('deliveryAttempts')
          .select((eb) => [
            'hookId',
            eb.fn.countAll<number>().as('requestCount'),
            eb.fn.countAll<number>().filterWhere('isSuccess', '=', 1).as('successCount'),
          ])
          .where('tenantId', '=', 'default')
          .where('hookId', 'in', hookIds.slice(i, i + IN_CHUNK))
          .where('startedAt', '>', since)
          .groupBy('hookId')
          .execute();
        for (const row of rows) {
          stats.set(row.hookId, {
            requestCount: Number(row.requestCount),
            successCount: Number(row.successCount),
          });
        }
      }
      return stats;
    },

    /**
     * A hook's attempts started in `[from, to)`, counted per UTC hour and outcome, oldest hour
     * first; hours without attempts are absent. Both dialects divide the bigint column by an
     * integer literal, which truncates, so the bucket arithmetic is identical.
     */
    async hourlyAttemptCounts(
      hookId: string,
      range: { from: number; to: number },
      tx: Executor = db,
    ): Promise<HourlyAttemptCount[]> {
      const hour = sql<number>`${sql.ref('startedAt')} / ${sql.lit(HOUR_MS)}`;
      const rows = await tx
        .selectFrom('deliveryAttempts')
        .select((eb) => [
          hour.as('hour'),
          eb.fn.countAll<number>().filterWhere('isSuccess', '=', 1).as('successCount'),
          eb.fn.countAll<number>().filterWhere('isSuccess', '=', 0).as('failureCount'),
        ])
        .where('tenantId', '=', 'default')
        .where('hookId', '=', hookId)
        .where('startedAt', '>=', range.from)
        .where('startedAt', '<', range.to)
        .groupBy(hour)
        .orderBy(hour)
        .execute();
      return rows.map((row) => ({
        hourStart: Number(row.hour) * HOUR_MS,
        successCount: Number(row.successCount),
        failureCount: Number(row.failureCount),
      }));
    },

    /** A hook's deliveries, newest first, each with its event payload. */
    async listDeliveries(
      filter: DeliveryFilter,
      window: Window,
      tx: Executor = db,
    ): Promise<DeliveryWithPayload[]> {
      const rows = await deliveries(tx, filter)
        .innerJoin('events', 'events.id', 'deliveries.eventId')
        .selectAll('deliveries')
        .select(['events.payload', waitingOnOf.as('waitingOn')])
        .orderBy('deliveries.createdAt', 'desc')
        .orderBy('deliveries.id', 'desc')
        .limit(window.limit)
        .offset(window.offset)
        .execute();
      return rows.map((row) => ({ ...toDelivery(row), payload: row.payload }));
    },

    async countDeliveries(filter: DeliveryFilter, tx: Executor = db): Promise<number> {
      const row = await deliveries(tx, filter)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** One delivery of a hook, with its event payload; scoped by hook so ids cannot cross hooks. */
    async findDelivery(
      hookId: string,
      deliveryId: string,
      tx: Executor = db,
    ): Promise<DeliveryWithPayload | undefined> {
      const row = await deliveries(tx, { hookId })
        .innerJoin('events', 'events.id', 'deliveries.eventId')
        .selectAll('deliveries')
        .select(['events.payload', waitingOnOf.as('waitingOn')])
        .where('deliveries.id', '=', deliveryId)
        .executeTakeFirst();
      return row && { ...toDelivery(row), payload: row.payload };
    },

    /** Every attempt of the given deliveries, in attempt order. */
    async attemptsOfDeliveries(deliveryIds: readonly string[], tx: Executor = db): Promise<AttemptRecord[]> {
      const result: AttemptRecord[] = [];
      for (let i = 0; i < deliveryIds.length; i += IN_CHUNK) {
        const rows = await tx
          .selectFrom('deliveryAttempts')
          .selectAll()
          .where('tenantId', '=', 'default')
          .where('deliveryId', 'in', deliveryIds.slice(i, i + IN_CHUNK))
          .orderBy('deliveryId')
          .orderBy('attempt')
          .orderBy('startedAt')
          .execute();
        result.push(...rows.map(toAttempt));
      }
      return result;
    },
  };
}

export type DeliveryLogsRepo = ReturnType<typeof createDeliveryLogsRepo>;
