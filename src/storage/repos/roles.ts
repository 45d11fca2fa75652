import type { Selectable } from 'kysely';
import { bit, bool, type Executor, type RolesTable } from '../db.js';
import type { Role, RoleType } from '../../domain/roles.js';
import { withWindow, type Window } from './query-helpers.js';

/** Key order is Logto's: webhook payloads serialise these objects as they are. */
const toRole = (row: Selectable<RolesTable>): Role => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  description: row.description,
  type: row.type as RoleType,
  isDefault: bool(row.isDefault),
});

export interface NewRole {
  id: string;
  name: string;
  description: string;
  type: RoleType;
  isDefault: boolean;
  createdAt: number;
}

export type RoleChanges = Partial<{ name: string; description: string; isDefault: boolean }>;

export interface RoleFilter {
  /** Leave out the roles this user already has. */
  excludeUserId?: string;
  type?: RoleType;
}

/** Roles, their scopes (`roles_scopes`) and their users (`users_roles`). */
export function createRolesRepo(db: Executor) {
  const roles = (tx: Executor) => tx.selectFrom('roles').where('roles.tenantId', '=', 'default');

  const filtered = (tx: Executor, { excludeUserId, type }: RoleFilter) => {
    let query = roles(tx);
    if (type) query = query.where('type', '=', type);
    if (excludeUserId) {
      query = query.where('id', 'not in', (eb) =>
        eb.selectFrom('usersRoles').select('roleId').where('userId', '=', excludeUserId),
      );
    }
    return query;
  };

  return {
    async findRoleById(id: string, tx: Executor = db): Promise<Role | undefined> {
      const row = await roles(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRole(row);
    },

    async findRoleByName(name: string, tx: Executor = db): Promise<Role | undefined> {
      const row = await roles(tx).selectAll().where('name', '=', name).executeTakeFirst();
      return row && toRole(row);
    },

    /** Roles by id, in the order asked for; unknown ids are left out. */
    async findRolesByIds(ids: readonly string[], tx: Executor = db): Promise<Role[]> {
      if (ids.length === 0) return [];
      const rows = await roles(tx).selectAll().where('id', 'in', ids).execute();
      const byId = new Map(rows.map((row) => [row.id, toRole(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    async listRoles(filter: RoleFilter, window: Window | undefined, tx: Executor = db): Promise<Role[]> {
      const query = filtered(tx, filter).selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc');
      return (await withWindow(query, window).execute()).map(toRole);
    },

    async countRoles(filter: RoleFilter, tx: Executor = db): Promise<number> {
      const row = await filtered(tx, filter)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertRole(role: NewRole, tx: Executor = db): Promise<Role> {
      const row = await tx
        .insertInto('roles')
        .values({ ...role, isDefault: bit(role.isDefault) })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRole(row);
    },

    async updateRoleById(id: string, changes: RoleChanges, tx: Executor = db): Promise<Role | undefined> {
      const { isDefault, ...plain } = changes;
      const row = await tx
        .updateTable('roles')
        .set({ ...plain, ...(isDefault === undefined ? {} : { isDefault: bit(isDefault) }) })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRole(row);
    },

    async deleteRoleById(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('roles')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Scope ids of a role, oldest assignment first. */
    async listRoleScopeIds(roleId: string, window?: Window, tx: Executor = db): Promise<string[]> {
      const query = tx
        .selectFrom('rolesScopes')
        .select('scopeId')
        .where('roleId', '=', roleId)
        .orderBy('createdAt')
        .orderBy('scopeId');
      return (await withWindow(query, window).execute()).map((row) => row.scopeId);
    },

    async countRoleScopes(roleId: string, tx: Executor = db): Promise<number> {
      const row = await tx
        .selectFrom('rolesScopes')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('roleId', '=', roleId)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertRoleScopes(roleId: string, scopeIds: readonly string[], now: number, tx: Executor = db) {
      if (scopeIds.length === 0) return;
      await tx
        .insertInto('rolesScopes')
        .values(scopeIds.map((scopeId) => ({ roleId, scopeId, createdAt: now })))
        .execute();
    },

    async deleteRoleScope(roleId: string, scopeId: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('rolesScopes')
        .where('roleId', '=', roleId)
        .where('scopeId', '=', scopeId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** User ids holding a role, most recent assignment first. */
    async listRoleUserIds(roleId: string, window?: Window, tx: Executor = db): Promise<string[]> {
      const query = tx
        .selectFrom('usersRoles')
        .select('userId')
        .where('roleId', '=', roleId)
        .orderBy('createdAt', 'desc')
        .orderBy('userId', 'desc');
      return (await withWindow(query, window).execute()).map((row) => row.userId);
    },

    async countRoleUsers(roleId: string, tx: Executor = db): Promise<number> {
      const row = await tx
        .selectFrom('usersRoles')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('roleId', '=', roleId)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Role ids of a user, oldest assignment first. */
    async listUserRoleIds(userId: string, window?: Window, tx: Executor = db): Promise<string[]> {
      const query = tx
        .selectFrom('usersRoles')
        .select('roleId')
        .where('userId', '=', userId)
        .orderBy('createdAt')
        .orderBy('roleId');
      return (await withWindow(query, window).execute()).map((row) => row.roleId);
    },

    async insertUserRoles(
      pairs: readonly { userId: string; roleId: string }[],
      now: number,
      tx: Executor = db,
    ) {
      if (pairs.length === 0) return;
      await tx
        .insertInto('usersRoles')
        .values(pairs.map((pair) => ({ ...pair, createdAt: now })))
        .execute();
    },

    async deleteUserRole(userId: string, roleId: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('usersRoles')
        .where('userId', '=', userId)
        .where('roleId', '=', roleId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteUserRoles(userId: string, roleIds: readonly string[], tx: Executor = db): Promise<void> {
      if (roleIds.length === 0) return;
      await tx.deleteFrom('usersRoles').where('userId', '=', userId).where('roleId', 'in', roleIds).execute();
    },
  };
}

export type RolesRepo = ReturnType<typeof createRolesRepo>;
