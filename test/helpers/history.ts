/**
 * Writes delivery history (an event, one delivery and its attempts) straight into the tables, the
 * way the delivery engine records it, so a test controls every time stamp and outcome.
 */
import type { Db } from '../../src/storage/db.js';
import type { EventType } from '../../src/domain/events.js';
import { randomString } from '../../src/shared/ids.js';

export interface AttemptSpec {
  readonly startedAt: number;
  readonly isSuccess: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  readonly nextAttemptAt?: number;
}

export interface DeliverySpec {
  readonly event?: EventType;
  readonly status?: 'pending' | 'sending' | 'succeeded' | 'failed';
  readonly createdAt?: number;
  /** The event payload; a minimal one of the event type by default. */
  readonly payload?: Record<string, unknown>;
  readonly attempts: readonly AttemptSpec[];
}

/** How every attempt of the delivery looks on the wire, beyond what the spec says. */
export interface WireSpec {
  readonly requestUrl?: string;
  readonly requestHeaders?: Record<string, string>;
  readonly responseHeaders?: Record<string, string>;
}

const recordId = (prefix: string) => `${prefix}_${randomString(21, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;

export async function insertHistory(db: Db, hookId: string, spec: DeliverySpec, wire: WireSpec = {}) {
  const event = spec.event ?? 'User.Created';
  const createdAt = spec.createdAt ?? spec.attempts[0]?.startedAt ?? Date.now();
  const eventId = recordId('evt');
  const deliveryId = recordId('dlv');
  const payload = spec.payload ?? { event, createdAt: new Date(createdAt).toISOString(), data: { id: 'u1' } };
  await db
    .insertInto('events')
    .values({ id: eventId, type: event, payload: JSON.stringify(payload), createdAt })
    .execute();
  const last = spec.attempts.at(-1);
  await db
    .insertInto('deliveries')
    .values({
      id: deliveryId,
      eventId,
      hookId,
      eventType: event,
      status: spec.status ?? (last?.isSuccess ? 'succeeded' : 'failed'),
      attempts: spec.attempts.length,
      nextAttemptAt: last?.nextAttemptAt ?? createdAt,
      lastStatus: last?.status ?? null,
      lastError: last?.error ?? null,
      createdAt,
      updatedAt: last?.startedAt ?? createdAt,
      completedAt: spec.status === 'pending' ? null : (last?.startedAt ?? null),
    })
    .execute();
  const attemptIds: string[] = [];
  for (const [index, attempt] of spec.attempts.entries()) {
    const attemptId = recordId('att');
    attemptIds.push(attemptId);
    await db
      .insertInto('deliveryAttempts')
      .values({
        id: attemptId,
        deliveryId,
        hookId,
        eventType: event,
        attempt: index + 1,
        isSuccess: attempt.isSuccess ? 1 : 0,
        startedAt: attempt.startedAt,
        durationMs: 12,
        requestUrl: wire.requestUrl ?? 'http://127.0.0.1:9/hook',
        requestHeaders: JSON.stringify(wire.requestHeaders ?? { 'content-type': 'application/json' }),
        responseStatus: attempt.status ?? null,
        responseHeaders:
          attempt.status === undefined ? null : JSON.stringify(wire.responseHeaders ?? { 'x-ok': '1' }),
        responseBody: attempt.status === undefined ? null : (attempt.body ?? ''),
        error: attempt.error ?? null,
        nextAttemptAt: attempt.nextAttemptAt ?? null,
      })
      .execute();
  }
  return { eventId, deliveryId, payload, attemptIds };
}
