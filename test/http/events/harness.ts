import { expect } from 'vitest';
import { dataEvents, idhooksDataEvents } from '../../../src/domain/events.js';
import { bodyForHook } from '../../../src/domain/payloads.js';
import { newSecret, newStandardId } from '../../../src/shared/ids.js';
import { expectStatus } from '../../helpers/api.js';
import { eventSchemaProblems } from '../../helpers/event-schemas.js';
import type { TestEnv } from '../../helpers/test-db.js';

/** One committed event: its type and its payload as stored (the JSON sent, minus `hookId`). */
export interface CommittedEvent {
  readonly id: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly json: string;
}

/** Logto's data events and idhooks' additions: what the harness hook subscribes to. */
export const ALL_DATA_EVENTS = [...dataEvents, ...idhooksDataEvents] as const;

/** The route context a Management API payload repeats (docs/events.md#management-api-routes-and-their-events). */
export interface RouteContext {
  readonly method: string;
  readonly matchedRoute: string;
  readonly params: Record<string, string>;
  readonly status: number;
}

export const USER_AGENT = 'idhooks-tests/1.0';

/** `/roles/:id` + `{ id: 'r1' }` → `/roles/r1`. */
const fillPath = (route: string, params: Record<string, string>) =>
  route.replace(/:(\w+)/g, (_, name: string) => params[name] ?? `:${name}`);

export const route = (
  method: string,
  matchedRoute: string,
  params: Record<string, string>,
  status: number,
): RouteContext => ({ method, matchedRoute, params, status });

/**
 * Drives the API with a hook subscribed to every data event and reads back what each request
 * committed: the `events` rows (in insertion order) and the hook's deliveries for them.
 */
export function createHarness(env: TestEnv) {
  let hookId: string | undefined;

  async function subscribe(): Promise<string> {
    if (hookId) return hookId;
    const id = newStandardId();
    const now = Date.now();
    const db = env.container.database.db;
    await db
      .insertInto('hooks')
      .values({
        id,
        name: 'all data events',
        event: null,
        events: JSON.stringify(ALL_DATA_EVENTS),
        config: JSON.stringify({ url: 'https://receiver.example.com/hook' }),
        signingKey: newSecret(),
        enabled: 1,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    await db
      .insertInto('hookSubscriptions')
      .values(ALL_DATA_EVENTS.map((event) => ({ hookId: id, event })))
      .execute();
    hookId = id;
    return id;
  }

  /** Every event id, in storage (insertion) order: the table is append-only in these tests. */
  const eventRows = () =>
    env.container.database.db.selectFrom('events').select(['id', 'type', 'payload']).execute();

  return {
    api: env.api,
    subscribe,

    /** Runs `action` and returns its response with the events it committed, oldest first. */
    async capture(
      action: () => Promise<Response>,
    ): Promise<{ response: Response; events: CommittedEvent[] }> {
      const hook = await subscribe();
      const before = new Set((await eventRows()).map((row) => row.id));
      const response = await action();
      const fresh = (await eventRows()).filter((row) => !before.has(row.id));
      const events = fresh.map((row) => ({
        id: row.id,
        type: row.type,
        json: row.payload,
        payload: JSON.parse(row.payload) as Record<string, unknown>,
      }));
      for (const event of events) {
        // The body this hook is sent, checked against the JSON Schema receivers are given.
        expect(
          eventSchemaProblems(bodyForHook(event.json, hook)),
          `${event.type} matches its schema`,
        ).toEqual([]);
      }
      if (events.length > 0) {
        const deliveries = await env.container.database.db
          .selectFrom('deliveries')
          .select('eventId')
          .where('hookId', '=', hook)
          .where(
            'eventId',
            'in',
            events.map((e) => e.id),
          )
          .execute();
        expect(
          deliveries.map((d) => d.eventId).sort(),
          'one delivery per event for the subscribed hook',
        ).toEqual(events.map((e) => e.id).sort());
      }
      return { response, events };
    },

    /** Creates something through the API without capturing, returning the parsed body. */
    async create<T>(path: string, body: unknown, status = 201): Promise<T> {
      return expectStatus<T>(await env.api('POST', path, body), status);
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;

/**
 * Checks one Management API payload field by field and in Logto's key order (docs/events.md#payloads):
 * `event, createdAt, userAgent, …lead, path, method, status, params, matchedRoute, …tail`. No `ip`:
 * `app.request()` has no socket. `lead`/`tail` values are compared as JSON, so their nested key
 * order is checked too.
 */
export function expectManagementPayload(
  event: CommittedEvent | undefined,
  type: string,
  context: RouteContext,
  { lead = {}, tail = {} }: { lead?: Record<string, unknown>; tail?: Record<string, unknown> } = {},
) {
  expect(event, `expected a committed ${type}`).toBeDefined();
  const { payload, type: storedType } = event!;
  expect(storedType).toBe(type);
  const keys = [
    'event',
    'createdAt',
    'userAgent',
    ...Object.keys(lead),
    'path',
    'method',
    'status',
    'params',
    'matchedRoute',
    ...Object.keys(tail),
  ];
  expect(Object.keys(payload)).toEqual(keys);
  expect(payload.event).toBe(type);
  expect(typeof payload.createdAt).toBe('string');
  expect(new Date(payload.createdAt as string).toISOString()).toBe(payload.createdAt);
  expect(payload.userAgent).toBe(USER_AGENT);
  expect(payload.path).toBe(fillPath(context.matchedRoute, context.params));
  expect(payload.method).toBe(context.method);
  expect(payload.status).toBe(context.status);
  expect(JSON.stringify(payload.params)).toBe(JSON.stringify(context.params));
  expect(payload.matchedRoute).toBe(context.matchedRoute);
  for (const [key, value] of Object.entries({ ...lead, ...tail })) {
    expect(JSON.stringify(payload[key]), key).toBe(JSON.stringify(value));
  }
  expect(payload).not.toHaveProperty('hookId');
}

/** Checks the request committed exactly these event types, in this order. */
export function expectTypes(events: readonly CommittedEvent[], types: readonly string[]) {
  expect(events.map((e) => e.type)).toEqual(types);
}

/** `'POST /roles Role.Created'`: the key a scenario covers, matching a MANAGEMENT_API_EVENTS row. */
export const rowKey = (method: string, routePath: string, event: string) => `${method} ${routePath} ${event}`;

export interface Scenario {
  readonly title: string;
  /** The MANAGEMENT_API_EVENTS rows this scenario drives. */
  readonly covers: readonly string[];
  run(h: Harness): Promise<void>;
}
