/**
 * The sentinel: per-identifier lockout after repeated failed verifications (contract §2.3, §3.4;
 * experience-flow.md "Lockout"). Pure rules; the experience service feeds it the activity counts
 * from storage.
 *
 * Rules (documented in the README):
 * - Failed password and verification-code attempts are counted per identifier (`type` + value;
 *   emails case-insensitively), whether or not an account exists, so the lockout reveals nothing
 *   about which identifiers are registered.
 * - Failures count within a window of `lockoutMinutes`, since the last success and since the end
 *   of the previous lock.
 * - The failure that brings the count to `maxAttempts` locks the identifier for `lockoutMinutes`
 *   and is itself answered "blocked" (as Logto's attempt 100 is).
 * - Every attempt while locked is refused without checking the secret, even a correct one, and
 *   emits `Identifier.Lockout` each time (as Logto does).
 */

export interface SentinelPolicy {
  /** @defaultValue 100 (Logto's `defaultSentinelPolicy.maxAttempts`) */
  readonly maxAttempts: number;
  /** @defaultValue 60 (Logto's `defaultSentinelPolicy.lockoutDuration`, minutes) */
  readonly lockoutMinutes: number;
}

/** What the sentinel watches. Logto's `SentinelActivityAction` names. */
export type SentinelAction = 'Password' | 'VerificationCode';

export interface SentinelTarget {
  readonly type: string;
  /** Normalised: lower-cased for emails. */
  readonly value: string;
}

export const minutesToMs = (minutes: number) => minutes * 60_000;

/** Where failure counting starts: the latest of the window start, the last success and the last lock's end. */
export function failureCountSince(
  now: number,
  policy: SentinelPolicy,
  lastSuccessAt: number | undefined,
  lastLockEndedAt: number | undefined,
): number {
  return Math.max(now - minutesToMs(policy.lockoutMinutes), lastSuccessAt ?? 0, lastLockEndedAt ?? 0);
}

/** True when this failure (already counted in `failures`) reaches the threshold and must lock. */
export const shouldLock = (failures: number, policy: SentinelPolicy): boolean =>
  failures >= policy.maxAttempts;

/** Whole minutes until a lock ends, rounded up, for the error message. */
export const minutesUntil = (now: number, lockedUntil: number): number =>
  Math.max(1, Math.ceil((lockedUntil - now) / 60_000));
