import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../../shared/errors.js';

/**
 * Why a state-changing request does not look same-origin, or undefined when it does. The
 * browser's own word decides: `Sec-Fetch-Site` must be `same-origin` when sent, and `Origin`, when
 * sent, must be this server's (as reached, or its public endpoint). Without either header (older
 * browsers, scripts, server-to-server calls) this check passes and the form token alone decides.
 * Used by the console and the hosted pages alike.
 */
export function crossSiteProblem(c: Context, publicOrigin: string): string | undefined {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is ${site}`;
  const origin = c.req.header('origin');
  if (origin === undefined) return undefined;
  const allowed = new Set([new URL(c.req.url).origin, publicOrigin]);
  return allowed.has(origin) ? undefined : `Origin ${origin} is not this server's`;
}

/**
 * Refuses cross-site calls of a JSON API with 403 `request.cross_site_refused` (the Experience
 * API: its credential is a cookie, so another site's script must not drive it).
 */
export function refuseCrossSite(publicOrigin: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const problem = crossSiteProblem(c, publicOrigin);
    if (problem !== undefined) {
      c.get('logger')?.warn({ problem, path: c.req.path }, 'cross-site request refused');
      throw new AppError('request.cross_site_refused');
    }
    await next();
  };
}
