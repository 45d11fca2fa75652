import { createRoute, z } from '@hono/zod-openapi';
import { expandEventFilter, parseCursor } from '../../domain/event-feed.js';
import type { EventFeedService, FeedSignal } from '../../services/event-feed.js';
import { AppError } from '../../shared/errors.js';
import { createRouter, errorResponseSchema, errorResponses } from '../openapi.js';
import { jsonResponse } from '../route-helpers.js';
import { streamFeed, type FeedStreamOptions } from '../feed-stream.js';

export const FEED_MAX_LIMIT = 1000;
export const FEED_DEFAULT_LIMIT = 100;

const afterSchema = z.string().refine((value) => value === 'latest' || parseCursor(value) !== undefined, {
  message: 'must be a cursor this feed returned (digits-digits) or "latest"',
});

const eventsFilterSchema = z.string().transform((value, ctx) => {
  const result = expandEventFilter(value);
  if (result.ok) return result.events;
  ctx.addIssue({ code: 'custom', message: result.message });
  return z.NEVER;
});

const limitSchema = z
  .string()
  .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${FEED_MAX_LIMIT}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(FEED_MAX_LIMIT));

const streamQuerySchema = z.strictObject({
  after: afterSchema.optional().openapi({
    description:
      'Continue after this cursor; `latest` for new events only; omitted, from the oldest event kept. A `Last-Event-ID` header takes precedence.',
  }),
  events: eventsFilterSchema.optional().openapi({
    description: 'Comma-separated event names, `Prefix.*` or `*`, e.g. `User.*,PostSignIn`.',
    type: 'string',
  }),
});

const listQuerySchema = streamQuerySchema.extend({
  limit: limitSchema.optional().openapi({
    description: `At most this many events, 1 to ${FEED_MAX_LIMIT} (default ${FEED_DEFAULT_LIMIT}).`,
  }),
});

export const feedEventSchema = z
  .object({
    id: z.string().openapi({ example: 'evt_01jd8x5v6n0000000000000000' }),
    sequence: z
      .number()
      .openapi({ description: 'Unique and stable; the cursor, not this, gives the order.' }),
    cursor: z.string().openapi({ description: 'Resume after this event with `after=<cursor>`.' }),
    event: z.string().openapi({ example: 'User.Created' }),
    createdAt: z.number().openapi({ description: 'When the event was appended, epoch ms.' }),
    payload: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The payload delivered to hooks, without `hookId`.' }),
  })
  .openapi('FeedEvent');

export const feedPageSchema = z
  .object({
    events: z.array(feedEventSchema),
    cursor: z.string().openapi({ description: 'Continue from here: pass it as `after`.' }),
    hasMore: z.boolean().openapi({ description: 'The page was cut at `limit`; ask again at once.' }),
  })
  .openapi('FeedPage');
export type FeedPageResponse = z.infer<typeof feedPageSchema>;

const goneResponse = {
  410: {
    description: 'feed.cursor_expired: retention removed events after the cursor; `data.oldestCursor`',
    content: { 'application/json': { schema: errorResponseSchema } },
  },
} as const;

const tags = ['Events'];
const routes = {
  list: createRoute({
    method: 'get',
    path: '/events',
    operationId: 'ListEvents',
    tags,
    summary: 'Read the events feed',
    description:
      'Committed events in commit order. A consumer that passes back `cursor` as `after` sees every event exactly once, across restarts and with several nodes writing.',
    request: { query: listQuerySchema },
    responses: {
      200: jsonResponse(feedPageSchema, 'A page of events and the cursor to continue from'),
      ...errorResponses,
      ...goneResponse,
    },
  }),
  stream: createRoute({
    method: 'get',
    path: '/events/stream',
    operationId: 'StreamEvents',
    tags,
    summary: 'Follow the events feed (server-sent events)',
    description:
      'The same events as `GET /events`, live, as `text/event-stream`: each message has `id: <cursor>` and `data: <FeedEvent JSON>`; idle streams get comment heartbeats. Reconnecting with `Last-Event-ID` resumes after that event.',
    request: {
      query: streamQuerySchema,
      headers: z.object({ 'last-event-id': afterSchema.optional() }),
    },
    responses: {
      200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
      ...errorResponses,
      ...goneResponse,
    },
  }),
};

const toResponse = (event: { payload: string }) => ({
  ...event,
  payload: JSON.parse(event.payload) as unknown,
});

/** `GET /api/events` and `GET /api/events/stream`. */
export function eventsRoutes(feed: EventFeedService, signal: FeedSignal, options: FeedStreamOptions) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const page = await feed.readEvents({
        after: query.after,
        limit: query.limit ?? FEED_DEFAULT_LIMIT,
        events: query.events,
      });
      return c.json(feedPageSchema.parse({ ...page, events: page.events.map(toResponse) }), 200);
    })
    .openapi(routes.stream, async (c) => {
      const query = c.req.valid('query');
      const lastEventId = c.req.valid('header')['last-event-id'];
      if (lastEventId === 'latest') {
        throw new AppError('guard.invalid_input', { message: 'Last-Event-ID: must be a cursor.' });
      }
      // The first page is read before the stream opens, so a bad or expired cursor is an ordinary
      // 400/410 response rather than an error inside a 200 stream.
      const after = lastEventId ?? query.after;
      const first = await feed.readEvents({
        after,
        limit: FEED_DEFAULT_LIMIT,
        events: query.events,
      });
      return streamFeed(c, {
        after,
        first,
        read: (after) => feed.readEvents({ after, limit: FEED_DEFAULT_LIMIT, events: query.events }),
        signal,
        options,
      });
    });
}
