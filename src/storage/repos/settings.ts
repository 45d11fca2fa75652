import type { Executor } from '../db.js';

/** Small key/value store for server-wide secrets (the token signing key) created on first start. */
export function createSettingsRepo(db: Executor) {
  return {
    async findSetting(key: string, tx: Executor = db): Promise<string | undefined> {
      const row = await tx.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },

    /**
     * Inserts the value unless the key exists, then returns the stored value, so concurrent first
     * starts agree on one value.
     */
    async ensureSetting(key: string, value: string, now: number, tx: Executor = db): Promise<string> {
      await tx
        .insertInto('settings')
        .values({ key, value, createdAt: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await tx
        .selectFrom('settings')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      return row.value;
    },
  };
}

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
