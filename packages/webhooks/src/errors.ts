/**
 * Why a webhook was refused. Every error is a `WebhookVerificationError`, so one `instanceof`
 * check separates a bad request (answer 4xx, do not process) from a bug in your handler.
 */
export type WebhookErrorCode =
  | 'missing_signature'
  | 'invalid_headers'
  | 'timestamp_out_of_tolerance'
  | 'signature_mismatch'
  | 'invalid_payload';

export class WebhookVerificationError extends Error {
  override readonly name: string = 'WebhookVerificationError';
  /** The HTTP status a receiver should answer with. */
  readonly status: number = 400;
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Neither `webhook-signature` nor `logto-signature-sha-256` was sent. */
export class MissingSignatureError extends WebhookVerificationError {
  override readonly name = 'MissingSignatureError';
  override readonly status = 401;
  constructor(message = 'The request carries no webhook-signature or logto-signature-sha-256 header.') {
    super('missing_signature', message);
  }
}

/** A Standard Webhooks header is missing or malformed (`webhook-id`, `webhook-timestamp`). */
export class InvalidHeadersError extends WebhookVerificationError {
  override readonly name = 'InvalidHeadersError';
  constructor(message: string) {
    super('invalid_headers', message);
  }
}

/** `webhook-timestamp` is further from now than the tolerance: a replay or a badly skewed clock. */
export class TimestampOutOfToleranceError extends WebhookVerificationError {
  override readonly name = 'TimestampOutOfToleranceError';
  override readonly status = 401;
  constructor(
    /** The `webhook-timestamp`, unix seconds. */
    readonly timestamp: number,
    /** This receiver's clock, unix seconds. */
    readonly now: number,
    readonly toleranceSeconds: number,
  ) {
    super(
      'timestamp_out_of_tolerance',
      `webhook-timestamp ${timestamp} is ${Math.abs(now - timestamp)} s from now, more than the ${toleranceSeconds} s allowed.`,
    );
  }
}

/** No signature matches the body with the given key: wrong key, or the body was changed on the way. */
export class SignatureMismatchError extends WebhookVerificationError {
  override readonly name = 'SignatureMismatchError';
  override readonly status = 401;
  constructor(message = 'No signature matches this body and signing key.') {
    super('signature_mismatch', message);
  }
}

/** The signature is valid but the body is not an event (not JSON, or no `event` name). */
export class InvalidPayloadError extends WebhookVerificationError {
  override readonly name = 'InvalidPayloadError';
  constructor(message: string) {
    super('invalid_payload', message);
  }
}
