import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { OidcKeysRepo, OidcSigningKeyRecord } from '../storage/repos/oidc-keys.js';

/** Logto signs with EC P-384 as well; ES384 is the only algorithm the provider offers. */
export const SIGNING_ALG = 'ES384' as const;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

/** The public half of a JWK: what JWKS publishes and verifiers need. */
export function toPublicJwk(jwk: Record<string, unknown>): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  return copy as JWK;
}

async function generateSigningKey(): Promise<{ kid: string; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = newStandardId();
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' } };
}

export interface OidcKeysServiceDeps {
  readonly keys: OidcKeysRepo;
  readonly clock: Clock;
}

/**
 * The provider's signing keys, kept in the database so every node signs and verifies with the same
 * ones and tokens survive restarts. The newest generation signs; older ones stay published (and
 * accepted) until they are retired, so tokens signed before a rotation keep verifying.
 */
export function createOidcKeysService({ keys, clock }: OidcKeysServiceDeps) {
  let loaded: OidcSigningKeyRecord[] = [];
  let verifier: ReturnType<typeof createLocalJWKSet> | undefined;
  let lastReloadAt = 0;
  let loads = 0;

  const load = async () => {
    loaded = await keys.listKeys();
    loads += 1;
    verifier = createLocalJWKSet({ keys: loaded.map((key) => toPublicJwk(key.privateJwk)) });
  };

  return {
    /** Creates the first key on an empty database (once, whatever the number of nodes) and loads all. */
    async init(): Promise<void> {
      const existing = await keys.listKeys();
      if (existing.length === 0) {
        const key = await generateSigningKey();
        await keys.insertKeyIfAbsent({ generation: 1, ...key, createdAt: clock.now() });
      }
      await load();
    },

    /** Private keys for the provider, the signing one first. */
    privateJwks(): { keys: JWK[] } {
      if (loaded.length === 0) throw new Error('OIDC keys used before init(); call init() at start-up');
      return { keys: loaded.map((key) => key.privateJwk as JWK) };
    },

    /** The published key set (public halves only). */
    publicJwks(): JSONWebKeySet {
      return { keys: loaded.map((key) => toPublicJwk(key.privateJwk)) };
    },

    /** Changes whenever the key set is reloaded: caches of verified tokens key on it. */
    keySetVersion: () => loads,

    /** A jose key resolver over the public keys. */
    verificationKeys() {
      if (!verifier) throw new Error('OIDC keys used before init(); call init() at start-up');
      return verifier;
    },

    /**
     * Reloads the keys when a token names a key this node has not seen (another node rotated).
     * At most once a minute, so garbage `kid`s cannot turn every request into a database read.
     */
    async reloadIfStale(): Promise<boolean> {
      const now = clock.now();
      if (Math.abs(now - lastReloadAt) < 60_000) return false;
      lastReloadAt = now;
      const before = loaded.map((key) => key.kid).join();
      await load();
      return loaded.map((key) => key.kid).join() !== before;
    },

    /**
     * Adds a new signing key generation. Nodes sign with it after their next restart; until then
     * (and after, until `retireOldKeys`) the previous key still verifies.
     */
    async rotate(): Promise<{ kid: string; generation: number }> {
      const current = await keys.listKeys();
      const generation = (current[0]?.generation ?? 0) + 1;
      const key = await generateSigningKey();
      if (!(await keys.insertKeyIfAbsent({ generation, ...key, createdAt: clock.now() }))) {
        throw new Error(`Signing key generation ${generation} was created concurrently; try again.`);
      }
      await load();
      return { kid: key.kid, generation };
    },

    /** Drops every key but the newest; run once tokens signed by the old ones have expired. */
    async retireOldKeys(): Promise<number> {
      const newest = (await keys.listKeys())[0];
      if (!newest) return 0;
      const removed = await keys.deleteKeysBelow(newest.generation);
      await load();
      return removed;
    },
  };
}

export type OidcKeysService = ReturnType<typeof createOidcKeysService>;
