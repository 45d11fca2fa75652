/**
 * Custom webhook headers: validation and the final request header set.
 *
 * Logto's server accepts any `Record<string,string>` and merges case-sensitively, so `User-Agent`
 * next to the default `user-agent` goes out as "a, b" (docs/compatibility.md#the-request, docs/compatibility.md#compatibility-choices). idhooks validates on
 * write and merges case-insensitively with the signature headers always winning (docs/compatibility.md#compatibility-choices
 * point 3).
 */
import { SIGNATURE_HEADER_NAMES, LOGTO_SIGNATURE_HEADER } from './signing.js';

/** Logto's default user agent, byte for byte (docs/compatibility.md#the-request and every capture). */
export const DEFAULT_USER_AGENT = 'Logto (https://logto.io/)';
export const DEFAULT_CONTENT_TYPE = 'application/json';
const FETCH_DEFAULT_HEADERS = [
  ['accept', '*/*'],
  ['accept-language', '*'],
  ['sec-fetch-mode', 'cors'],
] as const;

/** Limits on custom headers. Logto has none; these keep a hook row and each request bounded. */
export const HEADER_LIMITS = Object.freeze({ maxCount: 50, maxNameLength: 256, maxValueLength: 4096 });

/**
 * RFC 9110 `token`. Stricter than Logto's console rule (printable ASCII without space or `:`):
 * names such as `x(y)` or `a"b` pass the console but Node's fetch refuses to send them, so the
 * hook would fail on every delivery. Rejecting them on write says so up front.
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Printable ASCII, space and horizontal tab (RFC 9110 field-value without obs-text). CR, LF and NUL
 * would split or truncate the request (header injection); non-ASCII has no portable encoding on
 * the wire. Logto's console allows the same set minus tab.
 */
const VALUE = /^[\t\u0020-\u007E]*$/;

/**
 * Headers the HTTP client owns. Hop-by-hop headers (RFC 9110 §7.6.1) and framing headers would
 * corrupt or hijack the connection if a user could set them; `expect` is refused by Node's fetch.
 */
export const FORBIDDEN_HEADER_NAMES: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

export type HeaderProblem = {
  /** The header name as given; `''` for a problem with the set as a whole (too many headers). */
  name: string;
  reason: string;
};

export type HeaderValidation = { ok: true } | { ok: false; problems: HeaderProblem[] };

const nameProblem = (name: string): string | undefined => {
  if (name.length === 0) return 'the name is empty';
  if (name.length > HEADER_LIMITS.maxNameLength) {
    return `the name is longer than ${HEADER_LIMITS.maxNameLength} characters`;
  }
  if (!TOKEN.test(name)) {
    return "the name may only contain letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)";
  }
  if (FORBIDDEN_HEADER_NAMES.has(name.toLowerCase())) {
    return `${name.toLowerCase()} is set by the HTTP client and cannot be overridden`;
  }
  return undefined;
};

const valueProblem = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return 'the value must be a string';
  if (value.length > HEADER_LIMITS.maxValueLength) {
    return `the value is longer than ${HEADER_LIMITS.maxValueLength} characters`;
  }
  if (!VALUE.test(value)) {
    return 'the value may only contain printable ASCII characters, spaces and tabs (no line breaks)';
  }
  return undefined;
};

/**
 * Checks a hook's custom headers and reports every problem at once, so an API client or the
 * console can show them all. Names are compared case-insensitively for duplicates. Signature
 * header names are accepted (Logto accepts them) but never sent, see {@link buildRequestHeaders}.
 */
export const validateCustomHeaders = (headers: Readonly<Record<string, string>>): HeaderValidation => {
  const problems: HeaderProblem[] = [];
  const entries = Object.entries(headers);
  if (entries.length > HEADER_LIMITS.maxCount) {
    problems.push({ name: '', reason: `at most ${HEADER_LIMITS.maxCount} custom headers are allowed` });
  }
  const seen = new Map<string, string>();
  for (const [name, value] of entries) {
    const reason = nameProblem(name) ?? valueProblem(value);
    if (reason !== undefined) problems.push({ name, reason });
    const lower = name.toLowerCase();
    const first = seen.get(lower);
    if (first === undefined) {
      seen.set(lower, name);
    } else {
      problems.push({ name, reason: `duplicates ${first}; header names are case-insensitive` });
    }
  }
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
};

export type BuildRequestHeadersInput = {
  /** The hook's custom headers, assumed valid (see {@link validateCustomHeaders}). */
  custom?: Readonly<Record<string, string>>;
  /** From `signatureHeaders()` in signing.ts; names lowercase. */
  signatureHeaders: Readonly<Record<string, string>>;
};

/**
 * The headers of one webhook request, in wire order. The order follows Logto's captures
 * (`logto-signature-sha-256`, `user-agent`, custom headers, `content-type`), then idhooks'
 * Standard Webhooks headers. Our own names are lowercase; custom names keep the user's spelling.
 *
 * Merging is case-insensitive and never emits a name twice:
 * - a custom `User-Agent` or `Content-Type` (any case) replaces the default, in the default's place
 *   for the user agent and in its own place for the content type;
 * - custom headers named like a signature header (any case) are dropped even when we send no such
 *   header, so a static value can never pose as a signature;
 * - if the custom set itself has case-duplicates, the last one wins.
 *
 * Callers should send the headers in this order. A plain object keeps insertion order, except for
 * all-digit names (legal tokens that no real header uses), which JavaScript iterates first.
 */
export const buildRequestHeaders = ({
  custom = {},
  signatureHeaders,
}: BuildRequestHeadersInput): Record<string, string> => {
  const reserved = new Set<string>(SIGNATURE_HEADER_NAMES);
  const merged = new Map<string, [name: string, value: string]>();
  for (const [name, value] of Object.entries(custom)) {
    const lower = name.toLowerCase();
    if (reserved.has(lower)) continue;
    merged.delete(lower); // so a later case-duplicate takes the later position, like a re-set
    merged.set(lower, [name, value]);
  }

  const headers: Record<string, string> = {};
  const logtoSignature = signatureHeaders[LOGTO_SIGNATURE_HEADER];
  if (logtoSignature !== undefined) headers[LOGTO_SIGNATURE_HEADER] = logtoSignature;

  const [userAgentName, userAgent] = merged.get('user-agent') ?? ['user-agent', DEFAULT_USER_AGENT];
  headers[userAgentName] = userAgent;
  merged.delete('user-agent');

  for (const [name, value] of merged.values()) headers[name] = value;
  // Like ky, add a JSON content type only when the user set none (docs/compatibility.md#the-request).
  if (!merged.has('content-type')) headers['content-type'] = DEFAULT_CONTENT_TYPE;
  // Logto's requests also carry these three from Node's fetch (see the captures); receivers or
  // proxies may match on them, so we send them too. Not `accept-encoding: gzip, deflate`: that
  // would invite compressed responses, and the attempt history stores response bodies as text.
  for (const [name, value] of FETCH_DEFAULT_HEADERS) if (!merged.has(name)) headers[name] = value;

  for (const [name, value] of Object.entries(signatureHeaders)) {
    if (name !== LOGTO_SIGNATURE_HEADER) headers[name.toLowerCase()] = value;
  }
  return headers;
};
