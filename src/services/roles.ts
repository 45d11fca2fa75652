import { AppError, notFoundById } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { ResourcesRepo } from '../storage/repos/resources.js';
import type { RoleChanges, RoleFilter, RolesRepo } from '../storage/repos/roles.js';
import type { UsersRepo } from '../storage/repos/users.js';
import { FEATURED_MEMBER_COUNT, type Role, type RoleType } from '../domain/roles.js';
import { toResource, type Scope, type ScopeWithResource } from '../domain/resources.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { isUniqueViolation } from './constraints.js';
import { toWindow, unique, type PageRequest } from './lists.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

export interface CreateRoleInput {
  name: string;
  description: string;
  type?: RoleType;
  isDefault?: boolean;
  scopeIds?: string[];
}

/** A role as `GET /roles` lists it: with its member counts and a few featured members. */
export type RoleWithMembers = Role & {
  usersCount: number;
  featuredUsers: { id: string; avatar: string | null; name: string | null }[];
  applicationsCount: number;
  featuredApplications: never[];
};

export interface RolesServiceDeps {
  readonly roles: RolesRepo;
  readonly resources: ResourcesRepo;
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/** Roles and their API scopes; every change commits with its `Role.*` event (docs/events.md#management-api-routes-and-their-events). */
export function createRolesService({ roles, resources, users, runInTransaction, clock }: RolesServiceDeps) {
  async function getRole(id: string, tx?: Executor): Promise<Role> {
    const role = await roles.findRoleById(id, tx);
    if (!role) throw notFoundById('role', id);
    return role;
  }

  async function assertNameFree(name: string, excludeId?: string, tx?: Executor) {
    const existing = await roles.findRoleByName(name, tx);
    if (existing && existing.id !== excludeId) throw new AppError('role.name_in_use', { params: { name } });
  }

  /** The scopes with these ids; the first unknown id is a 404, as in Logto. */
  async function getScopes(ids: readonly string[], tx?: Executor): Promise<Scope[]> {
    const found = await resources.findScopesByIds(ids, tx);
    const missing = ids.find((id) => !found.some((scope) => scope.id === id));
    if (missing !== undefined) throw notFoundById('scope', missing);
    return found;
  }

  const roleScopes = async (roleId: string, tx: Executor) =>
    resources.findScopesByIds(await roles.listRoleScopeIds(roleId, undefined, tx), tx);

  async function guardName<T>(
    name: string | undefined,
    excludeId: string | undefined,
    write: () => Promise<T>,
  ) {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error) && name !== undefined) await assertNameFree(name, excludeId);
      throw error;
    }
  }

  async function withMembers(role: Role): Promise<RoleWithMembers> {
    const [usersCount, featuredIds] = await Promise.all([
      roles.countRoleUsers(role.id),
      roles.listRoleUserIds(role.id, { limit: FEATURED_MEMBER_COUNT, offset: 0 }),
    ]);
    const featured = await users.findUsersByIds(featuredIds);
    return {
      ...role,
      usersCount,
      featuredUsers: featured.map(({ id, avatar, name }) => ({ id, avatar, name })),
      // Machine-to-machine role assignment (`/roles/:id/applications`) is not served yet.
      applicationsCount: 0,
      featuredApplications: [],
    };
  }

  return {
    async listRoles(filter: RoleFilter, page: PageRequest): Promise<Page<RoleWithMembers>> {
      const [items, total] = await Promise.all([
        roles.listRoles(filter, toWindow(page)),
        roles.countRoles(filter),
      ]);
      return { items: await Promise.all(items.map(withMembers)), total };
    },

    getRole: (id: string) => getRole(id),

    /**
     * Creates a role. With `scopeIds` (even an empty list, as Logto tests only for presence) the
     * manual `Role.Scopes.Updated` {roleId, data: the role's scopes} is appended first and the
     * registered `Role.Created` second: Logto's order (docs/events.md#management-api-routes-and-their-events).
     */
    async createRole(ctx: ManagementContext, input: CreateRoleInput): Promise<Role> {
      return guardName(input.name, undefined, () =>
        runInTransaction(async (tx, emit) => {
          await assertNameFree(input.name, undefined, tx);
          const scopeIds = unique(input.scopeIds ?? []);
          await getScopes(scopeIds, tx);
          const now = clock.now();
          const role = await roles.insertRole(
            {
              id: newStandardId(),
              name: input.name,
              description: input.description,
              type: input.type ?? 'User',
              isDefault: input.isDefault ?? false,
              createdAt: now,
            },
            tx,
          );
          if (input.scopeIds !== undefined) {
            await roles.insertRoleScopes(role.id, scopeIds, now, tx);
            const data = await roleScopes(role.id, tx);
            await emit(managementEvent(ctx, 'Role.Scopes.Updated', now, { tail: { roleId: role.id, data } }));
          }
          await emit(managementEvent(ctx, 'Role.Created', now, { tail: { data: role } }));
          return role;
        }),
      );
    },

    async updateRole(ctx: ManagementContext, id: string, changes: RoleChanges): Promise<Role> {
      return guardName(changes.name, id, () =>
        runInTransaction(async (tx, emit) => {
          const current = await getRole(id, tx);
          if (changes.name !== undefined) await assertNameFree(changes.name, id, tx);
          const hasChanges = Object.values(changes).some((value) => value !== undefined);
          const role = hasChanges ? await roles.updateRoleById(id, changes, tx) : current;
          if (!role) throw notFoundById('role', id);
          await emit(managementEvent(ctx, 'Role.Data.Updated', clock.now(), { tail: { data: role } }));
          return role;
        }),
      );
    },

    /** Deletes a role; its scope links and user assignments go by cascade, with no event of their own. */
    async deleteRole(ctx: ManagementContext, id: string): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        if (!(await roles.deleteRoleById(id, tx))) throw notFoundById('role', id);
        await emit(managementEvent(ctx, 'Role.Deleted', clock.now()));
      });
    },

    async listRoleScopes(roleId: string, page?: PageRequest): Promise<Page<ScopeWithResource>> {
      await getRole(roleId);
      const [ids, total] = await Promise.all([
        roles.listRoleScopeIds(roleId, toWindow(page)),
        roles.countRoleScopes(roleId),
      ]);
      const scopes = await resources.findScopesByIds(ids);
      const owners = await resources.findResourcesByIds(unique(scopes.map((s) => s.resourceId)));
      const items = scopes.flatMap((scope) => {
        const owner = owners.find((r) => r.id === scope.resourceId);
        return owner ? [{ ...scope, resource: toResource(owner) }] : [];
      });
      return { items, total };
    },

    /** Links scopes to a role; `data` of `Role.Scopes.Updated` is every scope the role now has. */
    async assignRoleScopes(ctx: ManagementContext, roleId: string, scopeIds: string[]): Promise<Scope[]> {
      return runInTransaction(async (tx, emit) => {
        await getRole(roleId, tx);
        const ids = unique(scopeIds);
        await getScopes(ids, tx);
        const existing = new Set(await roles.listRoleScopeIds(roleId, undefined, tx));
        const duplicate = ids.find((id) => existing.has(id));
        if (duplicate !== undefined)
          throw new AppError('role.scope_exists', { params: { scopeId: duplicate } });
        const now = clock.now();
        await roles.insertRoleScopes(roleId, ids, now, tx);
        const data = await roleScopes(roleId, tx);
        await emit(managementEvent(ctx, 'Role.Scopes.Updated', now, { tail: { data } }));
        return data;
      });
    },

    async removeRoleScope(ctx: ManagementContext, roleId: string, scopeId: string): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        await getRole(roleId, tx);
        if (!(await roles.deleteRoleScope(roleId, scopeId, tx))) throw new AppError('entity.not_found');
        await emit(managementEvent(ctx, 'Role.Scopes.Updated', clock.now()));
      });
    },
  };
}

export type RolesService = ReturnType<typeof createRolesService>;
