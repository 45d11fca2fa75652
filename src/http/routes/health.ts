import { createRoute, z } from '@hono/zod-openapi';
import type { Readiness } from '../../services/readiness.js';
import { createRouter } from '../openapi.js';

const statusRoute = createRoute({
  method: 'get',
  path: '/status',
  tags: ['Status'],
  summary: 'Liveness (no authentication)',
  responses: { 204: { description: 'The process is up' } },
});

const readinessSchema = z
  .object({
    ready: z.boolean(),
    database: z.enum(['ok', 'unreachable']),
    delivery: z.enum(['running', 'claims-failing', 'stopped', 'not-expected']),
  })
  .openapi('Readiness');

const readyRoute = createRoute({
  method: 'get',
  path: '/status/ready',
  tags: ['Status'],
  summary: 'Readiness: the database answers and, on a delivering node, the engine runs',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: readinessSchema } } },
    503: { description: 'Not ready', content: { 'application/json': { schema: readinessSchema } } },
  },
});

/**
 * `GET /api/status`: 204 without authentication, as Logto answers it (liveness). `GET
 * /api/status/ready`: 200 or 503 with what was checked (readiness, an idhooks addition).
 */
export const healthRoutes = (readiness?: Readiness) => {
  const router = createRouter().openapi(statusRoute, (c) => c.body(null, 204));
  if (!readiness) return router;
  return router.openapi(readyRoute, async (c) => {
    const report = readinessSchema.parse(await readiness.check());
    c.header('Cache-Control', 'no-store');
    return report.ready ? c.json(report, 200) : c.json(report, 503);
  });
};
