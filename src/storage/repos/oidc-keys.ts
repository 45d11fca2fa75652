import type { Executor } from '../db.js';

export interface OidcSigningKeyRecord {
  readonly generation: number;
  readonly kid: string;
  /** The private JWK; never leaves the server. */
  readonly privateJwk: Record<string, unknown>;
  readonly createdAt: number;
}

/** The provider's signing keys (migration 0007). */
export function createOidcKeysRepo(db: Executor) {
  return {
    /** All keys, newest generation first. */
    async listKeys(tx: Executor = db): Promise<OidcSigningKeyRecord[]> {
      const rows = await tx.selectFrom('oidcSigningKeys').selectAll().orderBy('generation', 'desc').execute();
      return rows.map((row) => ({
        generation: Number(row.generation),
        kid: row.kid,
        privateJwk: JSON.parse(row.privateJwk) as Record<string, unknown>,
        createdAt: Number(row.createdAt),
      }));
    },

    /**
     * Inserts a key as `generation`; false when that generation exists already (another node
     * created or rotated first, and its key is the one to use).
     */
    async insertKeyIfAbsent(
      key: { generation: number; kid: string; privateJwk: Record<string, unknown>; createdAt: number },
      tx: Executor = db,
    ): Promise<boolean> {
      const result = await tx
        .insertInto('oidcSigningKeys')
        .values({ ...key, privateJwk: JSON.stringify(key.privateJwk) })
        .onConflict((oc) => oc.column('generation').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Removes the keys of generations below `generation`; returns how many. */
    async deleteKeysBelow(generation: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('oidcSigningKeys')
        .where('generation', '<', generation)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type OidcKeysRepo = ReturnType<typeof createOidcKeysRepo>;
