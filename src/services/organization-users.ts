import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { MemberFilter, OrganizationMembersRepo } from '../storage/repos/organization-members.js';
import type { OrganizationRolesRepo } from '../storage/repos/organization-roles.js';
import type { OrganizationsRepo } from '../storage/repos/organizations.js';
import type { UsersRepo } from '../storage/repos/users.js';
import { memberRolesChange, membershipDelta, type OrganizationRole } from '../domain/organizations.js';
import { toUserInfo, type UserInfo } from '../domain/users.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { toWindow, unique, type PageRequest } from './lists.js';
import { isEmptyDelta, relation, type RelationDelta, type RelationMode } from './relations.js';
import type { Emit, RunInTransaction } from './transaction.js';
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
 * `Organization.Membership.Updated` carrying the actual delta (docs/events.md#management-api-routes-and-their-events). Logto announces no
 * change to a member's organization roles (docs/events.md#management-api-routes-and-their-events); idhooks adds `Organization.MemberRoles.Updated`,
 * one per member whose roles actually changed.
 */
export function createOrganizationUsersService(deps: OrganizationUsersServiceDeps) {
  const { organizations, members, organizationRoles, users, runInTransaction, clock } = deps;

  const memberUsers = (organizationId: string) =>
    relation({
      list: (window, tx) => members.listMemberIds(organizationId, {}, window, tx),
      findLinkedAmong: (ids, tx) => members.findMemberIdsAmong(organizationId, ids, tx),
      insert: (ids, now, tx) => members.insertMembers(organizationId, ids, now, tx),
      remove: (ids, tx) => members.deleteMembers(organizationId, ids, tx),
    });

  const memberRoles = (organizationId: string, userId: string) =>
    relation({
      list: (window, tx) => members.listMemberRoleIds(organizationId, userId, window, tx),
      insert: (ids, now, tx) =>
        members.insertMemberRoles(
          organizationId,
          ids.map((organizationRoleId) => ({ userId, organizationRoleId })),
          now,
          tx,
        ),
      remove: (ids, tx) => members.deleteMemberRoles(organizationId, userId, ids, tx),
    });

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
    change: (tx: Executor, now: number) => Promise<RelationDelta>,
  ) {
    return runInTransaction(async (tx, emit) => {
      await assertOrganizationExists(organizationId, tx);
      const now = clock.now();
      const { added, removed } = await change(tx, now);
      const tail = membershipDelta(organizationId, { addedUserIds: added, removedUserIds: removed });
      await emit(managementEvent(ctx, 'Organization.Membership.Updated', now, { tail }));
    });
  }

  /**
   * Adds or replaces one member's organization roles and commits `Organization.MemberRoles.Updated`
   * when something changed, with the roles held afterwards.
   */
  async function changeMemberRoles(
    ctx: ManagementContext,
    target: { organizationId: string; userId: string },
    mode: RelationMode,
    roleIds: readonly string[],
    tx: Executor,
    emit: Emit,
  ) {
    const roles = memberRoles(target.organizationId, target.userId);
    const now = clock.now();
    const delta = await roles.link(mode, roleIds, now, tx);
    await emitMemberRoles(ctx, target, delta, now, tx, emit);
  }

  async function emitMemberRoles(
    ctx: ManagementContext,
    { organizationId, userId }: { organizationId: string; userId: string },
    delta: RelationDelta,
    now: number,
    tx: Executor,
    emit: Emit,
  ) {
    if (isEmptyDelta(delta)) return;
    const held = await members.listMemberRoleIds(organizationId, userId, undefined, tx);
    const data = memberRolesChange(organizationId, userId, held, delta);
    await emit(managementEvent(ctx, 'Organization.MemberRoles.Updated', now, { tail: { data } }));
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
      await changeMembers(ctx, organizationId, async (tx, now) => {
        await assertUsersExist(ids, tx);
        return memberUsers(organizationId).link('add', ids, now, tx);
      });
      return ids;
    },

    /** Makes `userIds` exactly the members; the event carries who actually joined and left. */
    async replaceMembers(ctx: ManagementContext, organizationId: string, userIds: string[]): Promise<void> {
      const ids = unique(userIds);
      await changeMembers(ctx, organizationId, async (tx, now) => {
        await assertUsersExist(ids, tx);
        return memberUsers(organizationId).link('replace', ids, now, tx);
      });
    },

    async removeMember(ctx: ManagementContext, organizationId: string, userId: string): Promise<void> {
      await changeMembers(ctx, organizationId, (tx) => memberUsers(organizationId).unlink(userId, tx));
    },

    async listMemberRoles(organizationId: string, userId: string, page?: PageRequest) {
      await assertMember(organizationId, userId);
      const { ids, total } = await memberRoles(organizationId, userId).page(page);
      return { items: await organizationRoles.findRoles('id', ids), total };
    },

    /**
     * Gives roles to members; roles a member already has are skipped. One
     * `Organization.MemberRoles.Updated` per member who gained a role, in request order.
     */
    async addMemberRoles(
      ctx: ManagementContext,
      organizationId: string,
      userIds: string[],
      selection: RoleSelection,
    ): Promise<string[]> {
      return runInTransaction(async (tx, emit) => {
        await assertOrganizationExists(organizationId, tx);
        const ids = unique(userIds);
        const memberIds = await members.findMemberIdsAmong(organizationId, ids, tx);
        if (memberIds.size !== ids.length) throw new AppError('organization.require_membership');
        const roleIds = (await resolveRoles(selection, tx)).map((role) => role.id);
        for (const userId of ids) {
          await changeMemberRoles(ctx, { organizationId, userId }, 'add', roleIds, tx, emit);
        }
        return roleIds;
      });
    },

    /** Makes the selection exactly the member's roles; emits only when that changed something. */
    async replaceMemberRoles(
      ctx: ManagementContext,
      organizationId: string,
      userId: string,
      selection: RoleSelection,
    ): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        await assertMember(organizationId, userId, tx);
        const roleIds = (await resolveRoles(selection, tx)).map((role) => role.id);
        await changeMemberRoles(ctx, { organizationId, userId }, 'replace', roleIds, tx, emit);
      });
    },

    async removeMemberRole(
      ctx: ManagementContext,
      organizationId: string,
      userId: string,
      roleId: string,
    ): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        await assertMember(organizationId, userId, tx);
        const delta = await memberRoles(organizationId, userId).unlink(roleId, tx);
        await emitMemberRoles(ctx, { organizationId, userId }, delta, clock.now(), tx, emit);
      });
    },
  };
}

export type OrganizationUsersService = ReturnType<typeof createOrganizationUsersService>;
