import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { eventTypeSchema } from '../../domain/events.js';
import { DELIVERY_STATUSES } from '../../domain/delivery.js';
import type { HookLogsService } from '../../services/hook-logs.js';
import { createRouter, errorResponses, notFoundResponse } from '../openapi.js';
import {
  paginationQuerySchema,
  parsePagination,
  setPaginationHeaders,
  type Pagination,
} from '../pagination.js';
import { isYes } from './hooks.js';
import { jsonResponse } from '../route-helpers.js';

/** Unix milliseconds in a query string; non-finite values are a 400 `guard.invalid_input`. */
const unixMsSchema = z
  .string()
  .refine((value) => value.trim() !== '' && Number.isFinite(Number(value)), {
    message: 'must be a unix timestamp in milliseconds',
  })
  .optional();

const timeQuery = {
  start_time: unixMsSchema.openapi({ description: 'Unix ms, inclusive.' }),
  end_time: unixMsSchema.openapi({ description: 'Unix ms, inclusive; not before start_time.' }),
};

const toRange = (query: { start_time?: string; end_time?: string }) => ({
  from: query.start_time === undefined ? undefined : Number(query.start_time),
  to: query.end_time === undefined ? undefined : Number(query.end_time),
});

/** A delivery log row as Logto's `GET /api/hooks/:id/recent-logs` returns it (docs/compatibility.md#hooks-and-their-log). */
export const hookLogSchema = z
  .object({
    id: z.string(),
    key: z.string().openapi({ example: 'TriggerHook.User.Created' }),
    payload: z.object({
      key: z.string(),
      result: z.enum(['Success', 'Error']),
      hookId: z.string(),
      hookRequest: z.object({ body: z.unknown().openapi({ description: 'The payload object sent.' }) }),
      response: z
        .object({
          statusCode: z.number(),
          body: z.unknown().openapi({ description: 'Parsed JSON when the body parses, else the text.' }),
        })
        .optional(),
      error: z.string().optional(),
    }),
    createdAt: z.number().openapi({ description: 'When the attempt started, epoch ms.' }),
  })
  .openapi('HookLog');
export type HookLogResponse = z.infer<typeof hookLogSchema>;

const headersSchema = z.record(z.string(), z.string());

export const deliveryAttemptSchema = z
  .object({
    id: z.string(),
    attempt: z.number(),
    result: z.enum(['Success', 'Error']),
    startedAt: z.number(),
    durationMs: z.number(),
    request: z.object({ url: z.string(), headers: headersSchema, body: z.string() }),
    response: z.object({ status: z.number(), headers: headersSchema, body: z.string() }).nullable(),
    error: z.string().nullable(),
    nextAttemptAt: z.number().nullable(),
    decision: z.enum(['allow', 'deny', 'skipped', 'unavailable']).optional().openapi({
      description:
        "Blocking calls only (docs/blocking-hooks.md): the receiver's decision, or what the failure policy made of a failed call.",
    }),
  })
  .openapi('DeliveryAttempt');

export const deliverySchema = z
  .object({
    id: z.string(),
    hookId: z.string(),
    eventId: z.string(),
    event: eventTypeSchema,
    status: z.enum(DELIVERY_STATUSES),
    attemptCount: z.number(),
    nextAttemptAt: z.number().nullable(),
    lastResponseStatus: z.number().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    completedAt: z.number().nullable(),
    orderingKey: z.string().nullable().openapi({
      description: "A perKey hook's delivery: the entity it is delivered in order with (`user:<id>`, …).",
    }),
    waitingOn: z.string().nullable().openapi({
      description:
        'Set while the delivery waits for its key: the open delivery of the same key that goes first.',
    }),
    attempts: z.array(deliveryAttemptSchema).optional(),
  })
  .openapi('Delivery');
export type DeliveryResponse = z.infer<typeof deliverySchema>;

const hookIdParams = z.object({ id: z.string().min(1).max(128) });
const tags = ['Hooks'];

