import { createHash, randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secretsMatch } from '../../shared/ids.js';
import type { AppEnv } from '../context.js';
import { INTERACTION_COOKIE, type ExperienceCookieOptions } from '../experience-cookies.js';
import { crossSiteProblem } from '../middleware/same-origin.js';

/**
 * Security of the hosted pages' forms (issue 13 items 3 and 6).
 *
 * Login CSRF: another site must not be able to post our sign-in or sign-up form and leave the
 * visitor signed in to an account the attacker chose. Two independent checks refuse it with 403:
 * the browser's `Origin` / `Sec-Fetch-Site` (as the console does), and an anti-CSRF token in a
 * hidden field. The token is derived from the interaction's own cookie token, so it is
 * per-interaction and needs no storage; before an interaction exists (opening a page writes
 * nothing), it is derived from a random HttpOnly, SameSite=Strict form cookie (double submit).
 * Another site can read neither cookie, so it cannot compute the token.
 */

export const CSRF_FIELD = '_csrf';
/** The secret behind the token of forms shown before an interaction exists. */
export const FORM_COOKIE = 'idhooks_form';

const derive = (secret: string) =>
  createHash('sha256').update(`idhooks-form-token:${secret}`).digest('base64url');
const isWellFormed = (value: string | undefined): value is string =>
  value !== undefined && /^[\w-]{43}$/.test(value);

/**
 * The token for the forms of this response: from the interaction token the page goes on with, or
 * else from the form cookie (set now when missing; a cookie, not a row).
 */
export function formTokenFor(
  c: Context,
  interactionToken: string | undefined,
  options: ExperienceCookieOptions,
): string {
  if (interactionToken) return derive(interactionToken);
  let secret = getCookie(c, FORM_COOKIE);
  if (!isWellFormed(secret)) {
    secret = randomBytes(32).toString('base64url');
    setCookie(c, FORM_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: options.isSecure,
      maxAge: options.interactionTtlSeconds,
    });
  }
  return derive(secret);
}

/** Whether `submitted` is the token of this browser's interaction or form cookie. */
export function isFormTokenValid(c: Context, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length > 64) return false;
  const secrets = [getCookie(c, INTERACTION_COOKIE), getCookie(c, FORM_COOKIE)].filter(
    (s): s is string => typeof s === 'string' && s.length > 0 && s.length <= 128,
  );
  return secrets.some((secret) => secretsMatch(submitted, derive(secret)));
}

/**
 * Refuses a form post that is cross-site or lacks this browser's token, before the route runs;
 * `refuse` renders the 403 page.
 */
export function requireSameSiteForm(
  publicOrigin: string,
  refuse: (c: Context<AppEnv>) => Response | Promise<Response>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    let problem = crossSiteProblem(c, publicOrigin);
    if (problem === undefined) {
      const type = c.req.header('content-type') ?? '';
      const isForm = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type);
      const body = isForm ? await c.req.parseBody() : {};
      if (!isFormTokenValid(c, body[CSRF_FIELD])) problem = 'missing or wrong anti-CSRF token';
    }
    if (problem === undefined) return next();
    c.get('logger')?.warn({ problem, path: c.req.path }, 'hosted form refused (CSRF)');
    return refuse(c);
  };
}

/**
 * Headers of every hosted page: scripts only with this response's nonce, no framing by another site (clickjacking a sign-in form), no
 * MIME sniffing, no caching, and a referrer only for our own origin (with `no-referrer`, Chromium
 * sends `Origin: null` on our own form posts, which the same-origin check must then refuse).
 */
export const hostedPageHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  // A fresh nonce per response: only the page's own inline script (the show-password toggle) runs,
  // never one injected into the markup.
  const nonce = randomBytes(16).toString('base64');
  c.set('pageNonce', nonce);
  // Set after the route: headers prepared before it would be shared with, and could drop, the
  // cookies a page sets after building its response.
  await next();
  c.header('X-Frame-Options', 'DENY');
  c.header(
    'Content-Security-Policy',
    `frame-ancestors 'none'; base-uri 'none'; object-src 'none'; script-src 'nonce-${nonce}'`,
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
};
