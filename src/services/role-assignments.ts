import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { RolesRepo } from '../storage/repos/roles.js';
import type { UsersRepo } from '../storage/repos/users.js';
import { isRoleChange, type Role, type UserRolesChange } from '../domain/roles.js';
import { toAdminUser, type AdminUser } from '../domain/users.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { toWindow, unique, without, type PageRequest } from './lists.js';
import type { Emit, RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

export interface RoleAssignmentsServiceDeps {
  readonly roles: RolesRepo;
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/**
 * Which users hold which roles (`/users/:userId/roles`, `/roles/:id/users`). Logto announces none
 * of these changes (docs/events.md#management-api-routes-and-their-events); idhooks adds `User.Roles.Updated`, one per user whose roles
 * actually changed, committed with the change. A call that changes nothing emits nothing.
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

  /**
   * Writes one user's role delta and commits `User.Roles.Updated` with the set held afterwards.
   * `removed` must be roles the user holds and `added` roles it does not (the callers check).
   */
  async function applyUserRoleChange(
    ctx: ManagementContext,
    userId: string,
    { added, removed }: { added: string[]; removed: string[] },
    tx: Executor,
    emit: Emit,
  ): Promise<void> {
    if (!isRoleChange({ added, removed })) return;
    await roles.deleteUserRoles(userId, removed, tx);
    const now = clock.now();
    await roles.insertUserRoles(
      added.map((roleId) => ({ userId, roleId })),
      now,
      tx,
    );
    const data: UserRolesChange = {
      userId,
      roleIds: await roles.listUserRoleIds(userId, undefined, tx),
      addedRoleIds: added,
      removedRoleIds: removed,
    };
    await emit(managementEvent(ctx, 'User.Roles.Updated', now, { tail: { data } }));
  }

  /**
   * Takes a role from a user. `checkFirst` is the entity the route is nested under: its 404 wins
   * when both ids are unknown, as in Logto.
   */
  async function removeAssignment(
    ctx: ManagementContext,
    { userId, roleId }: { userId: string; roleId: string },
    checkFirst: 'user' | 'role',
  ): Promise<void> {
    await runInTransaction(async (tx, emit) => {
      const checks = [() => assertUserExists(userId, tx), () => getRole(roleId, tx)];
      for (const check of checkFirst === 'user' ? checks : checks.reverse()) await check();
      const current = await roles.listUserRoleIds(userId, undefined, tx);
      if (!current.includes(roleId)) throw new AppError('entity.not_found');
      await applyUserRoleChange(ctx, userId, { added: [], removed: [roleId] }, tx, emit);
    });
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
      ctx: ManagementContext,
      userId: string,
      roleIds: string[],
    ): Promise<{ roleIds: string[]; addedRoleIds: string[] }> {
      return runInTransaction(async (tx, emit) => {
        await assertUserExists(userId, tx);
        const ids = unique(roleIds);
        await getUserRoles(ids, tx);
        const addedRoleIds = without(ids, await roles.listUserRoleIds(userId, undefined, tx));
        await applyUserRoleChange(ctx, userId, { added: addedRoleIds, removed: [] }, tx, emit);
        return { roleIds: ids, addedRoleIds };
      });
    },

    /** Makes `roleIds` exactly the user's roles. */
    async replaceUserRoles(
      ctx: ManagementContext,
      userId: string,
      roleIds: string[],
    ): Promise<{ roleIds: string[] }> {
      return runInTransaction(async (tx, emit) => {
        await assertUserExists(userId, tx);
        const ids = unique(roleIds);
        await getUserRoles(ids, tx);
        const current = await roles.listUserRoleIds(userId, undefined, tx);
        const change = { added: without(ids, current), removed: without(current, ids) };
        await applyUserRoleChange(ctx, userId, change, tx, emit);
        return { roleIds: ids };
      });
    },

    removeUserRole: (ctx: ManagementContext, userId: string, roleId: string) =>
      removeAssignment(ctx, { userId, roleId }, 'user'),

    async listRoleUsers(roleId: string, page: PageRequest): Promise<Page<AdminUser>> {
      await getRole(roleId);
      const [ids, total] = await Promise.all([
        roles.listRoleUserIds(roleId, toWindow(page)),
        roles.countRoleUsers(roleId),
      ]);
      return { items: (await users.findUsersByIds(ids)).map(toAdminUser), total };
    },

    /**
     * Gives a role to users; a user who already has it is a 422 (`role.user_exists`), as in Logto.
     * One `User.Roles.Updated` per user, in the order the body names them.
     */
    async assignRoleUsers(ctx: ManagementContext, roleId: string, userIds: string[]): Promise<void> {
      await runInTransaction(async (tx, emit) => {
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
        for (const userId of ids) {
          await applyUserRoleChange(ctx, userId, { added: [roleId], removed: [] }, tx, emit);
        }
      });
    },

    removeRoleUser: (ctx: ManagementContext, roleId: string, userId: string) =>
      removeAssignment(ctx, { userId, roleId }, 'role'),
  };
}

export type RoleAssignmentsService = ReturnType<typeof createRoleAssignmentsService>;
