import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.js';

/**
 * Hono's body limit, with its common case answered from the headers alone. Hono's first looks at
 * `c.req.raw.body`, which on the Node server turns every request into a web stream even when a
 * declared Content-Length settles the question (a tenth of a created user's CPU in a profile); the
 * route then reads the body straight from the socket instead. Chunked bodies go through Hono's.
 */
export function bodyLimit(options: { maxSize: number; onError: () => never }): MiddlewareHandler<AppEnv> {
  const streamed = honoBodyLimit(options);
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (parseInt(length || '0', 10) > options.maxSize) options.onError();
      return next();
    }
    return streamed(c, next);
  };
}
