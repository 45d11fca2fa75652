import { randomFillSync, timingSafeEqual } from 'node:crypto';

const LOWER_ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';
const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Random bytes drawn from a pooled buffer: one `randomFillSync` per 4 KiB instead of one per id.
 * Every event, delivery and attempt needs an id, and the per-call overhead of the CSPRNG showed as
 * ~9 % of a delivery worker's profile. The bytes are the same CSPRNG output, used once each.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomByte(): number {
  if (poolOffset >= POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/**
 * Uniform random string over `alphabet`. Bytes that would bias the result (those at or above the
 * largest multiple of the alphabet size) are rejected rather than folded in with a modulo.
 */
export function randomString(length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < limit) out += alphabet[byte % alphabet.length];
  }
  return out;
}

/** Logto's user ids: 12 characters of `[0-9a-z]`. */
export const newUserId = () => randomString(12, LOWER_ALNUM);
/** Logto's standard ids (hooks, roles, applications…): 21 characters of `[0-9a-z]`. */
export const newStandardId = () => randomString(21, LOWER_ALNUM);
/** Logto's standard secret (hook signing keys, client secrets): 32 characters of `[0-9a-zA-Z]`. */
export const newSecret = () => randomString(32, ALNUM);

/**
 * Whether a presented secret (token, CSRF token) equals the expected one, in constant time so it
 * cannot be guessed a character at a time from response timings. An empty expected secret never
 * matches.
 */
export function secretsMatch(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}

export type RecordPrefix = 'evt' | 'dlv' | 'att' | 'req';

let lastMs = 0;
let sequence = 0;

/**
 * Ids of our own records carry their type, so a log line or a support ticket says what it is, and
 * sort in creation order within a process: 9 base-36 digits of epoch ms (fixed width until the
 * year 5138), a 2-digit sequence for ids made in the same millisecond, then 10 random characters.
 * The two events of one transaction (e.g. `User.Data.Updated` then `PostResetPassword`) therefore
 * keep their order wherever rows are ordered by time and id.
 */
export function newRecordId(prefix: RecordPrefix, now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else {
    sequence = Math.min(sequence + 1, 36 * 36 - 1);
  }
  const time = lastMs.toString(36).padStart(9, '0');
  const seq = sequence.toString(36).padStart(2, '0');
  return `${prefix}_${time}${seq}${randomString(10, LOWER_ALNUM)}`;
}
