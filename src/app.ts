import { readFileSync } from 'node:fs';
import { bodyLimit } from './http/middleware/body-limit.js';
import { AppError } from './shared/errors.js';
import type { Container } from './container.js';
import { requestId } from './http/middleware/request-id.js';
import {
  errorHandler,
  normaliseFrameworkResponses,
  notFoundHandler,
} from './http/middleware/error-handler.js';
import { requireAccessToken } from './http/middleware/auth.js';
import { rejectNul } from './http/middleware/reject-nul.js';
import { refuseCrossSite } from './http/middleware/same-origin.js';
import { createRouter } from './http/openapi.js';
import { buildOpenApiDocument } from './http/openapi-document.js';
import { apiDocsRoutes } from './http/routes/api-docs.js';
import { applicationsRoutes } from './http/routes/applications.js';
import { healthRoutes } from './http/routes/health.js';
import { oidcRoutes } from './http/oidc/routes.js';
import { oidcInteractionContext } from './http/oidc/interaction-cookie.js';
import { consentRoutes } from './http/oidc/consent.js';
import { LOGTO_OSS_MANAGEMENT_API_RESOURCE } from './services/auth.js';
import { clientAuthKeys, newAuthorizationKeys } from './services/attempt-limiter.js';
import { organizationApplicationsRoutes } from './http/routes/organization-applications.js';
import { organizationInvitationsRoutes } from './http/routes/organization-invitations.js';
import { organizationRoleScopesRoutes } from './http/routes/organization-role-scopes.js';
import { organizationRolesRoutes } from './http/routes/organization-roles.js';
import { organizationScopesRoutes } from './http/routes/organization-scopes.js';
import { organizationUsersRoutes } from './http/routes/organization-users.js';
import { organizationsRoutes } from './http/routes/organizations.js';
import { resourcesRoutes } from './http/routes/resources.js';
import { roleAssignmentsRoutes } from './http/routes/role-assignments.js';
import { rolesRoutes } from './http/routes/roles.js';
import { usersRoutes } from './http/routes/users.js';
import { hooksRoutes } from './http/routes/hooks.js';
import { hookLogsRoutes } from './http/routes/hook-logs.js';
import { deliveryReplayRoutes } from './http/routes/delivery-replay.js';
import { eventsRoutes } from './http/routes/events.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { experienceRoutes } from './http/routes/experience.js';
import { experiencePages } from './http/pages/index.js';
import { consoleRoutes } from './console/index.js';
import { runNodeListener, type NodeListener } from './http/oidc/bridge.js';
import { CONSOLE_CLIENT_ID } from './services/auth.js';

/**
 * Paths under /api that answer without a token. The OpenAPI document and its reference page are
 * public, as Logto serves its own: they describe the API, they grant nothing.
 */
const PUBLIC_API_PATHS = new Set(['/api/status', '/api/status/ready', '/api/swagger.json', '/api/docs']);
/** The Experience API is the end user's: its credential is the interaction cookie, not a token. */
const PUBLIC_API_PREFIXES = ['/api/experience/', '/api/docs/'];
const isPublicApiPath = (path: string) =>
  PUBLIC_API_PATHS.has(path) ||
  path === '/api/experience' ||
  PUBLIC_API_PREFIXES.some((p) => path.startsWith(p));

/** idhooks' version, from package.json (one level up from both src/ and dist/). */
const IDHOOKS_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * What a worker-only process serves: `/api/status` for liveness and `/metrics` for Prometheus,
 * so every node of a PostgreSQL deployment can be watched, and nothing else.
 */
