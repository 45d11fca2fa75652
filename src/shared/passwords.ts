import { hash, verify } from '@node-rs/argon2';

/**
 * Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). It runs on libuv's thread
 * pool, so hashing never blocks the event loop.
 */
// `algorithm: 2` is Argon2id; the package exports it as an ambient const enum we cannot import.
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_METHOD = 'Argon2id';

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

/** Constant-time by construction: argon2 recomputes the hash and compares it in full. */
export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  try {
    return await verify(encoded, password);
  } catch {
    return false;
  }
}

/**
 * A hash of a random password, verified against when the account does not exist, so that "no such
 * user" and "wrong password" take the same time.
 */
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = (): Promise<string> =>
  (dummyHash ??= hashPassword(`dummy-${Math.random()}`));
