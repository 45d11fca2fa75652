import type { Selectable } from 'kysely';
import type { Executor, OrganizationInvitationsTable } from '../db.js';
import type { InvitationStatus } from '../../domain/organizations.js';

/** An invitation as stored: `status` is the stored one, before expiry is applied. */
export interface InvitationRecord {
  tenantId: string;
  id: string;
  inviterId: string | null;
  invitee: string;
  acceptedUserId: string | null;
  organizationId: string;
  status: InvitationStatus;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

const toRecord = (row: Selectable<OrganizationInvitationsTable>): InvitationRecord => ({
  tenantId: row.tenantId,
  id: row.id,
  inviterId: row.inviterId,
  invitee: row.invitee,
  acceptedUserId: row.acceptedUserId,
  organizationId: row.organizationId,
  status: row.status as InvitationStatus,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  expiresAt: row.expiresAt,
});

export interface InvitationFilter {
  organizationId?: string;
  inviterId?: string;
  invitee?: string;
}

/** Organization invitations and the organization roles each one grants on acceptance. */
export function createOrganizationInvitationsRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('organizationInvitations').where('tenantId', '=', 'default');

  return {
    async findInvitationById(id: string, tx: Executor = db): Promise<InvitationRecord | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    /** Invitations still `Pending` (expired or not) for this invitee in this organization. */
    async findPendingInvitations(organizationId: string, invitee: string, tx: Executor = db) {
      const rows = await base(tx)
        .selectAll()
        .where('organizationId', '=', organizationId)
        .where('invitee', '=', invitee)
        .where('status', '=', 'Pending')
        .execute();
      return rows.map(toRecord);
    },

    async listInvitations(filter: InvitationFilter, tx: Executor = db): Promise<InvitationRecord[]> {
      let query = base(tx).selectAll();
      if (filter.organizationId) query = query.where('organizationId', '=', filter.organizationId);
      if (filter.inviterId) query = query.where('inviterId', '=', filter.inviterId);
      if (filter.invitee) query = query.where('invitee', '=', filter.invitee);
      const rows = await query.orderBy('createdAt', 'desc').orderBy('id', 'desc').execute();
      return rows.map(toRecord);
    },

    async insertInvitation(invitation: Omit<InvitationRecord, 'tenantId'>, tx: Executor = db) {
      const row = await tx
        .insertInto('organizationInvitations')
        .values(invitation)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async updateInvitationStatus(
      id: string,
      change: { status: InvitationStatus; acceptedUserId: string | null },
      now: number,
      tx: Executor = db,
    ): Promise<InvitationRecord | undefined> {
      const row = await tx
        .updateTable('organizationInvitations')
        .set({ ...change, updatedAt: now })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async deleteInvitationById(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('organizationInvitations')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async insertInvitationRoles(
      invitationId: string,
      roleIds: readonly string[],
      now: number,
      tx: Executor = db,
    ) {
      if (roleIds.length === 0) return;
      await tx
        .insertInto('organizationInvitationRoleRelations')
        .values(
          roleIds.map((organizationRoleId) => ({
            organizationInvitationId: invitationId,
            organizationRoleId,
            createdAt: now,
          })),
        )
        .execute();
    },

    /** `(invitationId, organizationRoleId)` pairs of these invitations, oldest first. */
    async listInvitationRolePairs(invitationIds: readonly string[], tx: Executor = db) {
      if (invitationIds.length === 0) return [];
      return tx
        .selectFrom('organizationInvitationRoleRelations')
        .select(['organizationInvitationId', 'organizationRoleId'])
        .where('organizationInvitationId', 'in', invitationIds)
        .orderBy('createdAt')
        .orderBy('organizationRoleId')
        .execute();
    },
  };
}

export type OrganizationInvitationsRepo = ReturnType<typeof createOrganizationInvitationsRepo>;
