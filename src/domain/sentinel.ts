/**
 * The sentinel: per-identifier lockout after repeated failed verifications (docs/events.md#exception-events, docs/compatibility.md#sign-in-flows;
 * docs/events.md#exception-events). Pure rules; the experience service feeds it the activity counts
 * from storage.
 *
 * Rules (documented in the README):
 * - Failed password and verification-code attempts are counted per identifier (`type` + value;
 *   emails case-insensitively), whether or not an account exists, so the lockout reveals nothing
 *   about which identifiers are registered.
 * - Each check of a secret takes an attempt BEFORE the secret is evaluated (an atomic counter in
 *   the database), so at most `maxAttempts` checks happen per identifier and window, whatever the
 *   concurrency. The window (`lockoutMinutes`) starts at the first attempt; a success, the end of
 *   a lock or the end of the window starts the count afresh.
 * - The failed attempt numbered `maxAttempts` locks the identifier for `lockoutMinutes` and is
 *   itself answered "blocked" (as Logto's attempt 100 is).
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

/** True when this failed attempt (its number in the window) reaches the threshold and must lock. */
export const shouldLock = (failures: number, policy: SentinelPolicy): boolean =>
  failures >= policy.maxAttempts;

/** Whole minutes until a lock ends, rounded up, for the error message. */
export const minutesUntil = (now: number, lockedUntil: number): number =>
  Math.max(1, Math.ceil((lockedUntil - now) / 60_000));
