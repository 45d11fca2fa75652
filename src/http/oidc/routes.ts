import { Hono, type Context } from 'hono';
import type Provider from 'oidc-provider';
import type { AuthService } from '../../services/auth.js';
import { isErrorCode } from '../../shared/errors.js';
import { clientIp, type AppEnv, type ClientAddressOptions } from '../context.js';
import { runNodeListener, type BridgedResponse } from './bridge.js';
import {
  authenticateClientRequest,
  ClientAuthError,
  CLIENT_AUTH_PATHS,
  type BeginClientAuthAttempt,
} from './client-auth.js';
import type { ProviderRequestContext } from './provider.js';

export const OIDC_MOUNT_PATH = '/oidc';

export interface OidcRoutesOptions extends ClientAddressOptions {
  /** The configured public endpoint: the provider's absolute URLs are built on it. */
  readonly endpoint: string;
  /**
   * The failure limiter's attempt for a client id at an address (`clientAuthKeys`): the same
   * budget as the console sign-in.
   */
  readonly beginClientAuthAttempt: (
    clientId: string,
    ip: string | undefined,
  ) => ReturnType<BeginClientAuthAttempt>;
  /**
   * Called before `/oidc/auth` (not its `/auth/<uid>` resumption): a new authorization request
   * stores an interaction, so anonymous requests are limited per address like the hosted pages'
   * first posts (throws AppError 429).
   */
  readonly limitNewAuthorization: (ip: string | undefined) => Promise<void>;
  /** After a sign-out at `/oidc/session/end` (PostSignOut, the hosted-page session). */
  readonly onSignOut?: (
    signOut: NonNullable<ProviderRequestContext['signOut']>,
    request: { ip: string | undefined; userAgent: string | undefined; cookie: string | undefined },
  ) => Promise<void>;
}

/**
 * The provider's OAuth errors in our shape as well: `{ error, error_description }` for OAuth
 * clients, `{ code, message }` for Logto's (Logto names them `oidc.<error>` too).
 */
function withOurErrorShape(response: BridgedResponse): BridgedResponse {
  const type = String(response.headers['content-type'] ?? '');
  if (response.status < 400 || !type.includes('json')) return response;
  let parsed: { error?: unknown; error_description?: unknown };
  try {
    parsed = JSON.parse(response.body.toString('utf8')) as typeof parsed;
  } catch {
    return response;
  }
  if (typeof parsed.error !== 'string') return response;
  const candidate = `oidc.${parsed.error}`;
  const code = isErrorCode(candidate) ? candidate : 'oidc.invalid_request';
  const message = typeof parsed.error_description === 'string' ? parsed.error_description : parsed.error;
  const body = { ...parsed, error_description: message, code, message };
  return { ...response, body: Buffer.from(JSON.stringify(body)) };
}

function clientAuthErrorResponse(error: ClientAuthError): BridgedResponse {
  const body = {
    error: error.error,
    error_description: error.description,
    code: error.error === 'slow_down' ? 'request.too_many_attempts' : `oidc.${error.error}`,
    message: error.description,
  };
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...(error.isBasic && error.status === 401 ? { 'www-authenticate': 'Basic realm="idhooks"' } : {}),
      ...(error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {}),
    },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/**
 * Everything under `/oidc` is the provider's (discovery, auth, token, jwks, userinfo, session end,
 * revocation, introspection). Before a client-authenticating endpoint sees a request, its secret
 * is checked against the stored hash, within the failure limit (client-auth.ts).
 */
export function oidcRoutes(provider: Provider, auth: AuthService, options: OidcRoutesOptions) {
  const listener = provider.callback();
  const origin = new URL(options.endpoint);

  const handle = async (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    const method = c.req.method;
    let body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.from(await c.req.arrayBuffer());
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const subPath = url.pathname.slice(OIDC_MOUNT_PATH.length);
    let response: BridgedResponse;
    const context: ProviderRequestContext = {};
    const ip = clientIp(c, options);
    if (subPath === '/auth' && (method === 'GET' || method === 'POST')) {
      await options.limitNewAuthorization(ip);
    }
    try {
      if (
        method === 'POST' &&
        CLIENT_AUTH_PATHS.has(subPath) &&
        /x-www-form-urlencoded/i.test(headers['content-type'] ?? '')
      ) {
        const checked = await authenticateClientRequest(
          auth,
          headers.authorization,
          body?.toString('utf8') ?? '',
          (clientId) => options.beginClientAuthAttempt(clientId, ip),
        );
        body = Buffer.from(checked.body);
        if (checked.authorization === undefined) delete headers.authorization;
        else headers.authorization = checked.authorization;
      }
      response = await runNodeListener(listener, OIDC_MOUNT_PATH, {
        method,
        url: `${url.pathname}${url.search}`,
        headers,
        body,
        origin,
        clientIp: ip,
        context,
      });
      response = withOurErrorShape(response);
      if (context.signOut && options.onSignOut) {
        await options.onSignOut(context.signOut, {
          ip,
          userAgent: headers['user-agent'],
          cookie: headers.cookie,
        });
      }
    } catch (error) {
      if (!(error instanceof ClientAuthError)) throw error;
      response = clientAuthErrorResponse(error);
    }
    return c.body(new Uint8Array(response.body), response.status as 200, response.headers);
  };

  return new Hono<AppEnv>().all('/', handle).all('/*', handle);
}
