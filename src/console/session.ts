import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleSession, ConsoleSessionsService } from '../services/console-sessions.js';
import type { ConsoleEnv } from './context.js';
import { CONSOLE_BASE, consolePaths } from './paths.js';

/** The session cookie. Scoped to the console's path, so no other page of the server receives it. */
export const SESSION_COOKIE = 'idhooks_console';

export interface CookieSecurity {
  /** Take the scheme from `X-Forwarded-Proto` (only behind your own proxy). */
  readonly trustProxy: boolean;
}

/** Whether the browser reached us over https; a `Secure` cookie set over http would be dropped. */
export function isHttpsRequest(c: Context, { trustProxy }: CookieSecurity): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return trustProxy && forwarded === 'https';
}

/**
 * HttpOnly (page scripts never see the token), SameSite=Strict (no other site's link or form
 * carries it), Path=/console, and a Max-Age matching the session's fixed expiry.
 */
export function setSessionCookie(
  c: Context,
  token: string,
  session: ConsoleSession,
  now: number,
  security: CookieSecurity,
): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: CONSOLE_BASE,
    secure: isHttpsRequest(c, security),
    maxAge: Math.max(0, Math.ceil((session.expiresAt - now) / 1000)),
  });
}

export function clearSessionCookie(c: Context, security: CookieSecurity): void {
  deleteCookie(c, SESSION_COOKIE, { path: CONSOLE_BASE, secure: isHttpsRequest(c, security) });
}

/**
 * Lets a request through only with a live session. Without one, the browser goes to sign-in; a GET
 * remembers where it was going, other methods do not (their body is lost anyway).
 */
export function requireConsoleSession(
  sessions: Pick<ConsoleSessionsService, 'findSession'>,
  security: CookieSecurity,
): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = await sessions.findSession(token);
    if (!session) {
      if (token !== undefined) clearSessionCookie(c, security);
      const url = new URL(c.req.url);
      const isPage =
        c.req.method === 'GET' && url.pathname !== CONSOLE_BASE && url.pathname !== `${CONSOLE_BASE}/`;
      const next = isPage ? `?next=${encodeURIComponent(`${url.pathname}${url.search}`)}` : '';
      return c.redirect(`${consolePaths.signIn}${next}`, 303);
    }
    c.set('session', session);
    // Every log line of the request names who acted; a state-changing request is logged as such
    // after it ran, with its outcome, so the log is an audit trail of console actions.
    const logger = c.get('logger')?.child({ actor: session.actor, consoleSessionId: session.id });
    if (logger) c.set('logger', logger);
    await next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      logger?.info(
        { method: c.req.method, path: new URL(c.req.url).pathname, status: c.res.status },
        'console action',
      );
    }
  };
}
