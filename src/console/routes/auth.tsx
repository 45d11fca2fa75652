import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { clientIp } from '../../http/middleware/client-address.js';
import { secretsMatch } from '../../shared/ids.js';
import type { ConsoleSessionsService } from '../../services/console-sessions.js';
import type { ConsoleEnv } from '../context.js';
import { crossSiteProblem, forbidden } from '../csrf.js';
import { readForm } from '../form-values.js';
import { CSRF_FIELD } from '../layout.js';
import { consolePaths, safeNextPath } from '../paths.js';
import { SignInPage } from '../pages/sign-in.js';
import {
  SESSION_COOKIE,
  clearSessionCookie,
  isHttpsRequest,
  setSessionCookie,
  type CookieSecurity,
} from '../session.js';

/**
 * The sign-in form has no session yet, so its CSRF token is a double-submit cookie: a random value
 * in an HttpOnly, SameSite=Strict cookie that the form must repeat. Another site can neither read
 * the cookie nor make the browser send it. It guards against login CSRF (signing a browser into a
 * console session of the attacker's choosing).
 */
const SIGN_IN_COOKIE = 'idhooks_console_sign_in';
const SIGN_IN_COOKIE_MAX_AGE = 24 * 60 * 60;

export const WRONG_CREDENTIALS_MESSAGE =
  'The client ID or secret is not correct, or the application is not the admin application.';

export interface AuthRoutesDeps {
  readonly sessions: ConsoleSessionsService;
  readonly clock: Clock;
  readonly publicOrigin: string;
  readonly security: CookieSecurity;
}

export function authRoutes({ sessions, clock, publicOrigin, security }: AuthRoutesDeps) {
  const app = new Hono<ConsoleEnv>();
  const frame = (nonce: string) => ({ nonce, csrfToken: undefined });

  const signInToken = (c: Context<ConsoleEnv>) => {
    const existing = getCookie(c, SIGN_IN_COOKIE);
    if (existing && /^[\w-]{43}$/.test(existing)) return existing;
    const token = randomBytes(32).toString('base64url');
    setCookie(c, SIGN_IN_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: consolePaths.signIn,
      secure: isHttpsRequest(c, security),
      maxAge: SIGN_IN_COOKIE_MAX_AGE,
    });
    return token;
  };

  app.get('/sign-in', async (c) => {
    // Already signed in: straight to where the browser was going.
    const next = safeNextPath(c.req.query('next'));
    if (await sessions.findSession(getCookie(c, SESSION_COOKIE))) return c.redirect(next, 303);
    const notice = c.req.query('notice') === 'signed-out' ? 'You have signed out.' : undefined;
    return c.html(
      <SignInPage frame={{ ...frame(c.get('nonce')), notice }} signInToken={signInToken(c)} next={next} />,
    );
  });

  app.post('/sign-in', async (c) => {
    const form = await readForm(c);
    const expected = getCookie(c, SIGN_IN_COOKIE) ?? '';
    if (crossSiteProblem(c, publicOrigin) !== undefined || !secretsMatch(form.get(CSRF_FIELD), expected)) {
      return forbidden(c, undefined);
    }
    const clientId = form.get('clientId').trim();
    const next = safeNextPath(form.get('next'));
    let signedIn;
    try {
      signedIn = await sessions.signIn(clientId, form.get('clientSecret'), clientIp(c, security));
    } catch (error) {
      // Over the failure limit: refused before the secret was even hashed.
      if (!(error instanceof AppError) || error.code !== 'request.too_many_attempts') throw error;
      c.get('logger')?.warn('console sign-in refused: too many failures');
      c.header('Retry-After', String(error.retryAfterSeconds ?? 60));
      return c.html(
        <SignInPage
          frame={frame(c.get('nonce'))}
          signInToken={expected}
          next={next}
          clientId={clientId}
          error={`Too many failed sign-ins. ${error.message}`}
        />,
        429,
      );
    }
    if (!signedIn) {
      // Not the typed id: a secret pasted into the wrong field must not end up in the log.
      c.get('logger')?.info('console sign-in refused');
      const error = clientId === '' ? 'Enter the client ID and secret.' : WRONG_CREDENTIALS_MESSAGE;
      return c.html(
        <SignInPage
          frame={frame(c.get('nonce'))}
          signInToken={expected}
          next={next}
          clientId={clientId}
          error={error}
        />,
        401,
      );
    }
    // A session this browser already had ends now, so one browser holds one live session.
    await sessions.signOut(getCookie(c, SESSION_COOKIE));
    setSessionCookie(c, signedIn.token, signedIn.session, clock.now(), security);
    c.get('logger')?.info({ clientId, sessionId: signedIn.session.id }, 'console sign-in');
    return c.redirect(next, 303);
  });

  return app;
}

/** Sign-out runs behind the session and CSRF checks like every other form. */
export function signOutRoute({ sessions, security }: Pick<AuthRoutesDeps, 'sessions' | 'security'>) {
  const app = new Hono<ConsoleEnv>();
  app.post('/sign-out', async (c) => {
    await sessions.signOut(getCookie(c, SESSION_COOKIE));
    clearSessionCookie(c, security);
    return c.redirect(`${consolePaths.signIn}?notice=signed-out`, 303);
  });
  return app;
}
