/**
 * Delivery status machine and retry policy: data plus pure functions (docs/architecture.md#conventions point 5).
 *
 * Logto sends each webhook once (docs/compatibility.md#additions point 2); idhooks retries on a schedule (docs/compatibility.md#additions
 * point 2) following svix `worker.rs` `calculate_retry_delay`. Time and randomness are
 * injected so every branch is deterministic under test.
 */

/** Every state a delivery row can be in. */
export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Allowed transitions. `sending → pending` covers both a scheduled retry and a reaped stale lease;
 * `succeeded | failed → pending` is a manual resend (docs/compatibility.md#additions point 6). Nothing else
 * moves, so a late worker cannot overwrite a result another worker already recorded.
 */
const TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = Object.freeze({
  pending: ['sending'],
  sending: ['succeeded', 'failed', 'pending'],
  succeeded: ['pending'],
  failed: ['pending'],
});

/** True when a delivery may move from `from` to `to`. */
export const canTransition = (from: DeliveryStatus, to: DeliveryStatus): boolean =>
  TRANSITIONS[from].includes(to);

/** True for states the engine never leaves by itself (only a resend reopens them). */
export const isTerminalStatus = (status: DeliveryStatus): boolean =>
  status === 'succeeded' || status === 'failed';

/** The result of one attempt, as produced by the dispatcher (docs/architecture.md#conventions point 11). */
export type AttemptOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      retryable: boolean;
      error: string;
      status?: number;
      retryAfterSeconds?: number;
      isTimeout?: boolean;
    };

/**
 * Retry delays in seconds, svix's default: after failed attempt n, wait `schedule[n - 1]`. With
 * the first attempt immediate, that is 8 attempts over about 27.5 hours.
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = Object.freeze([
  5, 300, 1800, 7200, 18000, 36000, 36000,
]);

/**
 * After a 429 or a timeout the receiver is overloaded; retrying within seconds only adds load, so
 * such retries wait at least this long (svix does the same).
 */
export const MIN_OVERLOAD_DELAY_SECONDS = 60;

/** ±20 % jitter spreads retries of many deliveries that failed together (one outage). */
export const JITTER_RATIO = 0.2;

/** Parses `Retry-After` (delta-seconds or HTTP-date, RFC 9110 §10.2.3) into seconds from `now`. */
export const parseRetryAfter = (value: string | undefined, now: Date): number | undefined => {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  // Require a letter so bare numbers such as "1.5" or "-3" are not read as dates by Date.parse.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  // A date in the past means "now"; round up so we never retry before the stated instant.
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
};

/**
 * Classifies an HTTP response status into an attempt outcome.
 * - 2xx: success (docs/compatibility.md#delivery).
 * - 410 Gone: failure that stops retries; the receiver said the endpoint is gone for good.
 * - Anything else, including 3xx (we do not follow redirects, docs/architecture.md#conventions point 13): retryable failure.
 *
 * @param now - only used for an HTTP-date `Retry-After`. @defaultValue the current time; the
 * engine passes its injected clock.
 */
export const classifyResponse = (
  status: number,
  retryAfterHeader?: string,
  now: Date = new Date(),
): AttemptOutcome => {
  if (status >= 200 && status <= 299) return { ok: true, status };
  if (status === 410) {
    return {
      ok: false,
      retryable: false,
      status,
      error: 'HTTP 410 Gone; 410 Gone stops retries for this delivery',
    };
  }
  const retryAfterSeconds = parseRetryAfter(retryAfterHeader, now);
  return {
    ok: false,
    retryable: true,
    status,
    error: `HTTP ${status}`,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
};

export type RetryInput = {
  /** Attempts made so far, including the one that produced `outcome` (1 after the first). */
  attempt: number;
  outcome: AttemptOutcome;
  now: Date;
  /** Uniform in [0, 1), e.g. `Math.random`; values outside are clamped. */
  random: () => number;
  /** @defaultValue {@link DEFAULT_RETRY_SCHEDULE_SECONDS} */
  scheduleSeconds?: readonly number[];
};

const assertSchedule = (schedule: readonly number[]): void => {
  for (const [index, seconds] of schedule.entries()) {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError(
        `Retry schedule entry ${index} is ${seconds}; every entry must be a finite number of seconds >= 0.`,
      );
    }
  }
};

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/**
 * Seconds to wait before the next attempt, or `null` when there is none (success, a
 * non-retryable failure, or the schedule is exhausted).
 *
 * Rules, applied in this order:
 * 1. `base = schedule[attempt - 1]`.
 * 2. With `Retry-After`: clamp it to `[base, 2 × base]` and use it **without jitter**. Jitter could
 *    pull the retry up to 20 % before the instant the receiver asked for, and the clamp already
 *    bounds how far it can push us.
 *    Without it: `base × (0.8 + 0.4 × random())`.
 * 3. After a 429 or a timeout, at least {@link MIN_OVERLOAD_DELAY_SECONDS}, applied last so jitter
 *    cannot undercut it.
 * 4. Never negative.
 */
export const retryDelaySeconds = ({
  attempt,
  outcome,
  random,
  scheduleSeconds = DEFAULT_RETRY_SCHEDULE_SECONDS,
}: Omit<RetryInput, 'now'>): number | null => {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1 (attempts made so far); got ${attempt}.`);
  }
  assertSchedule(scheduleSeconds);
  if (outcome.ok || !outcome.retryable) return null;
  const base = scheduleSeconds[attempt - 1];
  if (base === undefined) return null;

  let delay =
    outcome.retryAfterSeconds === undefined
      ? base * (1 - JITTER_RATIO + 2 * JITTER_RATIO * clamp(random(), 0, 1))
      : clamp(outcome.retryAfterSeconds, base, 2 * base);
  if (outcome.status === 429 || outcome.isTimeout === true) {
    delay = Math.max(delay, MIN_OVERLOAD_DELAY_SECONDS);
  }
  return Math.max(0, delay);
};

/**
 * When to make the next attempt, or `null` when the delivery is finished: `succeeded` if the
 * outcome was ok, otherwise `failed` (see {@link statusAfterAttempt}). The date is rounded to the
 * millisecond and never earlier than `now`.
 */
export const nextAttemptAt = (input: RetryInput): Date | null => {
  const delay = retryDelaySeconds(input);
  if (delay === null) return null;
  return new Date(input.now.getTime() + Math.round(delay * 1000));
};

/** The status a delivery takes after an attempt, given the result of {@link nextAttemptAt}. */
export const statusAfterAttempt = (outcome: AttemptOutcome, next: Date | null): DeliveryStatus => {
  if (outcome.ok) return 'succeeded';
  return next === null ? 'failed' : 'pending';
};
