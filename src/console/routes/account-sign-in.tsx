import { createHash, randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { decodeJwt } from 'jose';
import type { Clock } from '../../shared/clock.js';
import { secretsMatch } from '../../shared/ids.js';
import { clientIp } from '../../http/middleware/client-address.js';
import type { ConsoleSessionsService, ConsoleUserRefusal } from '../../services/console-sessions.js';
import type { ConsoleEnv } from '../context.js';
import { MessagePage } from '../pages/message.js';
import { consolePaths, safeNextPath } from '../paths.js';
import { SESSION_COOKIE, isHttpsRequest, setSessionCookie, type CookieSecurity } from '../session.js';

/**
 * What ties a callback to the browser that started the sign-in: state, nonce, PKCE verifier and
 * where to go afterwards. HttpOnly and scoped to the callback path; SameSite=Lax because the
 * callback is reached by a top-level redirect from the provider.
 */
const FLOW_COOKIE = 'idhooks_console_oidc';
const FLOW_MAX_AGE = 10 * 60;
const OIDC_MOUNT_PATH = '/oidc';

interface Flow {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly next: string;
}

const REFUSALS: Record<ConsoleUserRefusal, string> = {
  not_admin:
    'Your account does not have the console administrator role. Ask an administrator to assign it, then sign in again.',
  suspended: 'Your account is suspended, so it cannot sign in to the console.',
  unknown_user: 'Your account no longer exists.',
};

export interface AccountSignInDeps {
  readonly sessions: ConsoleSessionsService;
  readonly clock: Clock;
  readonly security: CookieSecurity;
  /** The public base URL; the provider's issuer is `${endpoint}/oidc`. */
  readonly endpoint: string;
  /** The console's own OIDC client (`ensureConsoleApplication`). */
  readonly clientId: string;
  /**
   * Posts a form to the built-in provider's token endpoint inside this process (not over HTTP, so
   * it works behind any proxy and needs no client secret on the wire).
   */
  readonly postToTokenEndpoint: TokenEndpoint;
}

export type TokenEndpoint = (
  form: URLSearchParams,
  clientIp: string | undefined,
) => Promise<{ status: number; body: string }>;

const random = () => randomBytes(32).toString('base64url');

function readFlow(c: Context<ConsoleEnv>): Flow | undefined {
  const raw = getCookie(c, FLOW_COOKIE);
  if (!raw) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flow>;
    const { state, nonce, verifier, next } = value;
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string')
      return undefined;
    return { state, nonce, verifier, next: safeNextPath(typeof next === 'string' ? next : undefined) };
  } catch {
    return undefined;
  }
}

/**
 * "Sign in with your idhooks account": an authorization-code flow with PKCE and a nonce against the
 * built-in provider, through the hosted sign-in page. The callback admits only users holding the
 * console administrator role; break-glass sign-in with client credentials lives in auth.tsx.
 */
export function accountSignInRoutes(deps: AccountSignInDeps) {
  const { sessions, clock, security, endpoint, clientId } = deps;
  const issuer = `${endpoint}${OIDC_MOUNT_PATH}`;
  const redirectUri = `${endpoint}${consolePaths.callback}`;
  const app = new Hono<ConsoleEnv>();

  const refuse = (c: Context<ConsoleEnv>, title: string, message: string, status: 400 | 403) => {
    deleteCookie(c, FLOW_COOKIE, { path: consolePaths.callback, secure: isHttpsRequest(c, security) });
    c.get('logger')?.info({ reason: title }, 'console account sign-in refused');
    return c.html(
      <MessagePage
        frame={{ nonce: c.get('nonce'), csrfToken: undefined }}
        title={title}
        message={message}
        link={{ href: consolePaths.signIn, text: 'Back to sign-in' }}
      />,
      status,
    );
  };

  app.get('/sign-in/account', (c) => {
    const flow: Flow = {
      state: random(),
      nonce: random(),
      verifier: random(),
      next: safeNextPath(c.req.query('next')),
    };
    setCookie(c, FLOW_COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
      httpOnly: true,
      sameSite: 'Lax',
      path: consolePaths.callback,
      secure: isHttpsRequest(c, security),
      maxAge: FLOW_MAX_AGE,
    });
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: createHash('sha256').update(flow.verifier).digest('base64url'),
      code_challenge_method: 'S256',
      // Always ask for the password: a browser still signed in to the hosted pages (another user,
      // or the one who just signed out of the console) must not walk into the console unasked.
      prompt: 'login',
    }).toString();
    return c.redirect(url.href, 303);
  });

  app.get('/callback', async (c) => {
    const flow = readFlow(c);
    const state = c.req.query('state') ?? '';
    if (!flow || !secretsMatch(state, flow.state)) {
      return refuse(
        c,
        'Sign-in not recognized',
        'This sign-in did not start in this browser, or it took too long. Start again from the sign-in page.',
        400,
      );
    }
    const error = c.req.query('error');
    if (error !== undefined) {
      const description = c.req.query('error_description') ?? error;
      return refuse(c, 'Sign-in did not complete', `The sign-in page answered: ${description}`, 400);
    }
    const code = c.req.query('code');
    if (!code || c.req.query('iss') !== issuer) {
      return refuse(c, 'Sign-in not recognized', 'The sign-in answer is incomplete. Start again.', 400);
    }
    const exchanged = await deps.postToTokenEndpoint(
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: flow.verifier,
      }),
      clientIp(c, security),
    );
    const body = JSON.parse(exchanged.body || '{}') as { id_token?: unknown };
    if (exchanged.status !== 200 || typeof body.id_token !== 'string') {
      return refuse(c, 'Sign-in did not complete', 'The sign-in code was not accepted. Start again.', 400);
    }
    // The ID token comes straight from the provider in this process, never over a network, so its
    // signature adds nothing; its claims still bind it to this flow.
    const claims = decodeJwt(body.id_token);
    if (
      claims.iss !== issuer ||
      claims.aud !== clientId ||
      typeof claims.nonce !== 'string' ||
      !secretsMatch(claims.nonce, flow.nonce) ||
      typeof claims.sub !== 'string'
    ) {
      return refuse(c, 'Sign-in not recognized', 'The sign-in answer does not match this browser.', 400);
    }
    const result = await sessions.signInUser(clientId, claims.sub);
    if (!result.ok) return refuse(c, 'Not an administrator', REFUSALS[result.reason], 403);
    deleteCookie(c, FLOW_COOKIE, { path: consolePaths.callback, secure: isHttpsRequest(c, security) });
    await sessions.signOut(getCookie(c, SESSION_COOKIE));
    const { token, session } = result.signIn;
    setSessionCookie(c, token, session, clock.now(), security);
    c.get('logger')?.info({ actor: session.actor, sessionId: session.id }, 'console sign-in');
    return c.redirect(flow.next, 303);
  });

  return app;
}
