/**
 * Hono middleware: verifies the request and puts the event in `c.get('webhook')`.
 */
import type { MiddlewareHandler } from 'hono';
import { WebhookVerificationError } from './errors.js';
import type { WebhookEvent } from './generated/events.js';
import { type SigningKey, type VerifyOptions, verifyWebhook } from './verify.js';

/** Add to your app's `Variables` to type `c.get('webhook')`. */
export type WebhookVariables = { webhook: WebhookEvent };

/**
 * `app.post('/webhooks', webhookMiddleware(key), (c) => { const event = c.get('webhook'); … })`.
 * Refused requests get `{ code, message }` with 400 or 401 and never reach your handler.
 */
export function webhookMiddleware(
  signingKey: SigningKey,
  options: VerifyOptions = {},
): MiddlewareHandler<{ Variables: WebhookVariables }> {
  return async (c, next) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    try {
      c.set('webhook', verifyWebhook(body, c.req.raw.headers, signingKey, options));
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return c.json({ code: error.code, message: error.message }, error.status as 400 | 401);
    }
    await next();
  };
}
