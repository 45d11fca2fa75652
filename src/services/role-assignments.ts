import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { RolesRepo } from '../storage/repos/roles.js';
import type { UsersRepo } from '../storage/repos/users.js';
import type { Role } from '../domain/roles.js';
import { toAdminUser, type AdminUser } from '../domain/users.js';
import { toWindow, unique, without, type PageRequest } from './lists.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

export interface RoleAssignmentsServiceDeps {
  readonly roles: RolesRepo;
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/**
 * Which users hold which roles (`/users/:userId/roles`, `/roles/:id/users`). Logto announces none
 * of these changes (contract §3.8), so nothing here emits an event.
 */
export function createRoleAssignmentsService({
  roles,
  users,
  runInTransaction,
  clock,
}: RoleAssignmentsServiceDeps) {
  async function assertUserExists(id: string, tx?: Executor) {
    if (!(await users.findUserById(id, tx))) throw notFoundById('user', id);
  }

  async function getRole(id: string, tx?: Executor): Promise<Role> {
    const role = await roles.findRoleById(id, tx);
    if (!role) throw notFoundById('role', id);
    return role;
  }

  /** The roles with these ids, all assignable to users; the first unknown id is a 404. */
  async function getUserRoles(ids: readonly string[], tx?: Executor): Promise<Role[]> {
    const found = await roles.findRolesByIds(ids, tx);
    const missing = ids.find((id) => !found.some((role) => role.id === id));
    if (missing !== undefined) throw notFoundById('role', missing);
    if (found.some((role) => role.type !== 'User')) throw new AppError('user.invalid_role_type');
    return found;
  }

  return {
    async listUserRoles(userId: string, page?: PageRequest): Promise<Page<Role>> {
      await assertUserExists(userId);
      const [ids, all] = await Promise.all([
        roles.listUserRoleIds(userId, toWindow(page)),
        roles.listUserRoleIds(userId),
      ]);
      return { items: await roles.findRolesByIds(ids), total: all.length };
    },

    /** Adds roles to a user; roles the user already has are skipped, as in Logto. */
    async assignUserRoles(
      userId: string,
      roleIds: string[],
    ): Promise<{ roleIds: string[]; addedRoleIds: string[] }> {
      return runInTransaction(async (tx) => {
        await assertUserExists(userId, tx);
        const ids = unique(roleIds);
        await getUserRoles(ids, tx);
        const addedRoleIds = without(ids, await roles.listUserRoleIds(userId, undefined, tx));
        await roles.insertUserRoles(
          addedRoleIds.map((roleId) => ({ userId, roleId })),
          clock.now(),
          tx,
        );
        return { roleIds: ids, addedRoleIds };
      });
    },

    /** Makes `roleIds` exactly the user's roles. */
    async replaceUserRoles(userId: string, roleIds: string[]): Promise<{ roleIds: string[] }> {
      return runInTransaction(async (tx) => {
        await assertUserExists(userId, tx);
        const ids = unique(roleIds);
        await getUserRoles(ids, tx);
        const current = await roles.listUserRoleIds(userId, undefined, tx);
        await roles.deleteUserRoles(userId, without(current, ids), tx);
        await roles.insertUserRoles(
          without(ids, current).map((roleId) => ({ userId, roleId })),
          clock.now(),
          tx,
        );
        return { roleIds: ids };
      });
    },

    async removeUserRole(userId: string, roleId: string): Promise<void> {
      await assertUserExists(userId);
      await getRole(roleId);
      if (!(await roles.deleteUserRole(userId, roleId))) throw new AppError('entity.not_found');
    },

    async listRoleUsers(roleId: string, page: PageRequest): Promise<Page<AdminUser>> {
      await getRole(roleId);
      const [ids, total] = await Promise.all([
        roles.listRoleUserIds(roleId, toWindow(page)),
        roles.countRoleUsers(roleId),
      ]);
      return { items: (await users.findUsersByIds(ids)).map(toAdminUser), total };
    },

    /** Gives a role to users; a user who already has it is a 422 (`role.user_exists`), as in Logto. */
    async assignRoleUsers(roleId: string, userIds: string[]): Promise<void> {
      await runInTransaction(async (tx) => {
        const role = await getRole(roleId, tx);
        if (role.type !== 'User') throw new AppError('user.invalid_role_type');
        const ids = unique(userIds);
        const found = await users.findUsersByIds(ids, tx);
        const missing = ids.find((id) => !found.some((user) => user.id === id));
        if (missing !== undefined) throw notFoundById('user', missing);
        const holders = new Set(await roles.listRoleUserIds(roleId, undefined, tx));
        const duplicate = ids.find((id) => holders.has(id));
        if (duplicate !== undefined)
          throw new AppError('role.user_exists', { params: { userId: duplicate } });
        await roles.insertUserRoles(
          ids.map((userId) => ({ userId, roleId })),
          clock.now(),
          tx,
        );
      });
    },

    async removeRoleUser(roleId: string, userId: string): Promise<void> {
      await getRole(roleId);
      await assertUserExists(userId);
      if (!(await roles.deleteUserRole(userId, roleId))) throw new AppError('entity.not_found');
    },
  };
}

export type RoleAssignmentsService = ReturnType<typeof createRoleAssignmentsService>;
