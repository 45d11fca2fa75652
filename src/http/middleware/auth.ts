import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { AuthService } from '../../services/auth.js';
import type { AppEnv } from '../context.js';

/**
 * The token of an `Authorization: Bearer <token>` header, or the error saying what is wrong with
 * it. Exactly one token: anything after it would otherwise be ignored silently.
 */
export function bearerToken(authorization: string | undefined): string {
  const header = authorization?.trim();
  if (!header) throw new AppError('auth.authorization_header_missing');
  const [type, token, ...rest] = header.split(/\s+/);
  if (type?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
    throw new AppError('auth.authorization_token_type_not_supported');
  }
  return token;
}

/** Requires a valid Management API access token (`Authorization: Bearer …`). */
export function requireAccessToken(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const claims = await auth.verifyAccessToken(bearerToken(c.req.header('authorization')));
    c.set('clientId', claims.clientId);
    await next();
  };
}
