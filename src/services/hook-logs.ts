import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { HOUR_MS } from '../storage/repos/delivery-logs.js';
import type {
  AttemptRecord,
  AttemptWithPayload,
  DeliveryLogsRepo,
  DeliveryWithPayload,
  TimeRange,
} from '../storage/repos/delivery-logs.js';
import { eventOfLogKey, logKeyOf, type EventType } from '../domain/events.js';
import { isTerminalStatus, type DeliveryStatus } from '../domain/delivery.js';
import { sanitizeLogPayload } from '../domain/hooks.js';
import { bodyForHook } from '../domain/payloads.js';
import { PARKED_AT } from '../storage/repos/deliveries-ordering.js';

/** recent-logs' window when the client gives neither bound (docs/compatibility.md#hooks-api). */
export const DEFAULT_LOG_WINDOW_MS = 24 * 60 * 60 * 1000;
/** With `enableCap`, counting stops here and `Total-Number` reads one more (Logto's 10 000 cap). */
export const LOG_COUNT_CAP = 10_000;

/** One Logto log row for one delivery attempt (docs/compatibility.md#hooks-and-their-log), without `tenantId` as Logto answers. */
export interface HookLog {
  id: string;
  key: string;
  payload: {
    key: string;
    result: 'Success' | 'Error';
    hookId: string;
    hookRequest: { body: unknown };
    response?: { statusCode: number; body: unknown };
    error?: string;
  };
  /** When the attempt started, epoch ms. */
  createdAt: number;
}

export interface AttemptView {
  id: string;
  attempt: number;
  result: 'Success' | 'Error';
  startedAt: number;
  durationMs: number;
  request: { url: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string } | null;
  error: string | null;
  /** When the attempt after this one was scheduled; null when this one was the last. */
  nextAttemptAt: number | null;
  /** Blocking calls only: what was decided (docs/blocking-hooks.md). */
  decision?: 'allow' | 'deny' | 'skipped' | 'unavailable';
}

export interface DeliveryView {
  id: string;
  hookId: string;
  eventId: string;
  event: EventType;
  status: DeliveryStatus;
  attemptCount: number;
  /** When the next attempt is due; null once the delivery is finished. */
  nextAttemptAt: number | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** idhooks addition: the entity a perKey hook's delivery is ordered by, else null. */
  orderingKey: string | null;
  /** idhooks addition: while waiting for its key's turn, the delivery that goes first; else null. */
  waitingOn: string | null;
  attempts?: AttemptView[];
}

export interface PageQuery {
  page: number;
  pageSize: number;
}

export interface RecentLogsQuery extends PageQuery, TimeRange {
  logKey?: string;
  enableCap: boolean;
}

export interface DeliveriesQuery extends PageQuery, TimeRange {
  event?: EventType;
  status?: DeliveryStatus;
  includeAttempts: boolean;
}

/** One bar of the console's activity chart: attempts started in one hour, by outcome. */
export interface HourlyActivity {
  /** Start of the hour, epoch ms. */
  hourStart: number;
  successCount: number;
  failureCount: number;
}

export interface HookLogsServiceDeps {
  readonly deliveryLogs: DeliveryLogsRepo;
  readonly clock: Clock;
}

/** Logto's response body: parsed JSON when the text parses, else the text itself. */
const parseBody = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

function assertTimeWindow({ from, to }: TimeRange): void {
  if (from !== undefined && to !== undefined && from > to) {
    throw new AppError('log.invalid_time_window', { data: { startTime: from, endTime: to } });
  }
}

const window = ({ page, pageSize }: PageQuery) => ({ limit: pageSize, offset: (page - 1) * pageSize });

function toHookLog(attempt: AttemptWithPayload): HookLog {
  const key = logKeyOf(attempt.eventType);
  const payload: HookLog['payload'] = {
    key,
    result: attempt.isSuccess ? 'Success' : 'Error',
    hookId: attempt.hookId,
    // The exact object sent: the committed payload with this hook's id spliced in last.
    hookRequest: { body: JSON.parse(bodyForHook(attempt.payload, attempt.hookId)) as unknown },
  };
  if (attempt.responseStatus !== null) {
    payload.response = { statusCode: attempt.responseStatus, body: parseBody(attempt.responseBody ?? '') };
  }
  if (!attempt.isSuccess && attempt.error !== null) payload.error = attempt.error;
  return { id: attempt.id, key, payload: sanitizeLogPayload(payload), createdAt: attempt.startedAt };
}

function toAttemptView(attempt: AttemptRecord, body: string): AttemptView {
  return {
    id: attempt.id,
    attempt: attempt.attempt,
    result: attempt.isSuccess ? 'Success' : 'Error',
    startedAt: attempt.startedAt,
    durationMs: attempt.durationMs,
    // Headers are masked like log payloads (an `Authorization` custom header is a secret);
    // bodies are shown as they went over the wire.
    request: { url: attempt.requestUrl, headers: sanitizeLogPayload(attempt.requestHeaders), body },
    response:
      attempt.responseStatus === null
        ? null
        : {
            status: attempt.responseStatus,
            headers: sanitizeLogPayload(attempt.responseHeaders ?? {}),
            body: attempt.responseBody ?? '',
          },
    error: attempt.error,
    nextAttemptAt: attempt.nextAttemptAt,
    ...(attempt.decision === null ? {} : { decision: attempt.decision as AttemptView['decision'] }),
  };
}

