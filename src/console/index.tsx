import { Hono } from 'hono';
import { AppError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { ConsoleSessionsService } from '../services/console-sessions.js';
import type { HookLogsService } from '../services/hook-logs.js';
import type { HooksService } from '../services/hooks.js';
import type { ApplicationsService } from '../services/applications.js';
import type { OrganizationUsersService } from '../services/organization-users.js';
import type { OrganizationsService } from '../services/organizations.js';
import type { ResourcesService } from '../services/resources.js';
import type { RoleAssignmentsService } from '../services/role-assignments.js';
import type { RolesService } from '../services/roles.js';
import type { UserActivityService } from '../services/user-activity.js';
import type { UsersService } from '../services/users.js';
import type { ConsoleEnv } from './context.js';
import { requireCsrf } from './csrf.js';
import { MessagePage } from './pages/message.js';
import { authRoutes, signOutRoute } from './routes/auth.js';
import { accountSignInRoutes, type TokenEndpoint } from './routes/account-sign-in.js';
import { deliveriesRoutes, type DeliveryReplay } from './routes/deliveries.js';
import { hookRoutes } from './routes/hook.js';
import { hooksListRoutes } from './routes/hooks.js';
import { usersRoutes } from './routes/users.js';
import { applicationsRoutes } from './routes/applications.js';
import { eventsRoutes } from './routes/events.js';
import { organizationsRoutes } from './routes/organizations.js';
import { resourcesRoutes } from './routes/resources.js';
import { rolesRoutes } from './routes/roles.js';
import { consoleSecurityHeaders } from './security-headers.js';
import { requireConsoleSession } from './session.js';

export interface ConsoleDeps {
  readonly sessions: ConsoleSessionsService;
  readonly users: UsersService;
  readonly userActivity: UserActivityService;
  readonly roles: RolesService;
  readonly roleAssignments: RoleAssignmentsService;
  readonly applications: ApplicationsService;
  readonly resources: ResourcesService;
  readonly organizations: OrganizationsService;
  readonly organizationUsers: OrganizationUsersService;
  readonly hooks: HooksService;
  readonly hookLogs: HookLogsService;
  readonly replay: DeliveryReplay;
  readonly clock: Clock;
  /** The public base URL (`IDHOOKS_ENDPOINT`); its origin is accepted in form posts. */
  readonly endpoint: string;
  readonly trustProxy: boolean;
  readonly signingKeyGraceSeconds: number;
  /** The console's own OIDC client id and the provider that signs its users in. */
  readonly consoleClientId: string;
  readonly postToTokenEndpoint: TokenEndpoint;
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  404: 'Not found',
  409: 'Not possible right now',
  422: 'Not possible',
};

/** How the console names the services' entities in a "does not exist" page. */
const ENTITY_NOUNS: Record<string, string> = {
  user: 'user',
  application: 'application',
  role: 'role',
  resource: 'API resource',
  scope: 'permission',
  organization: 'organization',
};

/** A friendlier text for the errors a person meets in the console; the API keeps Logto's. */
function messageOf(error: AppError): string {
  if (error.code === 'entity.not_exists_with_id' || error.code === 'entity.not_exists') {
    const data = error.data as { name?: string } | undefined;
    if (data?.name === 'delivery') {
      return 'This delivery does not exist, or no longer (deliveries are kept for IDHOOKS_RETENTION_DAYS).';
    }
    const noun = data?.name === undefined ? undefined : ENTITY_NOUNS[data.name];
    return `This ${noun ?? 'webhook'} does not exist. It may have been deleted.`;
  }
  if (error.code === 'entity.not_found') return 'This webhook does not exist. It may have been deleted.';
  return error.message;
}

/**
 * The admin console, mounted at `/console` (issue 7): server-rendered pages over the same services
 * as the Management API, behind its own session sign-in rather than bearer tokens. Order matters:
 * security headers for every response, then the public sign-in routes, then the session check and
 * the CSRF check for everything after them.
 */
export function consoleRoutes(deps: ConsoleDeps) {
  const security = { trustProxy: deps.trustProxy };
  const app = new Hono<ConsoleEnv>();

  app.onError((error, c) => {
    const frame = { nonce: c.get('nonce') ?? '', csrfToken: c.get('session')?.csrfToken };
    if (error instanceof AppError && error.status < 500) {
      const status = error.status as 400 | 404 | 409 | 422;
      return c.html(
        <MessagePage frame={frame} title={TITLES[status] ?? 'Request refused'} message={messageOf(error)} />,
        status,
      );
    }
    c.get('logger')?.error({ err: error }, 'console request failed');
    const message = `Something went wrong on the server. Its log has the details under request id ${c.get('requestId') ?? 'unknown'}.`;
    return c.html(<MessagePage frame={frame} title="Something went wrong" message={message} />, 500);
  });

  app.use('*', consoleSecurityHeaders);
  app.route(
    '/',
    authRoutes({
      sessions: deps.sessions,
      clock: deps.clock,
      publicOrigin: new URL(deps.endpoint).origin,
      security,
    }),
  );
  app.route(
    '/',
    accountSignInRoutes({
      sessions: deps.sessions,
      clock: deps.clock,
      security,
      endpoint: deps.endpoint,
      clientId: deps.consoleClientId,
      postToTokenEndpoint: deps.postToTokenEndpoint,
    }),
  );
  app.use('*', requireConsoleSession(deps.sessions, security));
  app.use('*', requireCsrf(new URL(deps.endpoint).origin));
  app.route('/', signOutRoute({ sessions: deps.sessions, security }));
  app.route('/', hooksListRoutes(deps.hooks));
  app.route('/', hookRoutes(deps));
  app.route('/', deliveriesRoutes({ ...deps }));
  app.route('/', usersRoutes(deps));
  app.route('/', applicationsRoutes(deps));
  app.route('/', rolesRoutes(deps));
  app.route('/', resourcesRoutes(deps));
  app.route('/', organizationsRoutes(deps));
  app.route('/', eventsRoutes(deps));
  app.all('*', (c) =>
    c.html(
      <MessagePage
        frame={{ nonce: c.get('nonce'), csrfToken: c.get('session').csrfToken }}
        title="Not found"
        message="There is no console page at this address."
      />,
      404,
    ),
  );
  return app;
}
