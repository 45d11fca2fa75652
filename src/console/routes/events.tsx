import { Hono } from 'hono';
import { eventTypes, type EventType } from '../../domain/events.js';
import { buildTestPayload } from '../../domain/test-payloads.js';
import type { Clock } from '../../shared/clock.js';
import { frameOf, type ConsoleEnv } from '../context.js';
import { EventsPage, type EventDocs } from '../pages/events.js';

/** The hook id examples carry: a test send puts the real hook's id there. */
const EXAMPLE_HOOK_ID = 'your-hook-id';

/**
 * The Events page. Examples come from the test-send payload builder, so the page shows exactly
 * what "Send test payload" delivers. To show JSON Schemas, set `schema` in `docsOf` (one line per
 * event; the page renders a `<pre>` for each event that has one).
 */
export function eventsRoutes({ clock }: { clock: Clock }) {
  const app = new Hono<ConsoleEnv>();
  const docsOf = (now: Date): Record<EventType, EventDocs> =>
    Object.fromEntries(
      eventTypes.map((event) => [
        event,
        {
          example: JSON.stringify(buildTestPayload(event, EXAMPLE_HOOK_ID, now), null, 2),
          schema: undefined,
        },
      ]),
    ) as Record<EventType, EventDocs>;

  app.get('/events', (c) => c.html(<EventsPage frame={frameOf(c)} docs={docsOf(new Date(clock.now()))} />));
  return app;
}
