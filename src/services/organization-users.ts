import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { MemberFilter, OrganizationMembersRepo } from '../storage/repos/organization-members.js';
import type { OrganizationRolesRepo } from '../storage/repos/organization-roles.js';
import type { OrganizationsRepo } from '../storage/repos/organizations.js';
import type { UsersRepo } from '../storage/repos/users.js';
import { membershipDelta, type OrganizationRole } from '../domain/organizations.js';
import { toUserInfo, type UserInfo } from '../domain/users.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { toWindow, unique, without, type PageRequest } from './lists.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

/** A member as `GET /organizations/:id/users` lists it: user info plus its organization roles. */
export type OrganizationMember = UserInfo & { organizationRoles: { id: string; name: string }[] };

/** Which organization roles a request names: by id, by name, or both. */
export interface RoleSelection {
  organizationRoleIds?: string[];
  organizationRoleNames?: string[];
}

export interface OrganizationUsersServiceDeps {
  readonly organizations: OrganizationsRepo;
  readonly members: OrganizationMembersRepo;
  readonly organizationRoles: OrganizationRolesRepo;
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

const unknownIds = () => new AppError('entity.relation_foreign_key_not_found');

/**
 * Organization members. Adding, replacing and removing members commit with
 * `Organization.Membership.Updated` carrying the actual delta (contract §3.3); a member's
 * organization roles change silently (§3.8).
 */
export function createOrganizationUsersService(deps: OrganizationUsersServiceDeps) {
  const { organizations, members, organizationRoles, users, runInTransaction, clock } = deps;

  async function assertOrganizationExists(id: string, tx?: Executor) {
    if (!(await organizations.findOrganizationById(id, tx))) throw notFoundById('organization', id);
  }

  /** Every id must name a user; otherwise Logto answers 422 with the foreign-key code. */
  async function assertUsersExist(ids: readonly string[], tx?: Executor) {
    if ((await users.findUsersByIds(ids, tx)).length !== ids.length) throw unknownIds();
  }

  async function assertMember(organizationId: string, userId: string, tx?: Executor) {
    await assertOrganizationExists(organizationId, tx);
    if (!(await members.isMember(organizationId, userId, tx)))
      throw new AppError('organization.require_membership');
  }

  /** Resolves role ids and names to user-type organization roles, de-duplicated. */
  async function resolveRoles(selection: RoleSelection, tx?: Executor): Promise<OrganizationRole[]> {
    const ids = unique(selection.organizationRoleIds ?? []);
    const names = unique(selection.organizationRoleNames ?? []);
    const [byId, byName] = await Promise.all([
      organizationRoles.findRoles('id', ids, tx),
      organizationRoles.findRoles('name', names, tx),
    ]);
    if (byId.length !== ids.length || byName.length !== names.length) throw unknownIds();
    const roles = [...byId, ...byName].filter((role, i, all) => all.findIndex((r) => r.id === role.id) === i);
    if (roles.some((role) => role.type !== 'User')) throw new AppError('user.invalid_role_type');
    return roles;
  }

  /** Applies a membership change and commits it with its event. */
  async function changeMembers(
    ctx: ManagementContext,
    organizationId: string,
    plan: (tx: Executor) => Promise<{ added: string[]; removed: string[] }>,
  ) {
    return runInTransaction(async (tx, emit) => {
      await assertOrganizationExists(organizationId, tx);
      const { added, removed } = await plan(tx);
      await members.deleteMembers(organizationId, removed, tx);
      const now = clock.now();
      await members.insertMembers(organizationId, added, now, tx);
      const tail = membershipDelta(organizationId, { addedUserIds: added, removedUserIds: removed });
      await emit(managementEvent(ctx, 'Organization.Membership.Updated', now, { tail }));
    });
  }

  return {
    async listMembers(
      organizationId: string,
      filter: MemberFilter,
      page?: PageRequest,
    ): Promise<Page<OrganizationMember>> {
      await assertOrganizationExists(organizationId);
      const [ids, total] = await Promise.all([
        members.listMemberIds(organizationId, filter, toWindow(page)),
        members.countMembers(organizationId, filter),
      ]);
      const [found, pairs] = await Promise.all([
        users.findUsersByIds(ids),
        members.listRolesOfMembers(organizationId, ids),
      ]);
      const roles = await organizationRoles.findRoles('id', unique(pairs.map((p) => p.organizationRoleId)));
      const items = found.map((user) => ({
        ...toUserInfo(user),
        organizationRoles: pairs
          .filter((pair) => pair.userId === user.id)
          .flatMap((pair) => roles.filter((role) => role.id === pair.organizationRoleId))
          .map(({ id, name }) => ({ id, name })),
      }));
      return { items, total };
    },

    /** Adds members; ids that are already members are accepted and left out of `addedUserIds`. */
    async addMembers(ctx: ManagementContext, organizationId: string, userIds: string[]): Promise<string[]> {
      const ids = unique(userIds);
      await changeMembers(ctx, organizationId, async (tx) => {
        await assertUsersExist(ids, tx);
        const existing = await members.findMemberIdsAmong(organizationId, ids, tx);
        return { added: without(ids, existing), removed: [] };
      });
      return ids;
    },

    /** Makes `userIds` exactly the members; the event carries who actually joined and left. */
    async replaceMembers(ctx: ManagementContext, organizationId: string, userIds: string[]): Promise<void> {
      const ids = unique(userIds);
      await changeMembers(ctx, organizationId, async (tx) => {
        await assertUsersExist(ids, tx);
        const current = await members.listMemberIds(organizationId, {}, undefined, tx);
        return { added: without(ids, current), removed: without(current, ids) };
      });
    },

    async removeMember(ctx: ManagementContext, organizationId: string, userId: string): Promise<void> {
      await changeMembers(ctx, organizationId, async (tx) => {
        if (!(await members.isMember(organizationId, userId, tx))) throw new AppError('entity.not_found');
        return { added: [], removed: [userId] };
      });
    },

    async listMemberRoles(organizationId: string, userId: string, page?: PageRequest) {
      await assertMember(organizationId, userId);
      const [ids, all] = await Promise.all([
        members.listMemberRoleIds(organizationId, userId, toWindow(page)),
        members.listMemberRoleIds(organizationId, userId),
      ]);
      return { items: await organizationRoles.findRoles('id', ids), total: all.length };
    },

    /** Gives roles to members; roles a member already has are skipped. Silent (contract §3.8). */
    async addMemberRoles(
      organizationId: string,
      userIds: string[],
      selection: RoleSelection,
    ): Promise<string[]> {
      return runInTransaction(async (tx) => {
        await assertOrganizationExists(organizationId, tx);
        const ids = unique(userIds);
        const memberIds = await members.findMemberIdsAmong(organizationId, ids, tx);
        if (memberIds.size !== ids.length) throw new AppError('organization.require_membership');
        const roleIds = (await resolveRoles(selection, tx)).map((role) => role.id);
        const now = clock.now();
        for (const userId of ids) {
          const held = await members.listMemberRoleIds(organizationId, userId, undefined, tx);
          const pairs = without(roleIds, held).map((organizationRoleId) => ({ userId, organizationRoleId }));
          await members.insertMemberRoles(organizationId, pairs, now, tx);
        }
        return roleIds;
      });
    },

    /** Makes the selection exactly the member's roles. Silent (contract §3.8). */
    async replaceMemberRoles(
      organizationId: string,
      userId: string,
      selection: RoleSelection,
    ): Promise<void> {
      await runInTransaction(async (tx) => {
        await assertMember(organizationId, userId, tx);
        const roleIds = (await resolveRoles(selection, tx)).map((role) => role.id);
        const held = await members.listMemberRoleIds(organizationId, userId, undefined, tx);
        await members.deleteMemberRoles(organizationId, userId, without(held, roleIds), tx);
        const pairs = without(roleIds, held).map((organizationRoleId) => ({ userId, organizationRoleId }));
        await members.insertMemberRoles(organizationId, pairs, clock.now(), tx);
      });
    },

    async removeMemberRole(organizationId: string, userId: string, roleId: string): Promise<void> {
      await runInTransaction(async (tx) => {
        await assertMember(organizationId, userId, tx);
        if ((await members.deleteMemberRoles(organizationId, userId, [roleId], tx)) === 0) {
          throw new AppError('entity.not_found');
        }
      });
    },
  };
}

export type OrganizationUsersService = ReturnType<typeof createOrganizationUsersService>;
