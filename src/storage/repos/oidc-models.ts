import type { Executor } from '../db.js';

/** One stored provider object, as the adapter reads it back. */
export interface OidcModelRecord {
  readonly payload: Record<string, unknown>;
  readonly consumedAt: number | null;
  readonly expiresAt: number;
}

export interface OidcModelWrite {
  readonly modelName: string;
  readonly id: string;
  readonly payload: Record<string, unknown>;
  readonly expiresAt: number;
  readonly grantId?: string | undefined;
  readonly uid?: string | undefined;
  readonly accountId?: string | undefined;
  readonly clientId?: string | undefined;
}

/**
 * PostgreSQL text cannot hold U+0000; an id carrying one cannot name a stored object on either
 * database, so it is answered "not found" here instead of as a driver error.
 */
const isStorable = (value: string) => !value.includes('\u0000');

/** The OpenID Provider's objects (sessions, grants, codes, tokens…); see migration 0007. */
export function createOidcModelsRepo(db: Executor) {
  const base = (tx: Executor, modelName: string) =>
    tx.selectFrom('oidcModelInstances').where('tenantId', '=', 'default').where('modelName', '=', modelName);
  const toRecord = (row: { payload: string; consumedAt: number | null; expiresAt: number }) => ({
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    consumedAt: row.consumedAt === null ? null : Number(row.consumedAt),
    expiresAt: Number(row.expiresAt),
  });

  return {
    async upsertModel(write: OidcModelWrite, tx: Executor = db): Promise<void> {
      const values = {
        modelName: write.modelName,
        id: write.id,
        payload: JSON.stringify(write.payload),
        expiresAt: write.expiresAt,
        grantId: write.grantId ?? null,
        uid: write.uid ?? null,
        accountId: write.accountId ?? null,
        clientId: write.clientId ?? null,
      };
      const { modelName: _m, id: _i, ...changes } = values;
      await tx
        .insertInto('oidcModelInstances')
        .values(values)
        .onConflict((oc) => oc.columns(['modelName', 'id']).doUpdateSet(changes))
        .execute();
    },

    /** The live object, or undefined when unknown or expired by `now`. */
    async findModel(
      modelName: string,
      id: string,
      now: number,
      tx: Executor = db,
    ): Promise<OidcModelRecord | undefined> {
      if (!isStorable(id)) return undefined;
      const row = await base(tx, modelName)
        .select(['payload', 'consumedAt', 'expiresAt'])
        .where('id', '=', id)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async findModelByUid(
      modelName: string,
      uid: string,
      now: number,
      tx: Executor = db,
    ): Promise<OidcModelRecord | undefined> {
      if (!isStorable(uid)) return undefined;
      const row = await base(tx, modelName)
        .select(['payload', 'consumedAt', 'expiresAt'])
        .where('uid', '=', uid)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async consumeModel(modelName: string, id: string, now: number, tx: Executor = db): Promise<void> {
      if (!isStorable(id)) return;
      await tx
        .updateTable('oidcModelInstances')
        .set({ consumedAt: now })
        .where('tenantId', '=', 'default')
        .where('modelName', '=', modelName)
        .where('id', '=', id)
        .execute();
    },

    async deleteModel(modelName: string, id: string, tx: Executor = db): Promise<void> {
      if (!isStorable(id)) return;
      await tx
        .deleteFrom('oidcModelInstances')
        .where('tenantId', '=', 'default')
        .where('modelName', '=', modelName)
        .where('id', '=', id)
        .execute();
    },

    /** Removes every object of a grant (its codes and tokens, of any model). */
    async deleteByGrantId(grantId: string, tx: Executor = db): Promise<number> {
      if (!isStorable(grantId)) return 0;
      const result = await tx
        .deleteFrom('oidcModelInstances')
        .where('tenantId', '=', 'default')
        .where('grantId', '=', grantId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Removes everything issued to or for an account (sessions, grants, codes, tokens). */
    async deleteByAccountId(accountId: string, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('oidcModelInstances')
        .where('tenantId', '=', 'default')
        .where('accountId', '=', accountId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Removes everything issued to a client (grants, codes and tokens of any user). */
    async deleteByClientId(clientId: string, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('oidcModelInstances')
        .where('tenantId', '=', 'default')
        .where('clientId', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Ids of a model's live objects for an account, oldest first (grant limits). */
    async listIdsByAccountAndClient(
      modelName: string,
      accountId: string,
      clientId: string,
      now: number,
      tx: Executor = db,
    ): Promise<string[]> {
      const rows = await base(tx, modelName)
        .select('id')
        .where('accountId', '=', accountId)
        .where('clientId', '=', clientId)
        .where('expiresAt', '>', now)
        .orderBy('expiresAt')
        .execute();
      return rows.map((row) => row.id);
    },

    /** Deletes up to `limit` objects expired by `now`; returns how many. */
    async deleteExpired(now: number, limit: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('oidcModelInstances')
        .where('tenantId', '=', 'default')
        .where(({ eb, selectFrom }) =>
          eb(
            'id',
            'in',
            selectFrom('oidcModelInstances')
              .select('id')
              .where('tenantId', '=', 'default')
              .where('expiresAt', '<=', now)
              .limit(limit),
          ),
        )
        .where('expiresAt', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type OidcModelsRepo = ReturnType<typeof createOidcModelsRepo>;
