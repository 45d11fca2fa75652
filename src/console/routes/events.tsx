import { Hono } from 'hono';
import { eventJsonSchemas } from '../../domain/event-schemas.js';
import { eventTypes, type EventType } from '../../domain/events.js';
import { buildTestPayload } from '../../domain/test-payloads.js';
import type { Clock } from '../../shared/clock.js';
import { frameOf, type ConsoleEnv } from '../context.js';
import { EventsPage, type EventDocs } from '../pages/events.js';

/** The hook id examples carry: a test send puts the real hook's id there. */
const EXAMPLE_HOOK_ID = 'your-hook-id';

/**
 * The Events page. Examples come from the test-send payload builder, so the page shows exactly
 * what "Send test payload" delivers; schemas are the JSON Schemas the OpenAPI document and the
 * receiver package publish, from the same definitions.
 */
export function eventsRoutes({ clock }: { clock: Clock }) {
  const app = new Hono<ConsoleEnv>();
  const schemas = eventJsonSchemas();
  const docsOf = (now: Date): Record<EventType, EventDocs> =>
    Object.fromEntries(
      eventTypes.map((event) => [
        event,
        {
          example: JSON.stringify(buildTestPayload(event, EXAMPLE_HOOK_ID, now), null, 2),
          schema: JSON.stringify(schemas[event], null, 2),
        },
      ]),
    ) as Record<EventType, EventDocs>;

  app.get('/events', (c) => c.html(<EventsPage frame={frameOf(c)} docs={docsOf(new Date(clock.now()))} />));
  return app;
}