const routes = {
  recentLogs: createRoute({
    method: 'get',
    path: '/hooks/{id}/recent-logs',
    tags,
    summary: "List a hook's recent delivery logs",
    description:
      'One row per delivery attempt, newest first. Without start_time and end_time, the last 24 hours.',
    request: {
      params: hookIdParams,
      query: paginationQuerySchema.extend({
        logKey: z.string().optional().openapi({ description: 'Exact key, e.g. TriggerHook.User.Created.' }),
        ...timeQuery,
        enableCap: z.string().optional().openapi({
          description:
            'yes(): above 10000 matches, Total-Number reads 10001 and Total-Number-Is-Capped true.',
        }),
      }),
    },
    responses: { 200: jsonResponse(z.array(hookLogSchema), 'Log rows, newest first'), ...errorResponses },
  }),
  deliveries: createRoute({
    method: 'get',
    path: '/hooks/{id}/deliveries',
    tags,
    summary: "List a hook's deliveries",
    description: 'Newest first; start_time and end_time bound when the delivery was created.',
    request: {
      params: hookIdParams,
      query: paginationQuerySchema.extend({
        event: eventTypeSchema.optional(),
        status: z.enum(DELIVERY_STATUSES).optional(),
        ...timeQuery,
        includeAttempts: z.string().optional().openapi({ description: '1, true, y, yes, yep or yeah.' }),
      }),
    },
    responses: { 200: jsonResponse(z.array(deliverySchema), 'Deliveries, newest first'), ...errorResponses },
  }),
  delivery: createRoute({
    method: 'get',
    path: '/hooks/{id}/deliveries/{deliveryId}',
    tags,
    summary: 'Get a delivery with all its attempts',
    request: { params: hookIdParams.extend({ deliveryId: z.string().min(1).max(64) }) },
    responses: {
      200: jsonResponse(deliverySchema, 'The delivery, attempts in order'),
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
};

/**
 * Pagination headers when the count is capped: `Total-Number: 10001`, the cap flag, and a Link
 * header without `next` and `last`, which a capped count cannot know (docs/compatibility.md#hooks-api).
 */
function setCappedPaginationHeaders(c: Context, { page, pageSize }: Pagination, total: number): void {
  c.header('Total-Number', String(total));
  c.header('Total-Number-Is-Capped', 'true');
  const url = new URL(c.req.url);
  const link = (p: number, rel: string) => {
    url.searchParams.set('page', String(p));
    url.searchParams.set('page_size', String(pageSize));
    return `<${url.pathname}${url.search}>; rel="${rel}"`;
  };
  c.header('Link', [link(1, 'first'), ...(page > 1 ? [link(page - 1, 'prev')] : [])].join(', '));
}

/** A hook's delivery history: Logto's recent-logs, and every delivery with its attempts. */
export function hookLogsRoutes(logs: HookLogsService) {
  return createRouter()
    .openapi(routes.recentLogs, async (c) => {
      const query = c.req.valid('query');
      const pagination = parsePagination(query);
      const { items, total, isCapped } = await logs.listRecentLogs(c.req.valid('param').id, {
        ...pagination,
        ...toRange(query),
        logKey: query.logKey,
        enableCap: isYes(query.enableCap),
      });
      if (isCapped) setCappedPaginationHeaders(c, pagination, total);
      else setPaginationHeaders(c, pagination, total);
      return c.json(z.array(hookLogSchema).parse(items), 200);
    })
    .openapi(routes.deliveries, async (c) => {
      const query = c.req.valid('query');
      const pagination = parsePagination(query);
      const { items, total } = await logs.listDeliveries(c.req.valid('param').id, {
        ...pagination,
        ...toRange(query),
        event: query.event,
        status: query.status,
        includeAttempts: isYes(query.includeAttempts),
      });
      setPaginationHeaders(c, pagination, total);
      return c.json(z.array(deliverySchema).parse(items), 200);
    })
    .openapi(routes.delivery, async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      return c.json(deliverySchema.parse(await logs.getDelivery(id, deliveryId)), 200);
    });
}
