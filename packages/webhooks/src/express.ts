/**
 * Express (4 and 5) middleware. Mount it on the webhook route before any body parser, or after
 * `express.raw({ type: 'application/json' })`: a body already parsed into an object cannot be
 * verified, because re-serialising it would not give back the signed bytes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookVerificationError } from './errors.js';
import type { WebhookEvent } from './generated/events.js';
import { type BodyOptions, readRawBody, sendVerificationError } from './node.js';
import { type SigningKey, type VerifyOptions, verifyWebhook } from './verify.js';

/** The request after the middleware: `req.webhook` is the verified event. */
export type WebhookRequest = IncomingMessage & { body?: unknown; webhook?: WebhookEvent };

async function rawBodyOf(req: WebhookRequest, maxBytes?: number): Promise<string | Buffer> {
  if (Buffer.isBuffer(req.body) || typeof req.body === 'string') return req.body;
  if (req.body !== undefined && req.body !== null && typeof req.body === 'object' && req.readableEnded) {
    throw new TypeError(
      'The webhook body was already parsed (express.json?). Mount the webhook middleware before body parsers, or use express.raw().',
    );
  }
  return readRawBody(req, maxBytes);
}

/**
 * `app.post('/webhooks', webhookMiddleware(key), (req, res) => { req.webhook … })`. Refused requests
 * get `{ code, message }` with 400 or 401 and never reach your handler.
 */
export function webhookMiddleware(signingKey: SigningKey, options: VerifyOptions & BodyOptions = {}) {
  return (req: WebhookRequest, res: ServerResponse, next: (error?: unknown) => void): void => {
    rawBodyOf(req, options.maxBodyBytes)
      .then((body) => {
        req.webhook = verifyWebhook(body, req.headers, signingKey, options);
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof WebhookVerificationError) sendVerificationError(res, error);
        else next(error);
      });
  };
}

declare module 'http' {
  interface IncomingMessage {
    /** Set by `@idhooks/webhooks/express`'s middleware: the verified event. */
    webhook?: WebhookEvent;
  }
}
