import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { InteractionEventName } from './experience.js';

/**
 * Email verification codes: generation, hashing, comparison and the rules around them. Pure apart
 * from the CSPRNG (node:crypto, no I/O).
 */

/** Six digits, like Logto's passcodes. */
export const CODE_LENGTH = 6;

/** Logto's passcode retry limit: after this many wrong tries the code is dead. */
export const MAX_CODE_ATTEMPTS = 10;

/** A uniformly random code of CODE_LENGTH digits, leading zeros allowed. */
export const generateCode = (): string => String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, '0');

/**
 * Codes are stored hashed with their verification id as salt, so a database reader cannot replay a
 * live code by copying it, and equal codes hash differently. (A 6-digit code is guessable offline
 * from its hash; the defence against guessing is the try limit and the short lifetime.)
 */
export const hashCode = (verificationId: string, code: string): string =>
  createHash('sha256').update(`${verificationId}:${code}`).digest('hex');

/** Constant-time comparison of a submitted code with the stored hash. */
export function isCodeMatch(verificationId: string, code: string, storedHash: string): boolean {
  const actual = Buffer.from(hashCode(verificationId, code), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Per-recipient send limit (docs/compatibility.md#other-differences-in-the-api: Logto's `defaultMessageRateLimitPolicy`). */
export interface SendRatePolicy {
  /** @defaultValue 10 */
  readonly maxSends: number;
  /** @defaultValue 600 */
  readonly windowSeconds: number;
}

export const isSendAllowed = (sendsInWindow: number, policy: SendRatePolicy): boolean =>
  sendsInWindow < policy.maxSends;

/**
 * What a message connector receives: Logto's HTTP email connector body, `{ to, type, payload }`,
 * where `type` is the template (the interaction event the code is for).
 */
export interface VerificationMessage {
  readonly to: string;
  readonly type: InteractionEventName;
  readonly payload: { readonly code: string };
}

/** Sends verification messages (email). Implemented by `services/connectors.ts`. */
export interface MessageConnector {
  /** A short name for logs and errors: `http` or `log`. */
  readonly name: string;
  send(message: VerificationMessage): Promise<void>;
}
