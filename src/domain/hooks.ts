/**
 * Hooks: their configuration, who they subscribe to, signing-key rotation and the masking of what
 * the delivery log shows (docs/compatibility.md#hooks-and-their-log, docs/compatibility.md#hooks-api; docs/compatibility.md#additions points 4 and 8).
 *
 * Pure: no I/O. The hooks service validates with these schemas and helpers; the delivery engine
 * reads {@link signingKeysInGrace} to sign with keys that are still inside their grace period.
 */
import { z } from 'zod';
import type { EventType } from './events.js';

/** `HookConfig` (docs/compatibility.md#hooks-and-their-log). There is no `type`: every hook is a POSTed web hook. */
export interface HookConfig {
  url: string;
  headers?: Record<string, string>;
  /** Deprecated in Logto; stored for compatibility, never limits our retry schedule (docs/compatibility.md#compatibility-choices point 2). */
  retries?: number;
  /** Blocking events only: how long to wait for the receiver's decision (docs/blocking-hooks.md). */
  timeoutMs?: number;
  /** Blocking events only: what a failed call means for the flow (docs/blocking-hooks.md). */
  failurePolicy?: FailurePolicy;
  /** Delivery order (docs/events.md#ordering-keys); absent or `none` is unordered, as in Logto. */
  ordering?: HookOrdering;
}

/** `open` lets the flow go on when a blocking call fails; `closed` stops it. */
export type FailurePolicy = 'open' | 'closed';

/**
 * `config.ordering` (an idhooks addition): `perKey` delivers a hook's deliveries about the same
 * entity one at a time, in commit order; `none` (the default) sends them as they come.
 */
export const hookOrderings = ['none', 'perKey'] as const;
export type HookOrdering = (typeof hookOrderings)[number];
export const hookOrderingSchema = z.enum(hookOrderings);

