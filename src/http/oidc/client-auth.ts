import { providerClientSecret } from '../../services/oidc-clients.js';
import type { AuthService } from '../../services/auth.js';
import type { LimitedAttempt } from '../../services/attempt-limiter.js';
import { AppError } from '../../shared/errors.js';

/** Endpoints where clients authenticate (RFC 6749 §2.3): the only ones whose secrets we rewrite. */
export const CLIENT_AUTH_PATHS = new Set(['/token', '/token/introspection', '/token/revocation']);

/** An OAuth error answered before the provider sees the request. */
export class ClientAuthError extends Error {
  override name = 'ClientAuthError';
  constructor(
    /** `slow_down` (RFC 8628's name for "wait"): the failure limit is reached, answered 429. */
    readonly error: 'invalid_client' | 'invalid_request' | 'slow_down',
    readonly description: string,
    /** The client tried HTTP Basic: RFC 6749 §5.2 asks for `WWW-Authenticate` on the 401. */
    readonly isBasic = false,
    /** Sent as `Retry-After` with a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
  }
  get status() {
    if (this.error === 'slow_down') return 429;
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

/** Client credentials from `Authorization: Basic …`, or undefined when the header is not Basic. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const invalid = (detail: string) =>
    new ClientAuthError('invalid_client', `Client authentication failed: ${detail}`, true);
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalid('the Basic credentials must be "client_id:client_secret".');
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined. A stray `%` must be a 401,
  // not the URIError (and 500) decodeURIComponent would throw.
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw invalid('the Basic credentials are not form-urlencoded.');
    }
  };
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

const encodeBasic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * Reserves one failure attempt for this client id (and the request's address) before its secret
 * is hashed; throws AppError `request.too_many_attempts` when the budget is spent
 * (services/attempt-limiter.ts, `clientAuthKeys`).
 */
export type BeginClientAuthAttempt = (clientId: string) => Promise<LimitedAttempt>;

export interface AuthenticatedRequest {
  readonly authorization: string | undefined;
  readonly body: string;
}

/**
 * The one place where a client secret is checked on `/oidc`. An attempt is reserved on the
 * failure limiter before the Argon2 check (over the limit: 429 with `Retry-After`, nothing hashed);
 * a wrong secret keeps it counted, a right one gives it back. The presented secret is verified against the stored Argon2
 * hash; when it matches, the request goes on to the provider with HTTP Basic carrying the
 * provider's stand-in secret (services/oidc-clients.ts), and when it does not, the provider never
 * sees the request. Every presented secret is replaced, so the stand-in itself, if it ever leaked,
 * would be checked against the hash like any other guess and refused. Requests without a secret
 * (public clients with PKCE) pass unchanged.
 */
export async function authenticateClientRequest(
  auth: Pick<AuthService, 'authenticateClient'>,
  authorization: string | undefined,
  body: string,
  beginAttempt: BeginClientAuthAttempt,
): Promise<AuthenticatedRequest> {
  const form = new URLSearchParams(body);
  for (const name of ['client_id', 'client_secret']) {
    if (form.getAll(name).length > 1) {
      throw new ClientAuthError('invalid_request', `'${name}' parameter must only be provided once`);
    }
  }
  const basic = basicCredentials(authorization);
  const bodyClientId = form.get('client_id');
  // RFC 6749 §2.3: one authentication method per request. A body client_id equal to the Basic one
  // is tolerated, since some OAuth libraries always send it.
  if (basic && (form.has('client_secret') || (bodyClientId !== null && bodyClientId !== basic.id))) {
    throw new ClientAuthError(
      'invalid_request',
      'Send the client credentials either with HTTP Basic or in the body, not both.',
    );
  }
  const clientId = basic?.id ?? bodyClientId;
  const secret = basic?.secret ?? form.get('client_secret');
  if (secret === null) {
    // RFC 6749 §5.2: no client authentication at all is invalid_client (the provider would say
    // invalid_request).
    if (clientId === null && !authorization) {
      throw new ClientAuthError(
        'invalid_client',
        'Client authentication failed: send client_id (and client_secret for confidential clients).',
      );
    }
    // A public client, or a confidential one that forgot its secret (the provider refuses that
    // one). Any other Authorization scheme is the provider's to refuse.
    return { authorization, body };
  }
  // Without a client id there is nothing to hash, so nothing to limit.
  const attempt = clientId ? await reserveAttempt(beginAttempt, clientId, basic) : undefined;
  const app = clientId ? await auth.authenticateClient(clientId, secret) : undefined;
  if (app) await attempt?.succeeded();
  else attempt?.failed();
  if (!app) {
    throw new ClientAuthError('invalid_client', 'Client authentication failed.', basic !== undefined);
  }
  form.delete('client_secret');
  form.delete('client_id');
  return { authorization: encodeBasic(app.id, providerClientSecret(app)), body: form.toString() };
}

async function reserveAttempt(
  beginAttempt: BeginClientAuthAttempt,
  clientId: string,
  basic: unknown,
): Promise<LimitedAttempt> {
  try {
    return await beginAttempt(clientId);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'request.too_many_attempts') throw error;
    throw new ClientAuthError('slow_down', error.message, basic !== undefined, error.retryAfterSeconds);
  }
}
