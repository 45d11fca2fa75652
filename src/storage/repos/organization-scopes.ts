import type { Selectable } from 'kysely';
import type { Executor, OrganizationScopesTable } from '../db.js';
import type { OrganizationScope } from '../../domain/organizations.js';
import { containsText, withWindow, type Window } from './query-helpers.js';

/** Key order is Logto's: webhook payloads serialise these objects as they are. */
const toScope = (row: Selectable<OrganizationScopesTable>): OrganizationScope => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  description: row.description,
});

export interface NewOrganizationScope {
  id: string;
  name: string;
  description: string | null;
  createdAt: number;
}

export type OrganizationScopeChanges = Partial<{ name: string; description: string | null }>;

/** Organization permissions (the organization template's scopes). */
export function createOrganizationScopesRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('organizationScopes').where('tenantId', '=', 'default');
  const searched = (tx: Executor, q: string | undefined) =>
    q ? base(tx).where((eb) => containsText(eb.ref('name'), q)) : base(tx);

  return {
    async findScopeById(id: string, tx: Executor = db): Promise<OrganizationScope | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toScope(row);
    },

    async findScopeByName(name: string, tx: Executor = db): Promise<OrganizationScope | undefined> {
      const row = await base(tx).selectAll().where('name', '=', name).executeTakeFirst();
      return row && toScope(row);
    },

    /** Scopes by id, in the order asked for; unknown ids are left out. */
    async findScopesByIds(ids: readonly string[], tx: Executor = db): Promise<OrganizationScope[]> {
      if (ids.length === 0) return [];
      const rows = await base(tx).selectAll().where('id', 'in', ids).execute();
      const byId = new Map(rows.map((row) => [row.id, toScope(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    async listScopes(q: string | undefined, window: Window | undefined, tx: Executor = db) {
      const query = searched(tx, q).selectAll().orderBy('createdAt').orderBy('id');
      return (await withWindow(query, window).execute()).map(toScope);
    },

    async countScopes(q: string | undefined, tx: Executor = db): Promise<number> {
      const row = await searched(tx, q)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertScope(scope: NewOrganizationScope, tx: Executor = db): Promise<OrganizationScope> {
      const row = await tx
        .insertInto('organizationScopes')
        .values(scope)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toScope(row);
    },

    async updateScopeById(id: string, changes: OrganizationScopeChanges, tx: Executor = db) {
      const row = await tx
        .updateTable('organizationScopes')
        .set(changes)
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toScope(row);
    },

    async deleteScopeById(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('organizationScopes')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type OrganizationScopesRepo = ReturnType<typeof createOrganizationScopesRepo>;
