import { getConnInfo } from '@hono/node-server/conninfo';
import type { ManagementContext } from '../domain/payloads.js';
import type { ConsoleContext } from './context.js';

/**
 * What a console action tells the services, shaped as the Management API request that does the
 * same thing: webhook payloads repeat the route (`path`, `method`, `matchedRoute`, `params`), and
 * receivers written for Logto switch on those, so suspending a user in the console must read
 * exactly like `PATCH /users/:userId/is-suspended`. The caller's address and user agent are the
 * console visitor's.
 */
export function consoleManagementContext(
  c: ConsoleContext,
  trustProxy: boolean,
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  matchedRoute: string,
  params: Record<string, string>,
): ManagementContext {
  const path = matchedRoute.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  return {
    origin: 'management',
    userAgent: c.req.header('user-agent'),
    ip: visitorIp(c, trustProxy),
    path,
    method,
    params,
    matchedRoute,
  };
}

/** Same rule as the API's: the socket peer, or the first X-Forwarded-For hop behind your own proxy. */
function visitorIp(c: ConsoleContext, trustProxy: boolean): string | undefined {
  const unmap = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return unmap(forwarded);
  }
  try {
    const address = getConnInfo(c).remote.address;
    return address ? unmap(address) : undefined;
  } catch {
    return undefined;
  }
}
