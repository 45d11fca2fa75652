/**
 * Receive idhooks webhooks: verify the signature, get a typed event.
 *
 * ```ts
 * import { verifyWebhook } from '@idhooks/webhooks';
 * const event = verifyWebhook(rawBody, request.headers, process.env.IDHOOKS_SIGNING_KEY!);
 * if (event.event === 'User.Created') console.log(event.data.id);
 * ```
 */
export {
  DEFAULT_TOLERANCE_SECONDS,
  HEADERS,
  type HeadersLike,
  isWebhookEventType,
  type SigningKey,
  standardWebhooksSecret,
  type VerifyOptions,
  verifyWebhook,
} from './verify.js';
export {
  InvalidHeadersError,
  InvalidPayloadError,
  MissingSignatureError,
  SignatureMismatchError,
  TimestampOutOfToleranceError,
  type WebhookErrorCode,
  WebhookVerificationError,
} from './errors.js';
export * from './generated/events.js';
