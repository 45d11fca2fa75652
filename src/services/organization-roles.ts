import { AppError, notFoundById, type ErrorCode } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type {
  OrganizationRoleChanges,
  OrganizationRolesRepo,
  ScopeKind,
} from '../storage/repos/organization-roles.js';
import type { OrganizationScopesRepo } from '../storage/repos/organization-scopes.js';
import type { ResourcesRepo } from '../storage/repos/resources.js';
import type { OrganizationRole, OrganizationScope } from '../domain/organizations.js';
import type { Scope } from '../domain/resources.js';
import type { RoleType } from '../domain/roles.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { isUniqueViolation } from './constraints.js';
import { toWindow, unique, type PageRequest } from './lists.js';
import { relation, type RelationMode } from './relations.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

export interface CreateOrganizationRoleInput {
  name: string;
  description?: string | null;
  type?: RoleType;
  organizationScopeIds?: string[];
  resourceScopeIds?: string[];
}

/** A role as `GET /organization-roles` lists it, with the scopes it grants. */
export type OrganizationRoleWithScopes = OrganizationRole & {
  scopes: { id: string; name: string }[];
  resourceScopes: { id: string; name: string; resource: { id: string; name: string } }[];
};

export interface OrganizationRolesServiceDeps {
  readonly organizationRoles: OrganizationRolesRepo;
  readonly organizationScopes: OrganizationScopesRepo;
  readonly resources: ResourcesRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/**
 * Organization roles and the scopes they grant. Role changes and changes to its organization
 * scopes commit with `OrganizationRole.*` events (docs/events.md#management-api-routes-and-their-events); its API resource scopes
 * change silently (docs/events.md#management-api-routes-and-their-events).
 */
export function createOrganizationRolesService(deps: OrganizationRolesServiceDeps) {
  const { organizationRoles, organizationScopes, resources, runInTransaction, clock } = deps;

  async function getRole(id: string, tx?: Executor): Promise<OrganizationRole> {
    const role = await organizationRoles.findRoleById(id, tx);
    if (!role) throw notFoundById('organization role', id);
    return role;
  }

  async function assertNameFree(name: string | undefined, excludeId?: string, tx?: Executor) {
    if (name === undefined) return;
    const existing = await organizationRoles.findRoleByName(name, tx);
    if (existing && existing.id !== excludeId) throw new AppError('entity.unique_integrity_violation');
  }

  async function guardUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('entity.unique_integrity_violation', { cause: error });
      throw error;
    }
  }

  /** The scopes of `kind` with these ids; any unknown id fails with `code`. */
  async function getScopes(
    kind: ScopeKind,
    ids: readonly string[],
    code: ErrorCode,
    tx?: Executor,
  ): Promise<(OrganizationScope | Scope)[]> {
    const found =
      kind === 'organization'
        ? await organizationScopes.findScopesByIds(ids, tx)
        : await resources.findScopesByIds(ids, tx);
    if (found.length !== ids.length) throw new AppError(code);
    return found;
  }

  async function withScopes(roles: OrganizationRole[]): Promise<OrganizationRoleWithScopes[]> {
    const roleIds = roles.map((role) => role.id);
    const [scopePairs, resourcePairs] = await Promise.all([
      organizationRoles.listScopePairs('organization', roleIds),
      organizationRoles.listScopePairs('resource', roleIds),
    ]);
    const scopes = await organizationScopes.findScopesByIds(unique(scopePairs.map((p) => p.scopeId)));
    const resourceScopes = await resources.findScopesByIds(unique(resourcePairs.map((p) => p.scopeId)));
    const owners = await resources.findResourcesByIds(unique(resourceScopes.map((s) => s.resourceId)));
    const pick = <T extends { id: string }>(pairs: typeof scopePairs, roleId: string, all: T[]) =>
      pairs
        .filter((p) => p.organizationRoleId === roleId)
        .flatMap((p) => all.filter((s) => s.id === p.scopeId));
    return roles.map((role) => ({
      ...role,
      scopes: pick(scopePairs, role.id, scopes).map(({ id, name }) => ({ id, name })),
      resourceScopes: pick(resourcePairs, role.id, resourceScopes).flatMap(({ id, name, resourceId }) => {
        const owner = owners.find((r) => r.id === resourceId);
        return owner ? [{ id, name, resource: { id: owner.id, name: owner.name } }] : [];
      }),
    }));
  }

  /** The scopes of `kind` a role grants, as a relation. */
  const roleScopes = (kind: ScopeKind, roleId: string) =>
    relation({
      list: (window, tx) => organizationRoles.listScopeIds(kind, roleId, window, tx),
      insert: (ids, now, tx) => organizationRoles.insertScopes(kind, roleId, ids, now, tx),
      remove: (ids, tx) => organizationRoles.deleteScopes(kind, roleId, ids, tx),
    });

  /** Links (`add`) or sets (`replace`) scopes of a role. */
  async function linkScopes(
    kind: ScopeKind,
    roleId: string,
    ids: string[],
    mode: RelationMode,
    tx: Executor,
  ) {
    await getRole(roleId, tx);
    await getScopes(kind, unique(ids), 'entity.relation_foreign_key_not_found', tx);
    await roleScopes(kind, roleId).link(mode, ids, clock.now(), tx);
  }

  async function unlinkScope(kind: ScopeKind, roleId: string, scopeId: string, tx: Executor) {
    await getRole(roleId, tx);
    await roleScopes(kind, roleId).unlink(scopeId, tx);
  }

  async function listScopes<T>(
    kind: ScopeKind,
    roleId: string,
    page: PageRequest | undefined,
    load: (ids: string[]) => Promise<T[]>,
  ) {
    await getRole(roleId);
    const { ids, total } = await roleScopes(kind, roleId).page(page);
    return { items: await load(ids), total };
  }

  return {
    async listRoles(q: string | undefined, page?: PageRequest): Promise<Page<OrganizationRoleWithScopes>> {
      const [roles, total] = await Promise.all([
        organizationRoles.listRoles(q, toWindow(page)),
        organizationRoles.countRoles(q),
      ]);
      return { items: await withScopes(roles), total };
    },

    getRole: (id: string) => getRole(id),

    /**
     * Creates a role. With non-empty `organizationScopeIds` or `resourceScopeIds`, the manual
     * `OrganizationRole.Scopes.Updated` {organizationRoleId} is appended before the registered
     * `OrganizationRole.Created`: Logto's order (docs/events.md#management-api-routes-and-their-events).
     */
    async createRole(ctx: ManagementContext, input: CreateOrganizationRoleInput): Promise<OrganizationRole> {
      return guardUnique(() =>
        runInTransaction(async (tx, emit) => {
          await assertNameFree(input.name, undefined, tx);
          const scopeIds = unique(input.organizationScopeIds ?? []);
          const resourceScopeIds = unique(input.resourceScopeIds ?? []);
          await getScopes('organization', scopeIds, 'organization.roles.invalid_scope_ids', tx);
          await getScopes('resource', resourceScopeIds, 'organization.roles.invalid_resource_scope_ids', tx);
          const now = clock.now();
          const role = await organizationRoles.insertRole(
            {
              id: newStandardId(),
              name: input.name,
              description: input.description ?? null,
              type: input.type ?? 'User',
              createdAt: now,
            },
            tx,
          );
          await organizationRoles.insertScopes('organization', role.id, scopeIds, now, tx);
          await organizationRoles.insertScopes('resource', role.id, resourceScopeIds, now, tx);
          if (scopeIds.length > 0 || resourceScopeIds.length > 0) {
            const tail = { organizationRoleId: role.id };
            await emit(managementEvent(ctx, 'OrganizationRole.Scopes.Updated', now, { tail }));
          }
          await emit(managementEvent(ctx, 'OrganizationRole.Created', now, { tail: { data: role } }));
          return role;
        }),
      );
    },

    async updateRole(ctx: ManagementContext, id: string, changes: OrganizationRoleChanges) {
      return guardUnique(() =>
        runInTransaction(async (tx, emit) => {
          const current = await getRole(id, tx);
          await assertNameFree(changes.name, id, tx);
          const hasChanges = Object.values(changes).some((value) => value !== undefined);
          const role = hasChanges ? await organizationRoles.updateRoleById(id, changes, tx) : current;
          if (!role) throw notFoundById('organization role', id);
          await emit(
            managementEvent(ctx, 'OrganizationRole.Data.Updated', clock.now(), { tail: { data: role } }),
          );
          return role;
        }),
      );
    },

    /** Deletes a role; its scope links, member assignments and invitation roles go by cascade. */
    async deleteRole(ctx: ManagementContext, id: string): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        if (!(await organizationRoles.deleteRoleById(id, tx))) throw notFoundById('organization role', id);
        await emit(managementEvent(ctx, 'OrganizationRole.Deleted', clock.now()));
      });
    },

    listScopes: (roleId: string, page?: PageRequest) =>
      listScopes('organization', roleId, page, (ids) => organizationScopes.findScopesByIds(ids)),

    listResourceScopes: (roleId: string, page?: PageRequest) =>
      listScopes('resource', roleId, page, (ids) => resources.findScopesByIds(ids)),

    /** `PUT` (replace) or `POST` (add) organization scopes; both emit `OrganizationRole.Scopes.Updated`. */
    async setScopes(ctx: ManagementContext, roleId: string, ids: string[], mode: 'add' | 'replace') {
      await runInTransaction(async (tx, emit) => {
        await linkScopes('organization', roleId, ids, mode, tx);
        await emit(managementEvent(ctx, 'OrganizationRole.Scopes.Updated', clock.now()));
      });
    },

    async removeScope(ctx: ManagementContext, roleId: string, scopeId: string) {
      await runInTransaction(async (tx, emit) => {
        await unlinkScope('organization', roleId, scopeId, tx);
        await emit(managementEvent(ctx, 'OrganizationRole.Scopes.Updated', clock.now()));
      });
    },

    /** API resource scopes of a role change silently, as in Logto (docs/events.md#management-api-routes-and-their-events). */
    setResourceScopes: (roleId: string, ids: string[], mode: 'add' | 'replace') =>
      runInTransaction((tx) => linkScopes('resource', roleId, ids, mode, tx)),

    removeResourceScope: (roleId: string, scopeId: string) =>
      runInTransaction((tx) => unlinkScope('resource', roleId, scopeId, tx)),
  };
}

export type OrganizationRolesService = ReturnType<typeof createOrganizationRolesService>;
