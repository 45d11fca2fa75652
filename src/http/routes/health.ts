import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../openapi.js';

const statusRoute = createRoute({
  method: 'get',
  path: '/status',
  tags: ['Status'],
  summary: 'Health check (no authentication)',
  responses: { 204: { description: 'The server is up' } },
});

/** `GET /api/status`: 204 without authentication, as Logto answers it, for load balancers. */
export const healthRoutes = () => createRouter().openapi(statusRoute, (c) => c.body(null, 204));
