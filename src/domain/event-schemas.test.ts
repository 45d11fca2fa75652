import { describe, expect, it } from 'vitest';
import { EVENT_PAYLOAD_SCHEMAS, eventJsonSchemas, payloadSchemaOf } from './event-schemas.js';
import { eventTypes } from './events.js';
import { hookDisabledEvent } from './hook-health.js';
import { bodyForHook } from './payloads.js';

const parseDelivered = (payload: Readonly<Record<string, unknown>>) =>
  JSON.parse(bodyForHook(JSON.stringify(payload), 'hook-1')) as unknown;

describe('event payload schemas', () => {
  it('accept the Hook.Disabled payload the builder makes', () => {
    const { payload } = hookDisabledEvent(
      { id: 'h1', name: 'Billing', url: 'https://example.com/h', failingSince: 1, lastFailureAt: 2 },
      Date.parse('2026-12-01T00:00:00.000Z'),
      432_000_000,
    );
    expect(EVENT_PAYLOAD_SCHEMAS['Hook.Disabled'].safeParse(parseDelivered(payload)).error).toBeUndefined();
  });

  it('refuse an unknown key, a missing hookId and a wrong event name', () => {
    const base = {
      event: 'Role.Deleted',
      createdAt: '2026-12-01T00:00:00.000Z',
      path: '/roles/r1',
      method: 'DELETE',
      status: 204,
      params: { id: 'r1' },
      matchedRoute: '/roles/:id',
      hookId: 'h',
    };
    const schema = EVENT_PAYLOAD_SCHEMAS['Role.Deleted'];
    expect(schema.safeParse(base).success).toBe(true);
    expect(schema.safeParse({ ...base, surprise: 1 }).success).toBe(false);
    expect(schema.safeParse({ ...base, hookId: undefined }).success).toBe(false);
    expect(schema.safeParse({ ...base, event: 'Role.Created' }).success).toBe(false);
  });

  it('convert to self-contained JSON Schemas (no $ref, no $defs) titled by event', () => {
    const schemas = eventJsonSchemas();
    expect(Object.keys(schemas)).toEqual([...eventTypes]);
    for (const event of eventTypes) {
      const text = JSON.stringify(schemas[event]);
      expect(text, event).not.toContain('"$ref"');
      expect(text, event).not.toContain('"$defs"');
      expect(schemas[event].title, event).toBe(event);
    }
  });

  it('look up by name, and not outside the catalog', () => {
    expect(payloadSchemaOf('User.Created')).toBe(EVENT_PAYLOAD_SCHEMAS['User.Created']);
    expect(payloadSchemaOf('toString')).toBeUndefined();
    expect(payloadSchemaOf('User.Exploded')).toBeUndefined();
  });
});
