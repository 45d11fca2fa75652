import type { EventType } from './events.js';
import { findRouteEvent } from './management-api-events.js';

/**
 * Where a Management API request came from and which route handled it. Built by the HTTP layer,
 * carried into services, and copied into every payload the request causes.
 */
export interface ManagementContext {
  readonly origin: 'management';
  readonly userAgent: string | undefined;
  readonly ip: string | undefined;
  /** Request path relative to `/api`, e.g. `/users/abc`. */
  readonly path: string;
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  /** Route pattern relative to `/api`, e.g. `/users/:userId`. */
  readonly matchedRoute: string;
}

/** An event ready to be appended: its type and its payload without `hookId`. */
export interface NewEvent {
  readonly type: EventType;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface PayloadParts {
  /** Keys placed before the route context (Logto puts `User.Deleted`'s `data` there). */
  readonly lead?: Readonly<Record<string, unknown>>;
  /** Keys placed after the route context: `data` and event-specific keys such as `roleId`. */
  readonly tail?: Readonly<Record<string, unknown>>;
}

/**
 * The payload of a Management API event (docs/events.md#payloads), in Logto's key order:
 * `event, createdAt, userAgent?, ip?, …lead, path, method, status, params, matchedRoute, …tail`.
 * `hookId` is appended at send time. Undefined values disappear when serialised, as in Logto.
 *
 * Throws when the route does not list this event in MANAGEMENT_API_EVENTS: emitting from an
 * unlisted route is a programming error, caught by the route tests.
 */
export function managementEvent(
  ctx: ManagementContext,
  event: EventType,
  createdAt: number,
  { lead = {}, tail = {} }: PayloadParts = {},
): NewEvent {
  const row = findRouteEvent(ctx.method, ctx.matchedRoute, event);
  if (!row) {
    throw new Error(
      `${ctx.method} ${ctx.matchedRoute} emitted ${event}, which MANAGEMENT_API_EVENTS does not list for it`,
    );
  }
  return {
    type: event,
    payload: {
      event,
      createdAt: new Date(createdAt).toISOString(),
      userAgent: ctx.userAgent,
      ip: ctx.ip,
      ...lead,
      path: ctx.path,
      method: ctx.method,
      status: row.status,
      params: ctx.params,
      matchedRoute: ctx.matchedRoute,
      ...tail,
    },
  };
}

/**
 * The exact body sent to one hook: the serialised payload with `hookId` as its last key. Splicing
 * text (rather than re-serialising an object) guarantees every hook and every retry receives the
 * bytes that were committed.
 */
export function bodyForHook(payloadJson: string, hookId: string): string {
  if (!payloadJson.endsWith('}') || payloadJson === '{}') {
    throw new Error('An event payload must be a non-empty JSON object');
  }
  return `${payloadJson.slice(0, -1)},"hookId":${JSON.stringify(hookId)}}`;
}
