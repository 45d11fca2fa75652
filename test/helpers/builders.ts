/**
 * Fixture builders for delivery tests. Hooks are inserted straight into the tables (the shape the
 * hooks API stores: Logto's `config` JSON plus one hook_subscriptions row per event), so delivery
 * tests do not depend on the hooks API.
 */
import type { Db } from '../../src/storage/db.js';
import type { Container } from '../../src/container.js';
import type { EventType } from '../../src/domain/events.js';
import { newSecret, newStandardId } from '../../src/shared/ids.js';

export interface HookFixture {
  readonly id: string;
  readonly signingKey: string;
  readonly url: string;
}

export interface HookOptions {
  readonly url: string;
  readonly events?: readonly EventType[];
  readonly headers?: Record<string, string>;
  readonly signingKey?: string;
  readonly previousSigningKeys?: readonly { key: string; expiresAt: number }[];
  readonly isEnabled?: boolean;
  readonly name?: string;
  readonly now?: number;
}

/** Inserts an enabled hook (subscribed to `User.Created` unless told otherwise). */
export async function insertHook(db: Db, options: HookOptions): Promise<HookFixture> {
  const id = newStandardId();
  const signingKey = options.signingKey ?? newSecret();
  const events = options.events ?? ['User.Created'];
  const now = options.now ?? Date.now();
  await db
    .insertInto('hooks')
    .values({
      id,
      name: options.name ?? 'test hook',
      event: null,
      events: JSON.stringify(events),
      config: JSON.stringify({ url: options.url, ...(options.headers ? { headers: options.headers } : {}) }),
      signingKey,
      previousSigningKeys: JSON.stringify(options.previousSigningKeys ?? []),
      enabled: options.isEnabled === false ? 0 : 1,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  await db
    .insertInto('hookSubscriptions')
    .values(events.map((event) => ({ hookId: id, event })))
    .execute();
  return { id, signingKey, url: options.url };
}

export async function setHookEnabled(db: Db, hookId: string, isEnabled: boolean): Promise<void> {
  await db
    .updateTable('hooks')
    .set({ enabled: isEnabled ? 1 : 0 })
    .where('id', '=', hookId)
    .execute();
}

/** A minimal Management-API-shaped payload; enough for delivery tests, which never parse it. */
export const samplePayload = (n: number, type: EventType = 'User.Created') => ({
  event: type,
  createdAt: new Date(0).toISOString(),
  path: '/users',
  method: 'POST',
  status: 200,
  params: {},
  matchedRoute: '/users',
  data: { id: `user${n}`, username: `user_${n}` },
});

/**
 * Appends `count` events (with their deliveries) in one transaction through the real repo, then
 * wakes the engine as a service commit would. Returns the event ids.
 */
export async function appendEvents(
  container: Container,
  count = 1,
  type: EventType = 'User.Created',
): Promise<string[]> {
  const ids: string[] = [];
  let queued = 0;
  await container.database.db.transaction().execute(async (tx) => {
    for (let i = 0; i < count; i++) {
      const appended = await container.repos.events.appendEvent(
        tx,
        { type, payload: samplePayload(i, type) },
        container.clock.now(),
      );
      ids.push(appended.eventId);
      queued += appended.deliveryCount;
    }
  });
  if (queued > 0) container.delivery.engine.wake();
  return ids;
}

export interface DeliveryRow {
  readonly id: string;
  readonly hookId: string;
  readonly status: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lockedBy: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly completedAt: number | null;
}

export async function listDeliveries(db: Db, hookId?: string): Promise<DeliveryRow[]> {
  return db
    .selectFrom('deliveries')
    .select([
      'id',
      'hookId',
      'status',
      'attempts',
      'nextAttemptAt',
      'lockedBy',
      'lastStatus',
      'lastError',
      'completedAt',
    ])
    .$if(hookId !== undefined, (q) => q.where('hookId', '=', hookId ?? ''))
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

export async function listAttempts(db: Db, deliveryId?: string) {
  const rows = await db
    .selectFrom('deliveryAttempts')
    .selectAll()
    .$if(deliveryId !== undefined, (q) => q.where('deliveryId', '=', deliveryId ?? ''))
    .orderBy('startedAt')
    .orderBy('attempt')
    .execute();
  return rows.map((row) => ({
    ...row,
    isSuccess: Boolean(row.isSuccess),
    requestHeaders: JSON.parse(row.requestHeaders) as Record<string, string>,
    responseHeaders: row.responseHeaders ? (JSON.parse(row.responseHeaders) as Record<string, string>) : null,
  }));
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until every delivery (of a hook, or all) is in one of `statuses`. */
export async function waitForDeliveries(
  db: Db,
  statuses: readonly string[],
  { hookId, timeoutMs = 10_000 }: { hookId?: string; timeoutMs?: number } = {},
): Promise<DeliveryRow[]> {
  return eventually(
    async () => {
      const rows = await listDeliveries(db, hookId);
      return rows.length > 0 && rows.every((row) => statuses.includes(row.status)) ? rows : undefined;
    },
    { timeoutMs, what: `deliveries in ${statuses.join('|')}` },
  );
}
