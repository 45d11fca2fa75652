import type { Context, MiddlewareHandler } from 'hono';
import { secretsMatch } from '../shared/ids.js';
import type { ConsoleEnv } from './context.js';
import { readForm } from './form-values.js';
import { CSRF_FIELD } from './layout.js';
import { MessagePage } from './pages/message.js';

/**
 * Cross-site request forgery defence for every console form, in two independent layers:
 * 1. the browser's own word on where the request came from: `Sec-Fetch-Site` must be
 *    `same-origin` and `Origin`, when sent, must be this server's origin;
 * 2. a per-session secret token in a hidden field, which another site cannot read.
 * Either failing refuses the request with a 403 page, before the route runs. The SameSite=Strict
 * session cookie is a third layer, but browsers' SameSite handling has had gaps, so it is not the
 * only one.
 */

/** Shared with the hosted pages (one definition of "same-origin"). */
export { crossSiteProblem } from '../http/middleware/same-origin.js';
import { crossSiteProblem } from '../http/middleware/same-origin.js';

export const FORBIDDEN_MESSAGE =
  'This form was not accepted: it did not come from a page of this console, or the page was too old. Go back, reload the page and try again.';

export function forbidden(c: Context<ConsoleEnv>, csrfToken: string | undefined) {
  return c.html(
    <MessagePage
      frame={{ nonce: c.get('nonce'), csrfToken }}
      title="Request refused"
      message={FORBIDDEN_MESSAGE}
    />,
    403,
  );
}

/**
 * Checks every state-changing request of a signed-in session. `expected` gives the token the form
 * must carry (the session's).
 */
export function requireCsrf(publicOrigin: string): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const session = c.get('session');
    const form = await readForm(c);
    const problem =
      crossSiteProblem(c, publicOrigin) ??
      (secretsMatch(form.get(CSRF_FIELD), session.csrfToken) ? undefined : 'missing or wrong CSRF token');
    if (problem !== undefined) {
      c.get('logger')?.warn({ problem, path: c.req.path }, 'console request refused (CSRF)');
      return forbidden(c, session.csrfToken);
    }
    await next();
  };
}
