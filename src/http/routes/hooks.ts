import { createRoute, z } from '@hono/zod-openapi';
import { eventTypeSchema } from '../../domain/events.js';
import { hookConfigSchema, hookNameSchema } from '../../domain/hooks.js';
import type { HooksService } from '../../services/hooks.js';
import { createRouter, errorResponseSchema, errorResponses, notFoundResponse } from '../openapi.js';
import { paginationQuerySchema, parsePagination, setPaginationHeaders } from '../pagination.js';
import type { AppContext } from '../context.js';
import { jsonBody, jsonResponse } from '../route-helpers.js';

/**
 * Logto's `yes()`: the query flags Logto reads this way are on for these words only, any case.
 * `GET /hooks/:id` is the exception (any non-empty value), as in Logto (docs/compatibility.md#hooks-api, docs/compatibility.md#compatibility-choices).
 */
const YES_WORDS: ReadonlySet<string> = new Set(['1', 'true', 'y', 'yes', 'yep', 'yeah']);
export const isYes = (value: string | undefined): boolean =>
  value !== undefined && YES_WORDS.has(value.toLowerCase());

const hookConfigResponseSchema = z
  .object({
    url: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    retries: z.number().optional(),
    timeoutMs: z.number().optional().openapi({
      description: 'Blocking events only: the most to wait for a decision, in ms (default 2000, max 5000).',
    }),
    failurePolicy: z.enum(['open', 'closed']).optional().openapi({
      description:
        'Blocking events only: "open" (default) goes on when a call fails, "closed" stops the flow.',
    }),
    ordering: z
      .enum(['none', 'perKey'])
      .optional()
      .openapi({ description: 'idhooks addition: `perKey` delivers in commit order per entity.' }),
  })
  .openapi('HookConfig');

/**
 * The Management API's hook, in Logto's key order. Parsing drops everything undeclared, such as
 * the previous signing keys kept for rotation.
 */
export const hookSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    event: eventTypeSchema.nullable().openapi({ description: 'Deprecated: use `events`.' }),
    events: z.array(eventTypeSchema),
    config: hookConfigResponseSchema,
    signingKey: z.string(),
    enabled: z.boolean(),
    createdAt: z.number().openapi({ description: 'Epoch milliseconds.' }),
    executionStats: z
      .object({ requestCount: z.number(), successCount: z.number() })
      .optional()
      .openapi({ description: 'Attempts in the last 24 hours; present when requested.' }),
  })
  .openapi('Hook');
export type HookResponse = z.infer<typeof hookSchema>;

const eventsInputSchema = z
  .array(eventTypeSchema)
  .min(1)
  .openapi({ description: 'Non-empty; repeated events are removed.' });

/**
 * Domain schemas are built before @hono/zod-openapi patches zod, so they carry no `.openapi()`;
 * they are inlined in the document as they are. `config.url` must be an absolute http(s) URL,
 * `config.retries` (0-3) is stored for compatibility only.
 */
const configInputSchema = hookConfigSchema;

export const createHookBodySchema = z
  .strictObject({
    name: hookNameSchema.optional(),
    event: eventTypeSchema.nullable().optional().openapi({ description: 'Deprecated: use `events`.' }),
    events: eventsInputSchema.optional(),
    config: configInputSchema,
    enabled: z.boolean().optional(),
  })
  .openapi('CreateHook');
export type CreateHookRequest = z.infer<typeof createHookBodySchema>;

