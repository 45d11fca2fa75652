import type { Executor } from '../db.js';
import { chunks, containsText, withWindow, type Window } from './query-helpers.js';

export interface MemberFilter {
  /** Part of the user's id, username, email, phone or name. */
  q?: string;
  /** Only members holding this organization role. */
  organizationRoleId?: string;
}

/**
 * Who belongs to an organization: users (`organization_user_relations`), their organization roles
 * (`organization_role_user_relations`, which cascade with the membership) and machine-to-machine
 * applications (`organization_application_relations`). Every query is scoped by organization.
 */
export function createOrganizationMembersRepo(db: Executor) {
  const members = (tx: Executor, organizationId: string, { q, organizationRoleId }: MemberFilter) => {
    let query = tx
      .selectFrom('organizationUserRelations as m')
      .innerJoin('users', 'users.id', 'm.userId')
      .where('m.organizationId', '=', organizationId);
    if (q) {
      query = query.where((eb) =>
        eb.or(
          (
            ['users.id', 'users.username', 'users.primaryEmail', 'users.primaryPhone', 'users.name'] as const
          ).map((column) => containsText(eb.ref(column), q)),
        ),
      );
    }
    if (organizationRoleId) {
      query = query.where('m.userId', 'in', (eb) =>
        eb
          .selectFrom('organizationRoleUserRelations')
          .select('userId')
          .where('organizationId', '=', organizationId)
          .where('organizationRoleId', '=', organizationRoleId),
      );
    }
    return query;
  };

  return {
    /** Member user ids, oldest membership first. */
    async listMemberIds(organizationId: string, filter: MemberFilter, window?: Window, tx: Executor = db) {
      const query = members(tx, organizationId, filter)
        .select('m.userId')
        .orderBy('m.createdAt')
        .orderBy('m.userId');
      return (await withWindow(query, window).execute()).map((row) => row.userId);
    },

    async countMembers(organizationId: string, filter: MemberFilter, tx: Executor = db): Promise<number> {
      const row = await members(tx, organizationId, filter)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async isMember(organizationId: string, userId: string, tx: Executor = db): Promise<boolean> {
      const row = await tx
        .selectFrom('organizationUserRelations')
        .select('userId')
        .where('organizationId', '=', organizationId)
        .where('userId', '=', userId)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Which of these users are already members. */
    async findMemberIdsAmong(organizationId: string, userIds: readonly string[], tx: Executor = db) {
      if (userIds.length === 0) return new Set<string>();
      const rows = await tx
        .selectFrom('organizationUserRelations')
        .select('userId')
        .where('organizationId', '=', organizationId)
        .where('userId', 'in', userIds)
        .execute();
      return new Set(rows.map((row) => row.userId));
    },

    async insertMembers(organizationId: string, userIds: readonly string[], now: number, tx: Executor = db) {
      for (const batch of chunks(userIds)) {
        await tx
          .insertInto('organizationUserRelations')
          .values(batch.map((userId) => ({ organizationId, userId, createdAt: now })))
          .execute();
      }
    },

    /** Removes these members (their organization roles go by cascade); returns how many were members. */
    async deleteMembers(
      organizationId: string,
      userIds: readonly string[],
      tx: Executor = db,
    ): Promise<number> {
      if (userIds.length === 0) return 0;
      const result = await tx
        .deleteFrom('organizationUserRelations')
        .where('organizationId', '=', organizationId)
        .where('userId', 'in', userIds)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Organization role ids of a member, oldest assignment first. */
    async listMemberRoleIds(organizationId: string, userId: string, window?: Window, tx: Executor = db) {
      const query = tx
        .selectFrom('organizationRoleUserRelations')
        .select('organizationRoleId')
        .where('organizationId', '=', organizationId)
        .where('userId', '=', userId)
        .orderBy('createdAt')
        .orderBy('organizationRoleId');
      return (await withWindow(query, window).execute()).map((row) => row.organizationRoleId);
    },

    /** `(userId, organizationRoleId)` pairs of these members, for listing members with their roles. */
    async listRolesOfMembers(organizationId: string, userIds: readonly string[], tx: Executor = db) {
      if (userIds.length === 0) return [];
      return tx
        .selectFrom('organizationRoleUserRelations')
        .select(['userId', 'organizationRoleId'])
        .where('organizationId', '=', organizationId)
        .where('userId', 'in', userIds)
        .orderBy('createdAt')
        .orderBy('organizationRoleId')
        .execute();
    },

    async insertMemberRoles(
      organizationId: string,
      pairs: readonly { userId: string; organizationRoleId: string }[],
      now: number,
      tx: Executor = db,
    ) {
      if (pairs.length === 0) return;
      await tx
        .insertInto('organizationRoleUserRelations')
        .values(pairs.map((pair) => ({ organizationId, ...pair, createdAt: now })))
        .execute();
    },

    async deleteMemberRoles(
      organizationId: string,
      userId: string,
      roleIds: readonly string[],
      tx: Executor = db,
    ) {
      if (roleIds.length === 0) return 0;
      const result = await tx
        .deleteFrom('organizationRoleUserRelations')
        .where('organizationId', '=', organizationId)
        .where('userId', '=', userId)
        .where('organizationRoleId', 'in', roleIds)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Application ids in the organization, oldest membership first. */
    async listApplicationIds(organizationId: string, window?: Window, tx: Executor = db): Promise<string[]> {
      const query = tx
        .selectFrom('organizationApplicationRelations')
        .select('applicationId')
        .where('organizationId', '=', organizationId)
        .orderBy('createdAt')
        .orderBy('applicationId');
      return (await withWindow(query, window).execute()).map((row) => row.applicationId);
    },

    async insertApplications(organizationId: string, ids: readonly string[], now: number, tx: Executor = db) {
      for (const batch of chunks(ids)) {
        await tx
          .insertInto('organizationApplicationRelations')
          .values(batch.map((applicationId) => ({ organizationId, applicationId, createdAt: now })))
          .execute();
      }
    },

    async deleteApplications(
      organizationId: string,
      ids: readonly string[],
      tx: Executor = db,
    ): Promise<number> {
      if (ids.length === 0) return 0;
      const result = await tx
        .deleteFrom('organizationApplicationRelations')
        .where('organizationId', '=', organizationId)
        .where('applicationId', 'in', ids)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type OrganizationMembersRepo = ReturnType<typeof createOrganizationMembersRepo>;