export function buildOpsApp(container: Container) {
  const app = createRouter();
  app.onError(errorHandler);
  app.notFound(notFoundHandler);
  app.use('*', requestId(container.logger));
  app.route('/', metricsRoutes(container.metrics, container.config.metricsToken));
  app.route('/api', healthRoutes(container.readiness));
  return app;
}

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
  app.use('*', rejectNul);

  app.route(
    '/oidc',
    oidcRoutes(container.oidcProvider(), services.auth, {
      ...addressOptions,
      endpoint: config.endpoint,
      beginClientAuthAttempt: (clientId, ip) =>
        services.limiter.begin(clientAuthKeys(config.limits, clientId, ip)),
      limitNewAuthorization: (ip) => services.limiter.consume(newAuthorizationKeys(config.limits, ip)),
      onSignOut: async (signOut, request) => {
        await services.oidcSessions.recordSignOut({
          ...signOut,
          ip: request.ip,
          userAgent: request.userAgent,
        });
        // The hosted pages' own session ends with the provider's.
        const sessionToken = /(?:^|;\s*)idhooks_session=([^;]+)/.exec(request.cookie ?? '')?.[1];
        if (sessionToken) await services.experience.signOut({ sessionToken });
      },
    }),
  );
  app.route('/', metricsRoutes(container.metrics, config.metricsToken));
  // The admin console: its own session sign-in (admin M2M credentials), not the API's bearer tokens.
  let oidcListener: NodeListener | undefined;
  app.route(
    '/console',
    consoleRoutes({
      sessions: services.consoleSessions,
      users: services.users,
      userActivity: services.userActivity,
      roles: services.roles,
      roleAssignments: services.roleAssignments,
      applications: services.applications,
      resources: services.resources,
      organizations: services.organizations,
      organizationUsers: services.organizationUsers,
      hooks: services.hooks,
      hookLogs: services.hookLogs,
      replay: services.deliveryReplay,
      clock: container.clock,
      endpoint: config.endpoint,
      trustProxy: config.trustProxy,
      signingKeyGraceSeconds: config.delivery.signingKeyGraceSeconds,
      consoleClientId: CONSOLE_CLIENT_ID,
      postToTokenEndpoint: async (form, ip) => {
        oidcListener ??= container.oidcProvider().callback();
        const answer = await runNodeListener(oidcListener, '/oidc', {
          method: 'POST',
          url: '/oidc/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.from(form.toString()),
          origin: new URL(config.endpoint),
          clientIp: ip,
        });
        return { status: answer.status, body: answer.body.toString('utf8') };
      },
    }),
  );

  // The browser's provider interaction (from /oidc/auth), for the hosted pages and the Experience API.
  const interactionContext = oidcInteractionContext(container.oidcProvider(), config.endpoint);
  app.use('*', async (c, next) => {
    const path = c.req.path;
    const isExperience =
      path === '/api/experience' ||
      path.startsWith('/api/experience/') ||
      !/^\/(api|oidc|console|metrics)(\/|$)/.test(path);
    return isExperience ? interactionContext(c, next) : next();
  });

  app.route(
    '/',
    consentRoutes({
      provider: container.oidcProvider(),
      endpoint: config.endpoint,
      accounts: services.oidcAccounts,
      managementApiResources: [config.managementApiResource, LOGTO_OSS_MANAGEMENT_API_RESOURCE],
      trustProxy: config.trustProxy,
      onGrantCreated: async (grant) => {
        await services.oidcSessions.enforceGrantLimit(grant);
      },
    }),
  );

  const auth = requireAccessToken(services.auth);
  app.use('/api/*', async (c, next) => (isPublicApiPath(c.req.path) ? next() : auth(c, next)));
  app.route('/api', healthRoutes(container.readiness));
  const experienceCookies = {
    ...addressOptions,
    isSecure: config.endpoint.startsWith('https:'),
    sessionTtlSeconds: config.experience.sessionTtlSeconds,
    interactionTtlSeconds: config.experience.interactionTtlSeconds,
  };
  // The Experience API's credential is a cookie: refuse calls another site's page makes with it.
  const publicOrigin = new URL(config.endpoint).origin;
  app.use('/api/experience', refuseCrossSite(publicOrigin));
  app.use('/api/experience/*', refuseCrossSite(publicOrigin));
  app.route('/api', experienceRoutes(services.experience, experienceCookies));
  // Hosted sign-in, sign-up and password-reset pages (server-rendered, no client JS).
  app.route('/', experiencePages(services.experience, { ...experienceCookies, publicOrigin }));
  app.route('/api', usersRoutes(services.users, addressOptions));
  app.route('/api', applicationsRoutes(services.applications));
  app.route('/api', resourcesRoutes(services.resources, addressOptions));
  app.route('/api', rolesRoutes(services.roles, addressOptions));
  app.route('/api', roleAssignmentsRoutes(services.roleAssignments, addressOptions));
  app.route('/api', organizationsRoutes(services.organizations, addressOptions));
  app.route('/api', organizationUsersRoutes(services.organizationUsers, addressOptions));
  app.route('/api', organizationApplicationsRoutes(services.organizationApplications, addressOptions));
  app.route('/api', organizationRolesRoutes(services.organizationRoles, addressOptions));
  app.route('/api', organizationRoleScopesRoutes(services.organizationRoles, addressOptions));
  app.route('/api', organizationScopesRoutes(services.organizationScopes, addressOptions));
  app.route('/api', organizationInvitationsRoutes(services.organizationInvitations, addressOptions));
  app.route('/api', hooksRoutes(services.hooks));
  app.route('/api', hookLogsRoutes(services.hookLogs));
  app.route('/api', deliveryReplayRoutes(services.deliveryReplay, container.clock));
  app.route(
    '/api',
    eventsRoutes(services.eventFeed, container.feedSignal, {
      heartbeatMs: config.feed.heartbeatSeconds * 1000,
    }),
  );
  app.route('/api', apiDocsRoutes());
  // Generated from the same zod schemas that validate the routes, so it cannot drift from them;
  // built on first request (every route is registered by then) and kept.
  let openApiDocument: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get('/api/swagger.json', (c) =>
    c.json(
      (openApiDocument ??= buildOpenApiDocument(app, {
        endpoint: config.endpoint,
        version: IDHOOKS_VERSION,
        isPublicPath: isPublicApiPath,
      })),
    ),
  );
  return app;
}

export type App = ReturnType<typeof buildApp>;
