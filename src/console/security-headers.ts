import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ConsoleEnv } from './context.js';

/**
 * Headers on every console response:
 * - a Content-Security-Policy that allows only this response's own inline style and script (by
 *   nonce), requests of that script to this origin, forms posting to this origin, and no framing, so injected markup cannot run script and
 *   another site cannot overlay the console to trick a click (clickjacking);
 * - `no-store`, because pages show signing keys and payloads that must not stay in a shared cache
 *   or the back-button cache after sign-out.
 */
export const consoleSecurityHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const nonce = randomBytes(16).toString('base64');
  c.set('nonce', nonce);
  c.header(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      "img-src 'self' data:",
      // The live-status script polls this console's own JSON; nothing else may be fetched.
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  );
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with form posts,
  // which the CSRF check must then refuse. Other sites still get no referrer from the console.
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
  await next();
};
