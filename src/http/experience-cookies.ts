import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieUpdates, ExperienceRequest } from '../services/experience.js';
import { clientIp, type AppEnv, type ClientAddressOptions } from './context.js';

/** The short-lived interaction (one sign-in, sign-up or reset). */
export const INTERACTION_COOKIE = 'idhooks_interaction';
/** The sign-in session; its server-side id is the payloads' `sessionId`. */
export const SESSION_COOKIE = 'idhooks_session';
/**
 * The application a hosted page was opened for (`?app_id=`), until the first form post starts the
 * interaction: opening a page stores nothing on the server.
 */
export const PENDING_APP_COOKIE = 'idhooks_app';
/** A random id naming this browser for the new-device sign-in rule; the server keeps only its hash. */
export const DEVICE_COOKIE = 'idhooks_device';
/** 400 days, the longest lifetime browsers grant a cookie: the device should outlive the 90-day window. */
const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 86_400;

export interface ExperienceCookieOptions extends ClientAddressOptions {
  /** `Secure` cookies, on when the public endpoint is https. */
  readonly isSecure: boolean;
  readonly sessionTtlSeconds: number;
  readonly interactionTtlSeconds: number;
}

/**
 * HttpOnly (scripts cannot read the tokens) and SameSite=Lax: a cross-site form post arrives
 * without them, so another site cannot drive a visitor's interaction (the CSRF defence of the
 * hosted pages and the Experience API).
 */
const cookieOptions = (options: ExperienceCookieOptions, maxAge: number) =>
  ({ httpOnly: true, sameSite: 'Lax', path: '/', secure: options.isSecure, maxAge }) as const;

/** The cookies and client details an Experience API call needs. */
export function experienceRequest(c: Context, options: ExperienceCookieOptions): ExperienceRequest {
  return {
    interactionToken: getCookie(c, INTERACTION_COOKIE),
    sessionToken: getCookie(c, SESSION_COOKIE),
    pendingApplicationId: getCookie(c, PENDING_APP_COOKIE)?.slice(0, 128) || undefined,
    deviceToken: getCookie(c, DEVICE_COOKIE),
    userAgent: c.req.header('user-agent'),
    ip: clientIp(c, options),
    oidcInteraction: (c as Context<AppEnv>).get('oidcInteraction'),
  };
}

/** Sets the cookies a service call asked for. */
export function applyCookies(c: Context, updates: CookieUpdates, options: ExperienceCookieOptions): void {
  if (updates.clearInteraction) clearInteractionCookie(c, options);
  if (updates.pendingApplicationId === '') {
    deleteCookie(c, PENDING_APP_COOKIE, { path: '/', secure: options.isSecure });
  } else if (updates.pendingApplicationId) {
    setCookie(
      c,
      PENDING_APP_COOKIE,
      updates.pendingApplicationId,
      cookieOptions(options, options.interactionTtlSeconds),
    );
  }
  if (updates.sessionToken) {
    setCookie(c, SESSION_COOKIE, updates.sessionToken, cookieOptions(options, options.sessionTtlSeconds));
  }
  if (updates.deviceToken) {
    setCookie(c, DEVICE_COOKIE, updates.deviceToken, cookieOptions(options, DEVICE_COOKIE_MAX_AGE_SECONDS));
  }
  if (updates.interactionToken) {
    setCookie(
      c,
      INTERACTION_COOKIE,
      updates.interactionToken,
      cookieOptions(options, options.interactionTtlSeconds),
    );
  }
}

/** The interaction is over (submitted or abandoned): forget its cookie. */
export const clearInteractionCookie = (c: Context, options: ExperienceCookieOptions) =>
  deleteCookie(c, INTERACTION_COOKIE, { path: '/', secure: options.isSecure });

export const clearSessionCookie = (c: Context, options: ExperienceCookieOptions) =>
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: options.isSecure });

/**
 * A request object whose tokens follow the cookies set earlier in the same request, so a page
 * handler can start an interaction and use it before the browser has the cookie.
 */
export const withCookies = (req: ExperienceRequest, updates: CookieUpdates): ExperienceRequest => ({
  ...req,
  interactionToken: updates.interactionToken ?? (updates.clearInteraction ? undefined : req.interactionToken),
  sessionToken: updates.sessionToken ?? req.sessionToken,
  pendingApplicationId:
    updates.pendingApplicationId === undefined
      ? req.pendingApplicationId
      : updates.pendingApplicationId || undefined,
  deviceToken: updates.deviceToken ?? req.deviceToken,
});