export const updateHookBodySchema = z
  .strictObject({
    name: hookNameSchema.optional(),
    event: eventTypeSchema.nullable().optional().openapi({ description: 'Deprecated; null clears it.' }),
    events: eventsInputSchema.optional(),
    config: configInputSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('UpdateHook');
export type UpdateHookRequest = z.infer<typeof updateHookBodySchema>;

export const testHookBodySchema = z
  .strictObject({ events: eventsInputSchema, config: configInputSchema })
  .openapi('TestHook');
export type TestHookRequest = z.infer<typeof testHookBodySchema>;

const hookIdParams = z.object({ id: z.string().min(1).max(128) });
const statsFlag = z.string().optional();
const testFailedResponse = {
  422: {
    description:
      'hook.endpoint_responded_with_error (data: responseStatus, responseBody) or hook.send_test_payload_failed',
    content: { 'application/json': { schema: errorResponseSchema } },
  },
} as const;
const tags = ['Hooks'];

/**
 * Set on a created or updated hook whose URL the delivery guard would refuse (IDHOOKS_ALLOW_PRIVATE_TARGETS):
 * the hook is saved, as in Logto, but every delivery would fail, so the client is told at once.
 */
export const TARGET_WARNING_HEADER = 'x-idhooks-warning';

const TARGET_WARNING_NOTE = `When deliveries to \`config.url\` would be refused (a loopback, private or link-local address not allowed by IDHOOKS_ALLOW_PRIVATE_TARGETS), the hook is still saved and the response carries an \`${TARGET_WARNING_HEADER}\` header saying why.`;

const warningHeader = z.object({
  [TARGET_WARNING_HEADER]: z
    .string()
    .optional()
    .openapi({ description: 'Why deliveries to this hook would be refused; absent when they would go.' }),
});

const routes = {
  list: createRoute({
    method: 'get',
    path: '/hooks',
    tags,
    summary: 'List hooks',
    description: 'Newest first. Without `page` and `page_size`, every hook is returned.',
    request: {
      query: paginationQuerySchema.extend({
        includeExecutionStats: statsFlag.openapi({ description: '1, true, y, yes, yep or yeah (any case).' }),
      }),
    },
    responses: { 200: jsonResponse(z.array(hookSchema), 'Hooks, newest first'), ...errorResponses },
  }),
  create: createRoute({
    method: 'post',
    path: '/hooks',
    tags,
    summary: 'Create a hook',
    request: { body: jsonBody(createHookBodySchema) },
    description: TARGET_WARNING_NOTE,
    responses: {
      201: { ...jsonResponse(hookSchema, 'The created hook, with its signing key'), headers: warningHeader },
      ...errorResponses,
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/hooks/{id}',
    tags,
    summary: 'Get a hook',
    request: {
      params: hookIdParams,
      query: z.object({
        includeExecutionStats: statsFlag.openapi({ description: 'Any non-empty value adds the stats.' }),
      }),
    },
    responses: { 200: jsonResponse(hookSchema, 'The hook'), ...errorResponses, ...notFoundResponse },
  }),
  update: createRoute({
    method: 'patch',
    path: '/hooks/{id}',
    tags,
    summary: 'Update a hook',
    description: `\`events\`, \`config\` and \`event\` are replaced as a whole, not merged. ${TARGET_WARNING_NOTE}`,
    request: { params: hookIdParams, body: jsonBody(updateHookBodySchema) },
    responses: {
      200: { ...jsonResponse(hookSchema, 'The updated hook'), headers: warningHeader },
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  signingKey: createRoute({
    method: 'patch',
    path: '/hooks/{id}/signing-key',
    tags,
    summary: "Regenerate a hook's signing key",
    description:
      'The old key keeps signing `webhook-signature` for IDHOOKS_SIGNING_KEY_GRACE_SECONDS; `logto-signature-sha-256` uses the new key at once.',
    request: { params: hookIdParams },
    responses: {
      200: jsonResponse(hookSchema, 'The hook with its new key'),
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/hooks/{id}',
    tags,
    summary: 'Delete a hook',
    description: "Deliveries still waiting end as failed; the hook's history stays readable.",
    request: { params: hookIdParams },
    responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse },
  }),
  test: createRoute({
    method: 'post',
    path: '/hooks/{id}/test',
    tags,
    summary: 'Send test payloads',
    description:
      "One request per event to the given (possibly unsaved) config, signed with the hook's key. Not recorded.",
    request: { params: hookIdParams, body: jsonBody(testHookBodySchema) },
    responses: {
      204: { description: 'Every test request got a 2xx' },
      ...errorResponses,
      ...notFoundResponse,
      ...testFailedResponse,
    },
  }),
};

async function warnAboutTarget(
  c: AppContext,
  hooks: HooksService,
  hook: { id: string; config: { url: string } },
) {
  const warning = await hooks.targetWarning(hook.config.url);
  if (warning === undefined) return;
  c.header(TARGET_WARNING_HEADER, warning);
  c.var.logger.warn(
    { hookId: hook.id, url: hook.config.url },
    `hook ${hook.id}: deliveries to its URL will be ${warning}`,
  );
}

/** Hooks Management API (docs/compatibility.md#hooks-api). Responses are parsed through their schema. */
export function hooksRoutes(hooks: HooksService) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { includeExecutionStats, ...paging } = c.req.valid('query');
      const isPaginated = paging.page !== undefined || paging.page_size !== undefined;
      const pagination = isPaginated ? parsePagination(paging) : undefined;
      const { items, total } = await hooks.listHooks({
        page: pagination,
        includeExecutionStats: isYes(includeExecutionStats),
      });
      if (pagination) setPaginationHeaders(c, pagination, total);
      return c.json(z.array(hookSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      const hook = await hooks.createHook(c.req.valid('json'));
      await warnAboutTarget(c, hooks, hook);
      return c.json(hookSchema.parse(hook), 201);
    })
    .openapi(routes.get, async (c) => {
      const includeExecutionStats = Boolean(c.req.valid('query').includeExecutionStats);
      const hook = await hooks.getHook(c.req.valid('param').id, { includeExecutionStats });
      return c.json(hookSchema.parse(hook), 200);
    })
    .openapi(routes.update, async (c) => {
      const hook = await hooks.updateHook(c.req.valid('param').id, c.req.valid('json'));
      await warnAboutTarget(c, hooks, hook);
      return c.json(hookSchema.parse(hook), 200);
    })
    .openapi(routes.signingKey, async (c) => {
      return c.json(hookSchema.parse(await hooks.regenerateSigningKey(c.req.valid('param').id)), 200);
    })
    .openapi(routes.delete, async (c) => {
      await hooks.deleteHook(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.test, async (c) => {
      await hooks.testHook(c.req.valid('param').id, c.req.valid('json'));
      return c.body(null, 204);
    });
}
