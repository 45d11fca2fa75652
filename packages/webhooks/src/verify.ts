import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  InvalidHeadersError,
  InvalidPayloadError,
  MissingSignatureError,
  SignatureMismatchError,
  TimestampOutOfToleranceError,
} from './errors.js';
import { eventTypes, type WebhookEvent, type WebhookEventType } from './generated/events.js';

/** Header names, lowercase as idhooks sends them. */
export const HEADERS = Object.freeze({
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
  logto: 'logto-signature-sha-256',
});

/** Anything that holds request headers: a Fetch `Headers`, Node's `req.headers`, or a plain object. */
export type HeadersLike =
  { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A hook's signing key as the hooks API and the console show it, or its Standard Webhooks form
 * `whsec_<base64>`. During a key rotation pass both the old and the new key.
 */
export type SigningKey = string | readonly string[];

export interface VerifyOptions {
  /**
   * How far `webhook-timestamp` may be from this machine's clock, in seconds (either way).
   * The Logto header carries no timestamp, so it cannot be checked there.
   * @defaultValue 300
   */
  toleranceSeconds?: number;
  /**
   * Which signature to check. `auto` checks `webhook-signature` when it is present (it also
   * covers the id and the timestamp, so replays are refused), else `logto-signature-sha-256`.
   * @defaultValue 'auto'
   */
  scheme?: 'auto' | 'standard-webhooks' | 'logto';
  /** The clock, in epoch milliseconds; for tests. @defaultValue Date.now */
  now?: () => number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
const SCHEMES: readonly string[] = ['auto', 'standard-webhooks', 'logto'];
const WHSEC_PREFIX = 'whsec_';

const eventTypeSet: ReadonlySet<string> = new Set(eventTypes);

/** True when `name` is an event of the catalog this package was built from. */
export const isWebhookEventType = (name: string): name is WebhookEventType => eventTypeSet.has(name);

function headerOf(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return typeof value === 'string' ? value : value?.join(', ');
}

/** The HMAC key bytes: `whsec_` keys are base64, plain keys are used as their UTF-8 bytes (as idhooks and Logto do). */
function keyBytes(key: string): Buffer {
  return key.startsWith(WHSEC_PREFIX)
    ? Buffer.from(key.slice(WHSEC_PREFIX.length), 'base64')
    : Buffer.from(key, 'utf8');
}

const asBytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

const hmac = (key: Buffer, ...parts: Buffer[]) => {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Constant-time equality of two digests; a length difference returns false without comparing. */
const sameDigest = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

function verifyStandard(body: Buffer, headers: HeadersLike, keys: readonly string[], options: VerifyOptions) {
  const id = headerOf(headers, HEADERS.id);
  const timestampText = headerOf(headers, HEADERS.timestamp);
  const signatures = headerOf(headers, HEADERS.signature) ?? '';
  if (!id) throw new InvalidHeadersError('The webhook-id header is missing.');
  if (!timestampText || !/^\d{1,15}$/.test(timestampText)) {
    throw new InvalidHeadersError('The webhook-timestamp header must be whole unix seconds.');
  }
  const timestamp = Number(timestampText);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(now - timestamp) > tolerance)
    throw new TimestampOutOfToleranceError(timestamp, now, tolerance);

  // Several `v1,<base64>` entries arrive while the sender rotates keys: any one match is enough.
  const candidates = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  if (candidates.length === 0) throw new SignatureMismatchError('webhook-signature has no v1 signature.');
  const prefix = Buffer.from(`${id}.${timestampText}.`, 'utf8');
  for (const key of keys) {
    const expected = hmac(keyBytes(key), prefix, body);
    if (candidates.some((candidate) => sameDigest(candidate, expected))) return;
  }
  throw new SignatureMismatchError();
}

function verifyLogto(body: Buffer, header: string, keys: readonly string[]) {
  if (!/^[0-9a-f]{64}$/i.test(header)) {
    throw new SignatureMismatchError('logto-signature-sha-256 is not a 64-digit hex digest.');
  }
  const received = Buffer.from(header, 'hex');
  if (keys.some((key) => sameDigest(received, hmac(keyBytes(key), body)))) return;
  throw new SignatureMismatchError();
}

function parseEvent(body: Buffer): WebhookEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidPayloadError('The body is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidPayloadError('The body is not a JSON object.');
  }
  if (typeof (parsed as { event?: unknown }).event !== 'string') {
    throw new InvalidPayloadError('The body has no `event` name.');
  }
  return parsed as WebhookEvent;
}

/**
 * Checks that `rawBody` was signed by idhooks (or Logto) with `signingKey`, and returns the event.
 *
 * Pass the body exactly as received (a string or the bytes), never a re-serialised object: one
 * changed byte and the signature no longer matches. Throws a {@link WebhookVerificationError}
 * subclass when the request must be refused. An event name newer than this package is returned
 * as is (switch on `event` with a default branch).
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: HeadersLike,
  signingKey: SigningKey,
  options: VerifyOptions = {},
): WebhookEvent {
  const keys = (typeof signingKey === 'string' ? [signingKey] : [...signingKey]).filter((k) => k !== '');
  if (keys.length === 0) throw new TypeError('verifyWebhook needs a non-empty signing key.');
  // Options come from configuration: a typo must fail loudly, not verify with a different rule.
  const { toleranceSeconds } = options;
  if (toleranceSeconds !== undefined && !(Number.isFinite(toleranceSeconds) && toleranceSeconds >= 0)) {
    throw new TypeError(`toleranceSeconds must be a number of seconds ≥ 0; got ${String(toleranceSeconds)}.`);
  }
  if (options.scheme !== undefined && !SCHEMES.includes(options.scheme)) {
    throw new TypeError(`scheme must be one of ${SCHEMES.join(', ')}; got ${String(options.scheme)}.`);
  }
  const body = asBytes(rawBody);
  const scheme = options.scheme ?? 'auto';
  const hasStandard = headerOf(headers, HEADERS.signature) !== undefined;
  const logto = headerOf(headers, HEADERS.logto);

  if (scheme === 'standard-webhooks' || (scheme === 'auto' && hasStandard)) {
    if (!hasStandard) throw new MissingSignatureError('The request carries no webhook-signature header.');
    verifyStandard(body, headers, keys, options);
  } else if (logto !== undefined) {
    verifyLogto(body, logto, keys);
  } else {
    throw new MissingSignatureError(
      scheme === 'logto' ? 'The request carries no logto-signature-sha-256 header.' : undefined,
    );
  }
  return parseEvent(body);
}

/** The `whsec_…` secret of a signing key, for any other Standard Webhooks library. */
export const standardWebhooksSecret = (signingKey: string): string =>
  signingKey.startsWith(WHSEC_PREFIX)
    ? signingKey
    : `${WHSEC_PREFIX}${Buffer.from(signingKey, 'utf8').toString('base64')}`;
