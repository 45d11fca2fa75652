import type { MiddlewareHandler } from 'hono';
import { newRecordId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { AppEnv } from '../context.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Gives every request an id, returned in `X-Request-Id` and carried by every log line, so an
 * operator can go from a client's error straight to the server log. A caller-supplied id is kept
 * when it is short and printable (a proxy may have set it).
 */
export function requestId(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : newRecordId('req');
    c.set('requestId', id);
    c.set('logger', logger.child({ requestId: id }));
    c.header(REQUEST_ID_HEADER, id);
    await next();
  };
}
