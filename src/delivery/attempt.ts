/**
 * One attempt, before and after the wire: builds the signed request for a claimed delivery, and
 * turns what came back into the record the repo stores. No I/O here; the engine sequences it.
 */
import { nextAttemptAt, statusAfterAttempt, type AttemptOutcome } from '../domain/delivery.js';
import { buildRequestHeaders } from '../domain/headers.js';
import { signingKeysInGrace, type PreviousSigningKey } from '../domain/hooks.js';
import type { OutboundRequest, SendResult, WebhookSender } from '../domain/outbound.js';
import { bodyForHook } from '../domain/payloads.js';
import { signatureHeaders } from '../domain/signing.js';
import type { Logger } from '../shared/logger.js';
import type { AttemptRecord, ClaimedDelivery } from '../storage/repos/deliveries.js';

/** The hook's stored `config` (Logto's shape); `retries` is kept for compatibility, never read. */
interface HookConfig {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((item) => typeof item === 'string');

function parseHookConfig(json: string): HookConfig {
  const parsed = JSON.parse(json) as { url?: unknown; headers?: unknown };
  if (typeof parsed.url !== 'string') throw new Error('the hook config has no url');
  return { url: parsed.url, headers: isStringRecord(parsed.headers) ? parsed.headers : {} };
}

/**
 * Keys replaced by a rotation that are still inside their grace period at `now`, newest first as
 * stored. A malformed list signs with the current key only rather than failing the delivery.
 */
export function unexpiredPreviousKeys(json: string, now: number): string[] {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(entries)) return [];
  const wellFormed = entries.filter(
    (entry): entry is PreviousSigningKey =>
      typeof entry?.key === 'string' && typeof entry?.expiresAt === 'number',
  );
  return signingKeysInGrace(wellFormed, now);
}

export type PreparedRequest =
  | { readonly ok: true; readonly request: OutboundRequest }
  | { readonly ok: false; readonly url: string; readonly error: string };

/**
 * The signed request for this attempt. `webhook-id` is the delivery id, so it is stable across
 * retries and receivers can de-duplicate; the timestamp is this attempt's; the body is the
 * committed payload plus `hookId`, the same bytes on every attempt.
 */
export function prepareRequest(delivery: ClaimedDelivery, now: number): PreparedRequest {
  let config: HookConfig;
  let body: string;
  try {
    config = parseHookConfig(delivery.hookConfig);
    body = bodyForHook(delivery.payload, delivery.hookId);
  } catch (error) {
    // Only a corrupted row gets here; retrying would fail the same way.
    return { ok: false, url: '', error: `cannot build the request: ${(error as Error).message}` };
  }
  const signatures = signatureHeaders({
    signingKey: delivery.signingKey,
    previousKeys: unexpiredPreviousKeys(delivery.previousSigningKeys, now),
    msgId: delivery.id,
    timestamp: Math.floor(now / 1000),
    body,
  });
  const headers = buildRequestHeaders({ custom: config.headers, signatureHeaders: signatures });
  return { ok: true, request: { url: config.url, headers, body } };
}

/**
 * PostgreSQL text cannot hold NUL ("invalid byte sequence for encoding UTF8: 0x00"), and receivers
 * answer whatever they like: one endpoint answering 200 with a NUL byte made every write of its
 * results fail, so its deliveries were sent again and again (found by the reliability suite). The
 * stored copy shows U+FFFD where the NUL was.
 */
const storable = (text: string | undefined) => text?.replaceAll('\u0000', '\uFFFD');

export interface RetryPolicy {
  readonly scheduleSeconds: readonly number[];
  readonly random: () => number;
}

/** What to store for an attempt that produced `result` (or could not be made at all). */
export function attemptRecord(
  delivery: ClaimedDelivery,
  prepared: PreparedRequest,
  result: SendResult,
  startedAt: number,
  finishedAt: number,
  policy: RetryPolicy,
): AttemptRecord {
  const attempt = delivery.attempts + 1;
  const outcome: AttemptOutcome = result.outcome;
  const next = nextAttemptAt({
    // A resent or recovered delivery starts the schedule again.
    attempt: attempt - delivery.retryBase,
    outcome,
    now: new Date(finishedAt),
    random: policy.random,
    scheduleSeconds: policy.scheduleSeconds,
  });
  return {
    deliveryId: delivery.id,
    hookId: delivery.hookId,
    eventType: delivery.eventType,
    attempt,
    isSuccess: outcome.ok,
    startedAt,
    durationMs: result.durationMs,
    requestUrl: prepared.ok ? prepared.request.url : prepared.url,
    requestHeaders: prepared.ok ? prepared.request.headers : {},
    responseStatus: result.response?.status,
    responseHeaders: result.response?.headers,
    responseBody: storable(result.response?.body),
    error: outcome.ok ? undefined : storable(outcome.error),
    status: statusAfterAttempt(outcome, next) as AttemptRecord['status'], // never 'sending' after an attempt
    nextAttemptAt: next?.getTime() ?? null,
  };
}

/** Sends a prepared request; a request that could not be built is a final failure, not a send. */
export async function sendPrepared(
  sender: WebhookSender,
  prepared: PreparedRequest,
  signal: AbortSignal,
): Promise<SendResult> {
  if (!prepared.ok) return { outcome: { ok: false, retryable: false, error: prepared.error }, durationMs: 0 };
  try {
    return await sender.send(prepared.request, { signal });
  } catch (error) {
    // The sender reports failures as values; reaching here is a bug, which we retry rather than lose.
    return {
      outcome: { ok: false, retryable: true, error: `sender failed: ${(error as Error).message}` },
      durationMs: 0,
    };
  }
}

/**
 * One log line per attempt, on a child logger carrying deliveryId, hookId and attempt. Successes
 * only at debug (they are the bulk); never the body, the headers or the key (docs/architecture.md#conventions point 20).
 */
export function logAttempt(logger: Logger, record: AttemptRecord): void {
  if (record.isSuccess && !logger.isLevelEnabled('debug')) return;
  const log = logger.child({ deliveryId: record.deliveryId, hookId: record.hookId, attempt: record.attempt });
  const details = { status: record.responseStatus, durationMs: record.durationMs, error: record.error };
  if (record.isSuccess) log.debug(details, 'webhook delivered');
  else if (record.status === 'pending') {
    log.info({ ...details, nextAttemptAt: record.nextAttemptAt }, 'webhook attempt failed; will retry');
  } else log.warn(details, 'webhook delivery failed with no attempts left; it can be resent');
}
