import { Hono } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { AuthService } from '../../services/auth.js';
import type { AppEnv } from '../context.js';

/** OAuth's error names for our codes, so OAuth clients read `error` as they expect. */
const OAUTH_ERRORS: Record<string, string> = {
  'oidc.invalid_request': 'invalid_request',
  'oidc.unsupported_grant_type': 'unsupported_grant_type',
  'oidc.invalid_client': 'invalid_client',
  'oidc.invalid_target': 'invalid_target',
  'oidc.invalid_scope': 'invalid_scope',
};

const invalidRequest = (description: string) =>
  new AppError('oidc.invalid_request', { params: { description } });

const invalidClient = (detail: string) =>
  new AppError('oidc.invalid_client', { message: `Client authentication failed: ${detail}` });

/** Client credentials from `Authorization: Basic …`, or undefined when the header is not Basic. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('the Basic credentials must be "client_id:client_secret".');
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined. A stray `%` must be a 401,
  // not the URIError (and 500) decodeURIComponent would throw.
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw invalidClient('the Basic credentials are not form-urlencoded.');
    }
  };
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

/** The form's parameters; RFC 6749 §3.2 forbids repeating one, which would make it ambiguous. */
function readForm(body: string): Map<string, string> {
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (form.has(name)) throw invalidRequest(`The parameter ${name} is repeated; send it once.`);
    form.set(name, value);
  }
  return form;
}

/**
 * `POST /oidc/token` with `grant_type=client_credentials` (Logto's Management API access). Errors
 * carry both OAuth's `error`/`error_description` and our `code`/`message`.
 */
export function oidcRoutes(auth: AuthService) {
  return new Hono<AppEnv>().post('/token', async (c) => {
    // RFC 6749 §5.1 and §5.2: token responses, errors included, must never be cached.
    c.header('Cache-Control', 'no-store');
    const authorization = c.req.header('authorization');
    try {
      const type = (c.req.header('content-type') ?? '').toLowerCase();
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        throw invalidRequest('The token request must be sent as application/x-www-form-urlencoded.');
      }
      const form = readForm(await c.req.text());
      const basic = basicCredentials(authorization);
      // RFC 6749 §2.3: one authentication method per request. A body client_id equal to the Basic one
      // is tolerated, since some OAuth libraries always send it.
      const bodyClientId = form.get('client_id');
      if (basic && (form.has('client_secret') || (bodyClientId !== undefined && bodyClientId !== basic.id))) {
        throw invalidRequest('Send the client credentials either with HTTP Basic or in the body, not both.');
      }
      const token = await auth.issueToken({
        grantType: form.get('grant_type'),
        clientId: basic?.id ?? form.get('client_id'),
        clientSecret: basic?.secret ?? form.get('client_secret'),
        resource: form.get('resource'),
        scope: form.get('scope'),
      });
      return c.json(token, 200);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // RFC 6749 §5.2: a 401 to a client that tried HTTP Basic names the scheme to use.
      if (error.status === 401 && authorization?.toLowerCase().startsWith('basic ')) {
        c.header('WWW-Authenticate', 'Basic realm="idhooks"');
      }
      return c.json(
        {
          error: OAUTH_ERRORS[error.code] ?? 'invalid_request',
          error_description: error.message,
          ...error.toBody(),
        },
        error.status as 400 | 401,
      );
    }
  });
}
