import type { Clock } from '../shared/clock.js';
import type { OidcModelsRepo } from '../storage/repos/oidc-models.js';

/** A stored provider object, as oidc-provider hands it to its adapter. */
export type AdapterPayload = Record<string, unknown> & {
  accountId?: string;
  clientId?: string;
  grantId?: string;
  uid?: string;
  consumed?: number;
};

/** oidc-provider's adapter interface (one instance per model name). */
export interface OidcAdapter {
  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export interface OidcAdapterDeps {
  readonly models: OidcModelsRepo;
  readonly clock: Clock;
  /** Clients are our applications, not stored provider objects. */
  readonly findClient: (id: string) => Promise<AdapterPayload | undefined>;
}

/**
 * Objects without an expiry from the provider (none are expected with our TTLs) are kept a year
 * rather than forever, so pruning eventually removes anything left behind.
 */
const FALLBACK_TTL_SECONDS = 365 * 24 * 3600;

const PRUNE_INTERVAL_MS = 5 * 60_000;

const asString = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * The provider's storage over our database (both dialects), one row per object. Expired rows are
 * invisible at once and removed by `pruneExpired`.
 */
export function createOidcAdapterFactory({ models, clock, findClient }: OidcAdapterDeps) {
  let lastPruneAt = 0;
  /**
   * Expired rows are swept at most every PRUNE_INTERVAL_MS, piggy-backed on the writes of a new
   * interaction (user activity), so no timer is needed and an idle server does no work. A failed
   * sweep must not fail a sign-in: the next one retries.
   */
  const pruneSometimes = async () => {
    const now = clock.now();
    if (Math.abs(now - lastPruneAt) < PRUNE_INTERVAL_MS) return;
    lastPruneAt = now;
    await pruneExpiredOidcModels(models, clock).catch(() => undefined);
  };

  return (modelName: string): OidcAdapter => {
    if (modelName === 'Client') {
      return {
        upsert: () =>
          Promise.reject(new Error('Clients are applications; manage them through /api/applications.')),
        find: findClient,
        findByUserCode: () => Promise.resolve(undefined),
        findByUid: () => Promise.resolve(undefined),
        consume: () => Promise.resolve(),
        destroy: () => Promise.resolve(),
        revokeByGrantId: () => Promise.resolve(),
      };
    }
    const read = (record: { payload: Record<string, unknown>; consumedAt: number | null } | undefined) =>
      record && {
        ...(record.payload as AdapterPayload),
        ...(record.consumedAt === null ? {} : { consumed: Math.floor(record.consumedAt / 1000) }),
      };
    return {
      async upsert(id, payload, expiresIn) {
        if (modelName === 'Interaction') await pruneSometimes();
        // A session's account is under `accountId`; a grant or token's under `accountId` too.
        await models.upsertModel({
          modelName,
          id,
          payload,
          expiresAt: clock.now() + (expiresIn > 0 ? expiresIn : FALLBACK_TTL_SECONDS) * 1000,
          grantId: asString(payload.grantId),
          uid: asString(payload.uid),
          accountId: asString(payload.accountId),
          clientId: asString(payload.clientId),
        });
      },
      find: async (id) => read(await models.findModel(modelName, id, clock.now())),
      findByUid: async (uid) => read(await models.findModelByUid(modelName, uid, clock.now())),
      // The device flow (the only user of user codes) is not enabled.
      findByUserCode: () => Promise.resolve(undefined),
      consume: (id) => models.consumeModel(modelName, id, clock.now()),
      destroy: (id) => models.deleteModel(modelName, id),
      revokeByGrantId: async (grantId) => {
        await models.deleteByGrantId(grantId);
      },
    };
  };
}

/** Removes expired provider objects in batches; returns how many. */
export async function pruneExpiredOidcModels(models: OidcModelsRepo, clock: Clock, batch = 1000) {
  let total = 0;
  for (;;) {
    const removed = await models.deleteExpired(clock.now(), batch);
    total += removed;
    if (removed < batch) return total;
  }
}
