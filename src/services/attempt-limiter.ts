import { AppError, type ErrorCode } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { AttemptCountersRepo, CounterKey } from '../storage/repos/attempt-counters.js';

/** One limit: at most `max` attempts per `windowSeconds` for each key. */
export interface LimitRule {
  /** Counter namespace, e.g. `console-sign-in:client`. Stable: it is stored. */
  readonly scope: string;
  readonly max: number;
  readonly windowSeconds: number;
  /**
   * What a success does to this key's count: `reset` forgets its failures (the key proved it
   * knows the secret: a client id), `release` only gives back the attempt (a shared key such as
   * a source address, where one user's success must not wipe another's failures).
   */
  readonly onSuccess: 'reset' | 'release';
}

/** A rule and the key it applies to this time; an undefined key (no known address) is skipped. */
export interface LimitedKey {
  readonly rule: LimitRule;
  readonly key: string | undefined;
}

/** The attempt reserved by `begin`; tell it how the check ended. */
export interface LimitedAttempt {
  /** The credentials were right: the attempt does not count as a failure. */
  succeeded(): Promise<void>;
  /** The credentials were wrong: the attempt stays counted. Nothing to write. */
  failed(): void;
}

export interface AttemptLimiterDeps {
  readonly counters: AttemptCountersRepo;
  readonly clock: Clock;
}

/** Longer keys are cut: they are attacker-chosen (a client id field) and stored. */
const MAX_KEY_LENGTH = 256;

/**
 * A failure limiter backed by the database, so every node shares the counts. The caller reserves
 * an attempt on every key BEFORE doing the expensive or secret-revealing work (an Argon2 hash);
 * when any key has no room left the request is refused at once with 429 and `Retry-After`, which
 * costs two small statements instead of a hash and keeps the server responsive under a flood.
 *
 * Usage, around any credential check:
 *
 *     const attempt = await limiter.begin([
 *       { rule: perClient, key: clientId },
 *       { rule: perAddress, key: ip },
 *     ]);
 *     const ok = await checkSecret();
 *     if (ok) await attempt.succeeded(); else attempt.failed();
 */
export function createAttemptLimiter({ counters, clock }: AttemptLimiterDeps) {
  const counterOf = ({ rule, key }: LimitedKey): CounterKey => ({
    scope: rule.scope,
    key: (key ?? '').slice(0, MAX_KEY_LENGTH),
  });

  async function reserveAll(keys: readonly LimitedKey[], code: ErrorCode): Promise<LimitedKey[]> {
    const taken: LimitedKey[] = [];
    const now = clock.now();
    for (const entry of keys) {
      if (entry.key === undefined || entry.key === '') continue;
      const reservation = await counters.reserve(
        counterOf(entry),
        { max: entry.rule.max, windowMs: entry.rule.windowSeconds * 1000 },
        now,
      );
      if (!reservation.ok) {
        // Refused before any check: the attempts already taken for this request are given back.
        await Promise.all(taken.map((t) => counters.release(counterOf(t))));
        const seconds = Math.max(1, Math.ceil((reservation.retryAt - now) / 1000));
        throw new AppError(code, { params: { seconds }, retryAfterSeconds: seconds });
      }
      taken.push(entry);
    }
    return taken;
  }

  return {
    /**
     * Reserves one attempt on every key, or throws 429 `request.too_many_attempts` (with
     * `retryAfterSeconds`) without reserving anything.
     */
    async begin(keys: readonly LimitedKey[]): Promise<LimitedAttempt> {
      const taken = await reserveAll(keys, 'request.too_many_attempts');
      let settled = false;
      return {
        async succeeded() {
          if (settled) return;
          settled = true;
          for (const entry of taken) {
            if (entry.rule.onSuccess === 'reset') await counters.reset(counterOf(entry));
            else await counters.release(counterOf(entry));
          }
        },
        failed() {
          settled = true;
        },
      };
    },

    /**
     * A plain rate limit: takes one unit on every key and never gives it back; throws 429
     * `request.too_many_requests` when a key is out of room.
     */
    async consume(keys: readonly LimitedKey[]): Promise<void> {
      await reserveAll(keys, 'request.too_many_requests');
    },
  };
}

export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>;

/** The limits of client authentication (numbers from the configuration). */
export interface ClientAuthLimits {
  readonly authFailuresPerClient: number;
  readonly authFailuresPerAddress: number;
  readonly authFailureWindowSeconds: number;
}

/**
 * The keys of one client authentication: its client id and its source address. The console
 * sign-in uses them now; `/oidc/token` must use the same scopes, so that one client id's budget is
 * shared by every endpoint that checks its secret.
 */
export function clientAuthKeys(
  limits: ClientAuthLimits,
  clientId: string,
  ip: string | undefined,
): LimitedKey[] {
  const windowSeconds = limits.authFailureWindowSeconds;
  return [
    {
      rule: {
        scope: 'client-auth:client',
        max: limits.authFailuresPerClient,
        windowSeconds,
        onSuccess: 'reset',
      },
      key: clientId,
    },
    {
      rule: {
        scope: 'client-auth:address',
        max: limits.authFailuresPerAddress,
        windowSeconds,
        onSuccess: 'release',
      },
      key: ip,
    },
  ];
}

/**
 * The key of a new `/oidc/auth` request: its source address. Each one stores a provider
 * interaction before anyone signs in, so it is limited like the hosted pages' first posts
 * (`IDHOOKS_INTERACTION_RATE_LIMIT` per address per minute), in a scope of its own so that an OIDC
 * sign-in (one authorization request, then one hosted interaction) does not spend the budget twice.
 */
export function newAuthorizationKeys(
  limits: { readonly interactionsPerAddressPerMinute: number },
  ip: string | undefined,
): LimitedKey[] {
  return [
    {
      rule: {
        scope: 'oidc-auth:address',
        max: limits.interactionsPerAddressPerMinute,
        windowSeconds: 60,
        onSuccess: 'release',
      },
      key: ip,
    },
  ];
}
