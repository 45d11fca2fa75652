import { createRoute, z } from '@hono/zod-openapi';
import type { DeliveryReplayService } from '../../services/delivery-replay.js';
import type { Clock } from '../../shared/clock.js';
import { createRouter, errorResponseSchema, errorResponses, notFoundResponse } from '../openapi.js';
import { jsonBody, jsonResponse } from '../route-helpers.js';
import { deliverySchema } from './hook-logs.js';

const epochMs = z.number().int().min(0).max(8.64e15);

export const recoverBodySchema = z
  .strictObject({
    since: epochMs.openapi({ description: 'Epoch ms, inclusive: deliveries created at or after this.' }),
    until: epochMs
      .optional()
      .openapi({ description: 'Epoch ms, inclusive; defaults to now. Not before `since`.' }),
  })
  .openapi('RecoverDeliveries');

const conflictResponse = {
  409: {
    description: 'hook.disabled, or delivery.in_progress while a node is sending it',
    content: { 'application/json': { schema: errorResponseSchema } },
  },
} as const;
const hookIdParams = z.object({ id: z.string().min(1).max(128) });
const tags = ['Hooks'];

const routes = {
  resend: createRoute({
    method: 'post',
    path: '/hooks/{id}/deliveries/{deliveryId}/resend',
    tags,
    summary: 'Resend a delivery',
    description:
      'Makes the delivery due now with a fresh retry schedule, whatever its status (succeeded, failed or waiting for a retry). The engine sends it as a new attempt of the same delivery: same body, same `webhook-id`.',
    request: { params: hookIdParams.extend({ deliveryId: z.string().min(1).max(64) }) },
    responses: {
      202: jsonResponse(deliverySchema, 'The delivery, queued for a new attempt'),
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
    },
  }),
  recover: createRoute({
    method: 'post',
    path: '/hooks/{id}/deliveries/recover',
    tags,
    summary: 'Recover failed deliveries',
    description:
      'Resends every `failed` delivery of the hook created between `since` and `until`, each as a new attempt with a fresh retry schedule.',
    request: { params: hookIdParams, body: jsonBody(recoverBodySchema) },
    responses: {
      202: jsonResponse(
        z.object({ recovered: z.number().openapi({ description: 'Deliveries queued again.' }) }),
        'How many deliveries were queued again',
      ),
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
    },
  }),
};

/** Resend one delivery; recover a hook's failed deliveries in a time range. */
export function deliveryReplayRoutes(replay: DeliveryReplayService, clock: Clock) {
  return createRouter()
    .openapi(routes.resend, async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      return c.json(deliverySchema.parse(await replay.resend(id, deliveryId)), 202);
    })
    .openapi(routes.recover, async (c) => {
      const { since, until } = c.req.valid('json');
      const result = await replay.recover(c.req.valid('param').id, { since, until: until ?? clock.now() });
      return c.json(result, 202);
    });
}