/** A key replaced by a regeneration that keeps signing `webhook-signature` until `expiresAt`. */
export interface PreviousSigningKey {
  key: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** A hook as stored. */
export interface HookRecord {
  tenantId: string;
  id: string;
  name: string;
  /** Logto's deprecated single event; used only when `events` is empty. */
  event: EventType | null;
  events: EventType[];
  config: HookConfig;
  signingKey: string;
  /** Newest first. May hold expired entries until the next rotation prunes them. */
  previousSigningKeys: PreviousSigningKey[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Logto's `executionStats`: attempts in the last 24 hours (docs/compatibility.md#hooks-api). */
export interface HookExecutionStats {
  requestCount: number;
  successCount: number;
}

/** The Management API's hook (`Hooks.guard` + `hookResponseGuard`), in Logto's key order. */
export interface Hook {
  tenantId: string;
  id: string;
  name: string;
  event: EventType | null;
  events: EventType[];
  config: HookConfig;
  signingKey: string;
  enabled: boolean;
  createdAt: number;
  executionStats?: HookExecutionStats;
}

/** The API view of a stored hook: rotation state and `updatedAt` are internal. */
export const toHook = (record: HookRecord, executionStats?: HookExecutionStats): Hook => ({
  tenantId: record.tenantId,
  id: record.id,
  name: record.name,
  event: record.event,
  events: record.events,
  config: record.config,
  signingKey: record.signingKey,
  enabled: record.enabled,
  createdAt: record.createdAt,
  ...(executionStats === undefined ? {} : { executionStats }),
});

/** Logto's `name`: 1–256 characters when present (the column is varchar(256)). */
export const hookNameSchema = z.string().min(1).max(256);

/**
 * Why `url` cannot be a webhook target, or `undefined` when it can.
 *
 * Logto accepts any string (docs/compatibility.md#other-differences-in-the-api), so a typo gives a hook that fails every delivery. We
 * refuse on write instead (a deliberate deviation, see the README): the URL must parse as an
 * absolute `http:` or `https:` URL with a host, and carry no `user:password@`, which fetch refuses
 * to send. Whether the host is allowed (SSRF policy) is decided at connect time by the dispatcher,
 * because DNS can change after the hook is saved.
 */
export const hookUrlProblem = (url: string): string | undefined => {
  if (!URL.canParse(url)) return 'must be an absolute http:// or https:// URL';
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `must use http:// or https://, not ${parsed.protocol}//`;
  }
  if (parsed.hostname === '') return 'must name a host';
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not contain credentials (user:password@); send them in a custom header instead';
  }
  return undefined;
};

export const hookUrlSchema = z.string().superRefine((url, ctx) => {
  const problem = hookUrlProblem(url);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** The shape of custom headers; their names and values are checked by `validateCustomHeaders`. */
export const hookHeadersSchema = z.record(z.string(), z.string());

/** Logto's deprecated `retries`, 0 to 3. */
export const hookRetriesSchema = z.number().int().min(0).max(3);

/** A blocking call's deadline: the default, and the most a hook may ask for. */
export const BLOCKING_TIMEOUT_DEFAULT_MS = 2000;
export const BLOCKING_TIMEOUT_MAX_MS = 5000;

/** `config.timeoutMs`: whole milliseconds, 1 to {@link BLOCKING_TIMEOUT_MAX_MS}. */
export const hookTimeoutSchema = z.number().int().min(1).max(BLOCKING_TIMEOUT_MAX_MS);
export const failurePolicySchema = z.enum(['open', 'closed']);

/** The blocking settings of a stored config, defaults filled in (a stored config may predate them). */
export const blockingSettingsOf = (
  config: Pick<HookConfig, 'timeoutMs' | 'failurePolicy'>,
): { timeoutMs: number; failurePolicy: FailurePolicy } => ({
  timeoutMs: config.timeoutMs ?? BLOCKING_TIMEOUT_DEFAULT_MS,
  failurePolicy: config.failurePolicy ?? 'open',
});

/** `HookConfig` on input. Strict, so a misspelt `header` is a 400 rather than silently dropped. */
export const hookConfigSchema = z.strictObject({
  url: hookUrlSchema,
  headers: hookHeadersSchema.optional(),
  retries: hookRetriesSchema.optional(),
  timeoutMs: hookTimeoutSchema.optional(),
  failurePolicy: failurePolicySchema.optional(),
  ordering: hookOrderingSchema.optional(),
});

/** Removes repeated events, keeping the first occurrence's position (Logto de-duplicates too). */
export const uniqueEvents = <T extends string>(events: readonly T[]): T[] => [...new Set(events)];

/**
 * The events a hook fires on, as `hook_subscriptions` rows hold them (docs/compatibility.md#hooks-and-their-log, docs/compatibility.md):
 * `events` when non-empty, otherwise the legacy `event` if set, otherwise none.
 */
export const subscribedEvents = (hook: {
  readonly events: readonly EventType[];
  readonly event: EventType | null;
}): EventType[] => {
  if (hook.events.length > 0) return uniqueEvents(hook.events);
  return hook.event === null ? [] : [hook.event];
};

/** Keys still inside their grace period at `now`, newest first, for `webhook-signature`. */
export const signingKeysInGrace = (previous: readonly PreviousSigningKey[], now: number): string[] =>
  previous.filter((entry) => entry.expiresAt > now && entry.key !== '').map((entry) => entry.key);

/**
 * The previous-key list after replacing `currentKey`: the replaced key first, expiring
 * `graceMs` from `now`, then the older keys that have not expired. Expired entries are dropped
 * here so the list stays short however often a key is regenerated. A legacy empty key, or a
 * grace of 0, adds nothing: the old key stops signing at once, as in Logto (docs/compatibility.md#signatures).
 */
export const rotatedPreviousKeys = ({
  currentKey,
  previous,
  now,
  graceMs,
}: {
  currentKey: string;
  previous: readonly PreviousSigningKey[];
  now: number;
  graceMs: number;
}): PreviousSigningKey[] => {
  const kept = previous.filter((entry) => entry.expiresAt > now && entry.key !== currentKey);
  if (currentKey === '' || graceMs <= 0) return kept;
  return [{ key: currentKey, expiresAt: now + graceMs }, ...kept];
};

/** What masked values read as (docs/compatibility.md#hooks-and-their-log). */
export const MASKED_VALUE = '******';

/** Key fragments whose values are masked, compared after {@link normaliseKey}. */
const SENSITIVE_FRAGMENTS = ['secret', 'password', 'apikey', 'privatekey', 'credential', 'cookie'];
const SENSITIVE_KEYS: ReadonlySet<string> = new Set(['authorization', 'xfunctionskey', 'token']);
/** Booleans that only say whether a secret exists; masking them would hide useful state. */
const BOOLEAN_FLAG_KEYS: ReadonlySet<string> = new Set(['haspassword', 'passwordverified']);
/**
 * Deeper structures are cut off: a hostile endpoint's 20 KB response of nested brackets must not
 * overflow the stack of the request that shows it.
 */
const MAX_SANITIZE_DEPTH = 64;

/** `X-Api_Key` → `xapikey`: case and `_`/`-` do not matter when matching sensitive keys. */
const normaliseKey = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

const isDroppedKey = (normalised: string) =>
  normalised.startsWith('script') ||
  normalised.endsWith('script') ||
  normalised.includes('environmentvariables');

const isMaskedKey = (normalised: string) =>
  SENSITIVE_KEYS.has(normalised) ||
  normalised.endsWith('token') ||
  SENSITIVE_FRAGMENTS.some((fragment) => normalised.includes(fragment));

const stripNul = (text: string) => text.replaceAll('\u0000', '');

const sanitizeValue = (value: unknown, depth: number): unknown => {
  if (typeof value === 'string') return stripNul(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_SANITIZE_DEPTH) return '[nested too deeply]';
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, depth + 1));
  const entries: Array<[string, unknown]> = [];
  for (const [rawKey, item] of Object.entries(value)) {
    const key = stripNul(rawKey);
    const normalised = normaliseKey(key);
    if (isDroppedKey(normalised)) continue;
    if (BOOLEAN_FLAG_KEYS.has(normalised) && typeof item === 'boolean') {
      entries.push([key, item]);
    } else if (isMaskedKey(normalised)) {
      entries.push([key, MASKED_VALUE]);
    } else {
      entries.push([key, sanitizeValue(item, depth + 1)]);
    }
  }
  // fromEntries defines own properties, so a `__proto__` key from parsed JSON stays a plain key.
  return Object.fromEntries(entries);
};

/**
 * Masks what a delivery log shows, by Logto's rules since v1.42 (docs/compatibility.md#hooks-and-their-log), recursively:
 * - values under keys containing `secret`, `password`, `apikey`, `privatekey`, `credential` or
 *   `cookie`, keys equal to `authorization`, `xfunctionskey` or `token`, and keys ending in
 *   `token` become `"******"` (keys compared case-insensitively, ignoring `_` and `-`);
 *   `hasPassword` and `passwordVerified` holding booleans are kept;
 * - keys starting or ending with `script`, or containing `environmentvariables`, are dropped
 *   (dropping wins over masking);
 * - NUL characters are removed from strings and keys.
 * Only what is presented is sanitized; the delivered payload and the stored attempt are not.
 * Returns a new value; the input is not modified.
 */
export const sanitizeLogPayload = <T>(value: T): T => sanitizeValue(value, 0) as T;
