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

function basicCredentials(header: string | undefined): { id?: string; secret?: string } {
  if (!header?.toLowerCase().startsWith('basic ')) return {};
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return {};
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

/**
 * `POST /oidc/token` with `grant_type=client_credentials` (Logto's Management API access). Errors
 * carry both OAuth's `error`/`error_description` and our `code`/`message`.
 */
export function oidcRoutes(auth: AuthService) {
  return new Hono<AppEnv>().post('/token', async (c) => {
    try {
      const type = c.req.header('content-type') ?? '';
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        throw new AppError('oidc.invalid_request', {
          params: { description: 'The token request must be sent as application/x-www-form-urlencoded.' },
        });
      }
      const form = new URLSearchParams(await c.req.text());
      const basic = basicCredentials(c.req.header('authorization'));
      const token = await auth.issueToken({
        grantType: form.get('grant_type') ?? undefined,
        clientId: basic.id ?? form.get('client_id') ?? undefined,
        clientSecret: basic.secret ?? form.get('client_secret') ?? undefined,
        resource: form.get('resource') ?? undefined,
        scope: form.get('scope') ?? undefined,
      });
      c.header('Cache-Control', 'no-store');
      return c.json(token, 200);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
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
