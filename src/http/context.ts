import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from '../shared/logger.js';
import type { ManagementContext } from '../domain/payloads.js';
import type { OidcInteractionRef } from '../services/oidc-interactions.js';

/** Request-scoped values set by middleware and read by routes. */
export interface AppVariables {
  requestId: string;
  logger: Logger;
  /** The authenticated Management API client. */
  clientId: string;
  /** The provider's interaction of the browser, on hosted pages and the Experience API. */
  oidcInteraction: OidcInteractionRef | undefined;
  /** The CSP nonce of a hosted page's one inline script (see pages/form-security.ts). */
  pageNonce: string | undefined;
}

export interface AppEnv {
  Variables: AppVariables;
}

export type AppContext = Context<AppEnv>;

export interface ClientAddressOptions {
  /** Honour `X-Forwarded-For` (only behind a proxy you run). */
  readonly trustProxy: boolean;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, as Logto reports it. */
const unmapIpv4 = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

/** The client's address: the socket peer, or the first `X-Forwarded-For` hop when trusted. */
export function clientIp(c: Context, { trustProxy }: ClientAddressOptions): string | undefined {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return unmapIpv4(forwarded);
  }
  try {
    const address = getConnInfo(c).remote.address;
    return address ? unmapIpv4(address) : undefined;
  } catch {
    // No socket: the request came through app.request() (tests, in-process calls).
    return undefined;
  }
}

const API_PREFIX = '/api';
const stripApiPrefix = (path: string) =>
  path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) || '/' : path;

/** The Management API request context that webhook payloads repeat (docs/events.md#management-api-routes-and-their-events). */
export function managementContext(c: Context, options: ClientAddressOptions): ManagementContext {
  return {
    origin: 'management',
    userAgent: c.req.header('user-agent'),
    ip: clientIp(c, options),
    path: stripApiPrefix(c.req.path),
    method: c.req.method,
    params: c.req.param() as Record<string, string>,
    matchedRoute: stripApiPrefix(c.req.routePath),
  };
}
