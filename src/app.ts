import { bodyLimit } from 'hono/body-limit';
import { AppError } from './shared/errors.js';
import type { Container } from './container.js';
import type { AppEnv } from './http/context.js';
import { requestId } from './http/middleware/request-id.js';
import {
  errorHandler,
  normaliseFrameworkResponses,
  notFoundHandler,
} from './http/middleware/error-handler.js';
import { requireAccessToken } from './http/middleware/auth.js';
import { createRouter } from './http/openapi.js';
import { healthRoutes } from './http/routes/health.js';
import { oidcRoutes } from './http/routes/oidc.js';
import { usersRoutes } from './http/routes/users.js';

/** Paths under /api that answer without a token. */
const PUBLIC_API_PATHS = new Set(['/api/status']);

/**
 * The whole HTTP surface. It never listens: `main.ts` serves it, tests call `app.request()`.
 */
export function buildApp(container: Container) {
  const { config, services, logger } = container;
  const addressOptions = { trustProxy: config.trustProxy };

  const app = createRouter();
  app.onError(errorHandler);
  app.notFound(notFoundHandler);
  app.use('*', requestId(logger));
  app.use('*', normaliseFrameworkResponses);
  app.use(
    '*',
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new AppError('request.body_too_large', { params: { limit: config.bodyLimitBytes } });
      },
    }),
  );

  app.route('/oidc', oidcRoutes(services.auth));

  const auth = requireAccessToken(services.auth);
  app.use('/api/*', async (c, next) => (PUBLIC_API_PATHS.has(c.req.path) ? next() : auth(c, next)));
  app.route('/api', healthRoutes());
  app.route('/api', usersRoutes(services.users, addressOptions));
  // Generated from the same zod schemas that validate the routes, so it cannot drift from them.
  app.doc31('/api/swagger.json', {
    openapi: '3.1.0',
    info: {
      title: 'idhooks Management API',
      version: '1.0.0',
      description:
        'Logto-compatible Management API with durable webhooks. Authenticate with a client-credentials token from /oidc/token.',
    },
    servers: [{ url: config.endpoint }],
  });
  return app;
}

export type App = ReturnType<typeof buildApp>;
