import type { Selectable } from 'kysely';
import type { Executor, OrganizationRolesTable } from '../db.js';
import type { OrganizationRole } from '../../domain/organizations.js';
import type { RoleType } from '../../domain/roles.js';
import { containsText, withWindow, type Window } from './query-helpers.js';

/** Key order is Logto's: webhook payloads serialise these objects as they are. */
const toRole = (row: Selectable<OrganizationRolesTable>): OrganizationRole => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  description: row.description,
  type: row.type as RoleType,
});

export interface NewOrganizationRole {
  id: string;
  name: string;
  description: string | null;
  type: RoleType;
  createdAt: number;
}

export type OrganizationRoleChanges = Partial<{ name: string; description: string | null; type: RoleType }>;

/**
 * The two scope relations of an organization role: organization permissions and API resource
 * scopes. Both are plain `(organization_role_id, <scope>)` pairs.
 */
const RELATIONS = {
  organization: { table: 'organizationRoleScopeRelations', column: 'organizationScopeId' },
  resource: { table: 'organizationRoleResourceScopeRelations', column: 'scopeId' },
} as const;
export type ScopeKind = keyof typeof RELATIONS;

/** Organization roles (the organization template's roles) and the scopes they grant. */
export function createOrganizationRolesRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('organizationRoles').where('tenantId', '=', 'default');
  const searched = (tx: Executor, q: string | undefined) =>
    q ? base(tx).where((eb) => containsText(eb.ref('name'), q)) : base(tx);

  return {
    async findRoleById(id: string, tx: Executor = db): Promise<OrganizationRole | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRole(row);
    },

    async findRoleByName(name: string, tx: Executor = db): Promise<OrganizationRole | undefined> {
      const row = await base(tx).selectAll().where('name', '=', name).executeTakeFirst();
      return row && toRole(row);
    },

    /** Roles by id (or by name), in the order asked for; unknown ones are left out. */
    async findRoles(
      by: 'id' | 'name',
      values: readonly string[],
      tx: Executor = db,
    ): Promise<OrganizationRole[]> {
      if (values.length === 0) return [];
      const rows = await base(tx).selectAll().where(by, 'in', values).execute();
      const byKey = new Map(rows.map((row) => [row[by], toRole(row)]));
      return values.flatMap((value) => byKey.get(value) ?? []);
    },

    async listRoles(q: string | undefined, window: Window | undefined, tx: Executor = db) {
      const query = searched(tx, q).selectAll().orderBy('createdAt').orderBy('id');
      return (await withWindow(query, window).execute()).map(toRole);
    },

    async countRoles(q: string | undefined, tx: Executor = db): Promise<number> {
      const row = await searched(tx, q)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertRole(role: NewOrganizationRole, tx: Executor = db): Promise<OrganizationRole> {
      const row = await tx
        .insertInto('organizationRoles')
        .values(role)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRole(row);
    },

    async updateRoleById(id: string, changes: OrganizationRoleChanges, tx: Executor = db) {
      const row = await tx
        .updateTable('organizationRoles')
        .set(changes)
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRole(row);
    },

    async deleteRoleById(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('organizationRoles')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Scope ids a role grants, oldest link first. */
    async listScopeIds(
      kind: ScopeKind,
      roleId: string,
      window?: Window,
      tx: Executor = db,
    ): Promise<string[]> {
      const { table, column } = RELATIONS[kind];
      const query = tx
        .selectFrom(table)
        .select(`${column} as scopeId`)
        .where('organizationRoleId', '=', roleId)
        .orderBy('createdAt')
        .orderBy(column);
      return (await withWindow(query, window).execute()).map((row) => row.scopeId);
    },

    /** `(organizationRoleId, scopeId)` pairs of several roles, for listing roles with their scopes. */
    async listScopePairs(kind: ScopeKind, roleIds: readonly string[], tx: Executor = db) {
      if (roleIds.length === 0) return [];
      const { table, column } = RELATIONS[kind];
      return tx
        .selectFrom(table)
        .select(['organizationRoleId', `${column} as scopeId`])
        .where('organizationRoleId', 'in', roleIds)
        .orderBy('createdAt')
        .orderBy(column)
        .execute();
    },

    async insertScopes(
      kind: ScopeKind,
      roleId: string,
      ids: readonly string[],
      now: number,
      tx: Executor = db,
    ) {
      if (ids.length === 0) return;
      const organizationRoleId = roleId;
      const insert =
        kind === 'organization'
          ? tx.insertInto('organizationRoleScopeRelations').values(
              ids.map((organizationScopeId) => ({
                organizationRoleId,
                organizationScopeId,
                createdAt: now,
              })),
            )
          : tx
              .insertInto('organizationRoleResourceScopeRelations')
              .values(ids.map((scopeId) => ({ organizationRoleId, scopeId, createdAt: now })));
      await insert.execute();
    },

    /** Unlinks these scopes; returns how many were linked. */
    async deleteScopes(kind: ScopeKind, roleId: string, ids: readonly string[], tx: Executor = db) {
      if (ids.length === 0) return 0;
      const { table, column } = RELATIONS[kind];
      const result = await tx
        .deleteFrom(table)
        .where('organizationRoleId', '=', roleId)
        .where(column, 'in', ids)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type OrganizationRolesRepo = ReturnType<typeof createOrganizationRolesRepo>;