function toDeliveryView(delivery: DeliveryWithPayload, attempts?: AttemptRecord[]): DeliveryView {
  const body = bodyForHook(delivery.payload, delivery.hookId);
  return {
    id: delivery.id,
    hookId: delivery.hookId,
    eventId: delivery.eventId,
    event: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attempts,
    // A delivery parked behind its key's head has no attempt time until that head ends.
    nextAttemptAt:
      isTerminalStatus(delivery.status) || delivery.nextAttemptAt >= PARKED_AT
        ? null
        : delivery.nextAttemptAt,
    lastResponseStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    completedAt: delivery.completedAt,
    orderingKey: delivery.orderingKey,
    waitingOn: delivery.waitingOn,
    ...(attempts === undefined ? {} : { attempts: attempts.map((a) => toAttemptView(a, body)) }),
  };
}

/**
 * A hook's delivery history: Logto's `recent-logs` view (one log row per attempt) and the full
 * deliveries view with every attempt. Neither checks that the hook still exists, so a deleted
 * hook's history stays readable, as Logto keeps its logs (docs/compatibility.md#hooks-api).
 */
export function createHookLogsService({ deliveryLogs, clock }: HookLogsServiceDeps) {
  return {
    async listRecentLogs(
      hookId: string,
      query: RecentLogsQuery,
    ): Promise<{ items: HookLog[]; total: number; isCapped: boolean }> {
      assertTimeWindow(query);
      const isDefaultWindow = query.from === undefined && query.to === undefined;
      const from = isDefaultWindow ? clock.now() - DEFAULT_LOG_WINDOW_MS : query.from;
      let eventType: EventType | undefined;
      if (query.logKey !== undefined) {
        eventType = eventOfLogKey(query.logKey);
        // Only `TriggerHook.<event>` keys name hook logs; any other key matches nothing.
        if (eventType === undefined) return { items: [], total: 0, isCapped: false };
      }
      const filter = { hookId, eventType, from, to: query.to };
      const [attempts, total] = await Promise.all([
        deliveryLogs.listAttempts(filter, window(query)),
        deliveryLogs.countAttempts(filter, query.enableCap ? LOG_COUNT_CAP + 1 : undefined),
      ]);
      return { items: attempts.map(toHookLog), total, isCapped: query.enableCap && total > LOG_COUNT_CAP };
    },

    async listDeliveries(
      hookId: string,
      query: DeliveriesQuery,
    ): Promise<{ items: DeliveryView[]; total: number }> {
      assertTimeWindow(query);
      const filter = { hookId, eventType: query.event, status: query.status, from: query.from, to: query.to };
      const [deliveries, total] = await Promise.all([
        deliveryLogs.listDeliveries(filter, window(query)),
        deliveryLogs.countDeliveries(filter),
      ]);
      if (!query.includeAttempts) return { items: deliveries.map((d) => toDeliveryView(d)), total };
      const attempts = await deliveryLogs.attemptsOfDeliveries(deliveries.map((d) => d.id));
      // Map.groupBy would do, but it arrived in Node 21 and we support Node 20.
      const byDelivery = new Map<string, AttemptRecord[]>();
      for (const attempt of attempts) {
        const list = byDelivery.get(attempt.deliveryId) ?? [];
        list.push(attempt);
        byDelivery.set(attempt.deliveryId, list);
      }
      return {
        items: deliveries.map((d) => toDeliveryView(d, byDelivery.get(d.id) ?? [])),
        total,
      };
    },

    /**
     * Attempts per hour for the last `hours` hours, oldest first, one entry per hour including
     * empty ones. The newest bucket is the current, partial hour, so the chart ends at "now".
     */
    async hourlyActivity(hookId: string, hours = 24): Promise<HourlyActivity[]> {
      const currentHour = Math.floor(clock.now() / HOUR_MS) * HOUR_MS;
      const from = currentHour - (hours - 1) * HOUR_MS;
      const counts = await deliveryLogs.hourlyAttemptCounts(hookId, { from, to: currentHour + HOUR_MS });
      const byHour = new Map(counts.map((count) => [count.hourStart, count]));
      return Array.from({ length: hours }, (_, index) => {
        const hourStart = from + index * HOUR_MS;
        const count = byHour.get(hourStart);
        return { hourStart, successCount: count?.successCount ?? 0, failureCount: count?.failureCount ?? 0 };
      });
    },

    async getDelivery(hookId: string, deliveryId: string): Promise<DeliveryView> {
      const delivery = await deliveryLogs.findDelivery(hookId, deliveryId);
      if (!delivery) throw notFoundById('delivery', deliveryId);
      return toDeliveryView(delivery, await deliveryLogs.attemptsOfDeliveries([delivery.id]));
    },
  };
}

export type HookLogsService = ReturnType<typeof createHookLogsService>;
