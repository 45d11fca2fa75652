import type { ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { databaseFaultOf } from '../../shared/db-faults.js';
import { AppError } from '../../shared/errors.js';
import type { AppContext, AppEnv } from '../context.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/**
 * A fresh Response does not carry the headers middleware set on the context, so the request id is
 * copied explicitly: an error is exactly when the client needs it to find the log line.
 */
const respond = (c: AppContext, error: AppError) => {
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8' });
  const id = c.get('requestId');
  if (id) headers.set(REQUEST_ID_HEADER, id);
  if (error.retryAfterSeconds !== undefined) headers.set('retry-after', String(error.retryAfterSeconds));
  // A refused body was not read: its bytes are still on the socket and would be parsed as the next
  // request. Closing the connection after this answer is the only safe end (Node then sends FIN).
  if (error.status === 413) headers.set('connection', 'close');
  const body = isOidcPath(c.req.path) ? { ...oauthError(error), ...error.toBody() } : error.toBody();
  return new Response(JSON.stringify(body), { status: error.status, headers });
};

const isOidcPath = (path: string) => path === '/oidc' || path.startsWith('/oidc/');

/**
 * Under `/oidc` the clients are OAuth libraries, which read `error` (RFC 6749 §5.2): a refusal made
 * before the provider saw the request (body too large, NUL byte, a limit, the database) carries it
 * too, next to our `{ code, message }`, as the provider's own answers do (http/oidc/routes.ts).
 */
function oauthError(error: AppError): { error: string; error_description: string } {
  const name =
    error.status === 429
      ? 'slow_down'
      : error.status === 503
        ? 'temporarily_unavailable'
        : error.status >= 500
          ? 'server_error'
          : 'invalid_request';
  return { error: name, error_description: error.message };
}

/** Maps what the framework throws for bad requests onto our error codes. */
function fromHttpException(error: HTTPException): AppError {
  if (error.status === 400 && /json/i.test(error.message)) {
    return new AppError('request.invalid_json', {
      message: `The request body is not valid JSON: ${error.message}`,
    });
  }
  if (error.status === 415 || /unsupported media type/i.test(error.message)) {
    return new AppError('request.unsupported_media_type', { params: { expected: 'application/json' } });
  }
  if (error.status === 413)
    return new AppError('request.body_too_large', { params: { limit: 'the configured' } });
  return new AppError('guard.invalid_input', { message: error.message || 'The request is invalid.' });
}

/**
 * Every error becomes Logto's `{ code, message, data? }`. Unknown errors are a 500 with a generic
 * message; their stack goes to the log with the request id, never to the client.
 */
export const errorHandler: ErrorHandler<AppEnv> = (error, c) => {
  const appError =
    error instanceof AppError ? error : error instanceof HTTPException ? fromHttpException(error) : undefined;
  const logger = c.get('logger');
  if (appError) {
    logger?.info({ code: appError.code, status: appError.status }, 'request rejected');
    return respond(c, appError);
  }
  const fault = databaseFaultOf(error);
  if (fault) {
    // The driver's own error (code and message, e.g. SQLITE_FULL) goes to the log; the client
    // learns that the database, not its request, is the problem and that a retry may work.
    logger?.error({ err: error, fault }, 'database fault');
    return respond(
      c,
      new AppError(fault === 'storage_full' ? 'database.storage_full' : 'database.unavailable', {
        retryAfterSeconds: 5,
      }),
    );
  }
  logger?.error({ err: error }, 'unhandled error');
  return respond(c, new AppError('request.internal_error'));
};

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  respond(c, new AppError('request.not_found', { params: { method: c.req.method, path: c.req.path } }));

/**
 * The OpenAPI validator answers a body sent without a JSON content type with a bare-text 415; turn
 * it into our error shape so clients always read `{ code, message }`.
 */
export const normaliseFrameworkResponses: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.status === 415 && !c.res.headers.get('content-type')?.includes('json')) {
    c.res = respond(
      c,
      new AppError('request.unsupported_media_type', { params: { expected: 'application/json' } }),
    );
  }
};
