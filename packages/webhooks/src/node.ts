/**
 * Node's `http` (and anything built on it): read the raw body, verify it, hand over the event.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookVerificationError } from './errors.js';
import type { WebhookEvent } from './generated/events.js';
import { type SigningKey, type VerifyOptions, verifyWebhook } from './verify.js';

export interface BodyOptions {
  /**
   * Bodies larger than this are refused before being verified (idhooks payloads are a few KB).
   * @defaultValue 1048576
   */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Reads a request's body as bytes, refusing more than `maxBytes`. */
export async function readRawBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > maxBytes) throw new RangeError(`The webhook body is larger than ${maxBytes} bytes.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads and verifies a Node request; throws like {@link verifyWebhook}. */
export async function verifyNodeRequest(
  req: IncomingMessage,
  signingKey: SigningKey,
  options: VerifyOptions & BodyOptions = {},
): Promise<WebhookEvent> {
  const body = await readRawBody(req, options.maxBodyBytes);
  return verifyWebhook(body, req.headers, signingKey, options);
}

/** Answers a refused webhook with `{ code, message }` and the error's status. */
export function sendVerificationError(res: ServerResponse, error: WebhookVerificationError): void {
  res.writeHead(error.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code: error.code, message: error.message }));
}

/**
 * A complete `http.createServer` handler: verifies each request, calls `onEvent`, answers 204 when
 * it resolves (idhooks then records a success), 4xx when verification fails, 500 when `onEvent`
 * throws (idhooks retries later).
 */
export function createWebhookHandler(
  signingKey: SigningKey,
  onEvent: (event: WebhookEvent, req: IncomingMessage) => unknown,
  options: VerifyOptions & BodyOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      let event: WebhookEvent;
      try {
        event = await verifyNodeRequest(req, signingKey, options);
      } catch (error) {
        if (error instanceof WebhookVerificationError) return sendVerificationError(res, error);
        // Only readRawBody throws anything else: the body was too large, or the client went away.
        const isTooLarge = error instanceof RangeError;
        res.writeHead(isTooLarge ? 413 : 400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            code: isTooLarge ? 'body_too_large' : 'body_unreadable',
            message: String((error as Error).message),
          }),
        );
        return;
      }
      try {
        await onEvent(event, req);
        res.writeHead(204).end();
      } catch {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'handler_failed', message: 'The webhook handler failed.' }));
      }
    })();
  };
}
