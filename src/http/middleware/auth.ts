import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../shared/errors.js';
import type { AuthService } from '../../services/auth.js';
import type { AppEnv } from '../context.js';

/** Requires a valid Management API access token (`Authorization: Bearer …`). */
export function requireAccessToken(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization')?.trim();
    if (!header) throw new AppError('auth.authorization_header_missing');
    // `Bearer <token>` with exactly one token: anything after it would otherwise be ignored silently.
    const [type, token, ...rest] = header.split(/\s+/);
    if (type?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
      throw new AppError('auth.authorization_token_type_not_supported');
    }
    const claims = await auth.verifyAccessToken(token);
    c.set('clientId', claims.clientId);
    await next();
  };
}
