/**
 * Webhook signatures: Logto's `logto-signature-sha-256` (docs/compatibility.md#signatures) and Standard Webhooks'
 * `webhook-signature` (docs/compatibility.md#additions points 3 and 4).
 *
 * Both sign the exact body string that goes on the wire (docs/architecture.md#conventions point 12): serialise the payload once
 * and pass that same string here and to the HTTP client. Re-serialising would change the bytes and
 * break every receiver's check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header names, lowercase as they appear on the wire. */
export const LOGTO_SIGNATURE_HEADER = 'logto-signature-sha-256';
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/** Every header this module produces; custom headers may never override these. */
export const SIGNATURE_HEADER_NAMES = [
  LOGTO_SIGNATURE_HEADER,
  WEBHOOK_ID_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
] as const;

type Bytes = string | Uint8Array;

/** HMAC-SHA256 of `message` (strings as UTF-8) keyed with `key` (strings as UTF-8). */
const hmacSha256 = (key: Bytes, message: Bytes): Buffer => createHmac('sha256', key).update(message).digest();

/**
 * Logto's signature: lowercase hex HMAC-SHA256 of the body, keyed with the UTF-8 bytes of the
 * signing key as is (not base64- or hex-decoded).
 *
 * Logto omits the header when the key is `''` (pre-1.3 hooks); this function still returns the
 * digest of an empty key, so the caller decides, as {@link signatureHeaders} does.
 */
export const logtoSignature = (signingKey: string, body: Bytes): string =>
  hmacSha256(signingKey, body).toString('hex');

/**
 * Constant-time check of a `logto-signature-sha-256` value, for receivers and tests. Case of the
 * hex digits is ignored; anything that is not 64 hex digits is rejected.
 */
export const verifyLogtoSignature = (signingKey: string, body: Bytes, header: string): boolean => {
  if (!/^[0-9a-f]{64}$/i.test(header)) return false;
  return timingSafeEqual(Buffer.from(header.toLowerCase(), 'hex'), hmacSha256(signingKey, body));
};

/** Base64 HMAC-SHA256 keyed with raw bytes; the primitive Standard Webhooks uses. */
export const hmacSha256Base64 = (keyBytes: Uint8Array, message: Bytes): string =>
  hmacSha256(keyBytes, message).toString('base64');

/**
 * The Standard Webhooks secret for a signing key: `whsec_` + base64(UTF-8 bytes of the key).
 * Receivers give it to the `standardwebhooks`/`svix` verifiers, which base64-decode it back to the
 * very bytes Logto's signature uses, so one key serves both schemes.
 */
export const whsecOf = (signingKey: string): string =>
  `whsec_${Buffer.from(signingKey, 'utf8').toString('base64')}`;

export type StandardWebhooksSignatureInput = {
  /** Signing keys, current first; during rotation the previous key is also listed. */
  keys: readonly string[];
  /** The `webhook-id`: stable across retries of one delivery so receivers can de-duplicate. */
  msgId: string;
  /** The `webhook-timestamp`: unix seconds of this attempt. */
  timestamp: number;
  body: string;
};

/**
 * The `webhook-signature` value: `v1,<base64>` per key, space-separated, in key order, each the
 * HMAC-SHA256 of `${msgId}.${timestamp}.${body}` keyed with the key's UTF-8 bytes. Empty keys are
 * skipped; with none left the result is `''` and the header must be omitted.
 */
export const standardWebhooksSignature = ({
  keys,
  msgId,
  timestamp,
  body,
}: StandardWebhooksSignatureInput): string => {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`webhook timestamp must be whole unix seconds; got ${timestamp}.`);
  }
  const message = `${msgId}.${timestamp}.${body}`;
  return keys
    .filter((key) => key !== '')
    .map((key) => `v1,${hmacSha256Base64(Buffer.from(key, 'utf8'), message)}`)
    .join(' ');
};

export type SignatureHeadersInput = {
  /** The hook's current signing key; `''` for a legacy hook without one. */
  signingKey: string;
  /** Keys still inside their rotation grace period, newest first. */
  previousKeys?: readonly string[];
  msgId: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  body: string;
};

/**
 * All signature headers for one attempt, in wire order: the Logto header (only with a non-empty
 * current key; the old keys never sign it, docs/compatibility.md#compatibility-choices point 4), then `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` (omitted when there is no key at all).
 */
export const signatureHeaders = ({
  signingKey,
  previousKeys = [],
  msgId,
  timestamp,
  body,
}: SignatureHeadersInput): Record<string, string> => {
  const headers: Record<string, string> = {};
  if (signingKey !== '') headers[LOGTO_SIGNATURE_HEADER] = logtoSignature(signingKey, body);
  headers[WEBHOOK_ID_HEADER] = msgId;
  headers[WEBHOOK_TIMESTAMP_HEADER] = String(timestamp);
  const signature = standardWebhooksSignature({
    keys: [signingKey, ...previousKeys],
    msgId,
    timestamp,
    body,
  });
  if (signature !== '') headers[WEBHOOK_SIGNATURE_HEADER] = signature;
  return headers;
};
