import { AppError, notFoundById } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type {
  InvitationFilter,
  InvitationRecord,
  OrganizationInvitationsRepo,
} from '../storage/repos/organization-invitations.js';
import type { OrganizationMembersRepo } from '../storage/repos/organization-members.js';
import type { OrganizationRolesRepo } from '../storage/repos/organization-roles.js';
import type { OrganizationsRepo } from '../storage/repos/organizations.js';
import type { UsersRepo } from '../storage/repos/users.js';
import {
  effectiveInvitationStatus,
  membershipDelta,
  type InvitationStatus,
} from '../domain/organizations.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { unique, without } from './lists.js';
import type { RunInTransaction } from './transaction.js';

export interface CreateInvitationInput {
  inviterId?: string | null;
  invitee: string;
  organizationId: string;
  expiresAt: number;
  organizationRoleIds?: string[];
  /** Logto sends an email unless this is `false`; idhooks has no email connector. */
  messagePayload?: unknown;
}

/** An invitation as the API shows it: the effective status and the roles it grants. */
export type Invitation = Omit<InvitationRecord, 'status'> & {
  status: InvitationStatus;
  organizationRoles: { id: string; name: string }[];
};

export interface OrganizationInvitationsServiceDeps {
  readonly invitations: OrganizationInvitationsRepo;
  readonly organizations: OrganizationsRepo;
  readonly members: OrganizationMembersRepo;
  readonly organizationRoles: OrganizationRolesRepo;
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

const invalidInput = (details: string) => new AppError('request.invalid_input', { params: { details } });

/**
 * Organization invitations. Creating, revoking and deleting one is silent; accepting one adds the
 * member (with the invitation's roles) and commits `Organization.Membership.Updated` with the route
 * status 200, as Logto does (docs/events.md#management-api-routes-and-their-events).
 */
export function createOrganizationInvitationsService(deps: OrganizationInvitationsServiceDeps) {
  const { invitations, organizations, members, organizationRoles, users, runInTransaction, clock } = deps;

  async function present(records: InvitationRecord[], tx?: Executor): Promise<Invitation[]> {
    const pairs = await invitations.listInvitationRolePairs(
      records.map((r) => r.id),
      tx,
    );
    const roles = await organizationRoles.findRoles('id', unique(pairs.map((p) => p.organizationRoleId)), tx);
    const now = clock.now();
    return records.map((record) => ({
      ...record,
      status: effectiveInvitationStatus(record.status, record.expiresAt, now),
      organizationRoles: pairs
        .filter((pair) => pair.organizationInvitationId === record.id)
        .flatMap((pair) => roles.filter((role) => role.id === pair.organizationRoleId))
        .map(({ id, name }) => ({ id, name })),
    }));
  }

  async function presentOne(record: InvitationRecord, tx?: Executor): Promise<Invitation> {
    const [invitation] = await present([record], tx);
    if (!invitation) throw new Error('present() returned fewer invitations than it was given');
    return invitation;
  }

  async function getRecord(id: string, tx?: Executor): Promise<InvitationRecord> {
    const record = await invitations.findInvitationById(id, tx);
    if (!record) throw notFoundById('organization invitation', id);
    return record;
  }

  /** Rejects invitations nobody could accept; every referenced id must exist (422, as in Logto). */
  async function assertCreatable(input: CreateInvitationInput, roleIds: string[], tx: Executor) {
    if (input.messagePayload !== undefined && input.messagePayload !== false) {
      throw new AppError('connector.not_found', { params: { type: 'Email' } });
    }
    if (input.expiresAt <= clock.now()) {
      throw new AppError('guard.invalid_input', { message: 'expiresAt must be in the future.' });
    }
    const missing =
      !(await organizations.findOrganizationById(input.organizationId, tx)) ||
      (input.inviterId && !(await users.findUserById(input.inviterId, tx))) ||
      (await organizationRoles.findRoles('id', roleIds, tx)).length !== roleIds.length;
    if (missing) throw new AppError('entity.relation_foreign_key_not_found');
    const invitee = await users.findUserByEmail(input.invitee, tx);
    if (invitee && (await members.isMember(input.organizationId, invitee.id, tx))) {
      throw invalidInput('The invitee is already a member of the organization.');
    }
    const pending = await invitations.findPendingInvitations(input.organizationId, input.invitee, tx);
    if (pending.some((p) => p.expiresAt > clock.now())) {
      throw invalidInput('A pending invitation for this invitee already exists in the organization.');
    }
  }

  /** Adds the accepting user as a member with the invitation's roles; returns whether they were new. */
  async function join(invitation: InvitationRecord, userId: string, tx: Executor): Promise<boolean> {
    const { organizationId } = invitation;
    const isNew = !(await members.isMember(organizationId, userId, tx));
    const now = clock.now();
    if (isNew) await members.insertMembers(organizationId, [userId], now, tx);
    const pairs = await invitations.listInvitationRolePairs([invitation.id], tx);
    const held = await members.listMemberRoleIds(organizationId, userId, undefined, tx);
    const roleIds = without(
      pairs.map((p) => p.organizationRoleId),
      held,
    );
    await members.insertMemberRoles(
      organizationId,
      roleIds.map((organizationRoleId) => ({ userId, organizationRoleId })),
      now,
      tx,
    );
    return isNew;
  }

  return {
    async listInvitations(filter: InvitationFilter): Promise<Invitation[]> {
      return present(await invitations.listInvitations(filter));
    },

    async getInvitation(id: string): Promise<Invitation> {
      return presentOne(await getRecord(id));
    },

    async createInvitation(input: CreateInvitationInput): Promise<Invitation> {
      return runInTransaction(async (tx) => {
        const roleIds = unique(input.organizationRoleIds ?? []);
        await assertCreatable(input, roleIds, tx);
        const now = clock.now();
        const record = await invitations.insertInvitation(
          {
            id: newStandardId(),
            inviterId: input.inviterId ?? null,
            invitee: input.invitee,
            acceptedUserId: null,
            organizationId: input.organizationId,
            status: 'Pending',
            createdAt: now,
            updatedAt: now,
            expiresAt: input.expiresAt,
          },
          tx,
        );
        await invitations.insertInvitationRoles(record.id, roleIds, now, tx);
        return presentOne(record, tx);
      });
    },

    /**
     * Accepts or revokes a pending invitation. Accepting needs the accepting user, whose primary
     * email must be the invitee's; it emits `{ organizationId, addedUserIds? }` (none when the user
     * already was a member). Revoking is silent.
     */
    async setStatus(
      ctx: ManagementContext,
      id: string,
      change: { status: 'Accepted' | 'Revoked'; acceptedUserId?: string | null },
    ): Promise<Invitation> {
      return runInTransaction(async (tx, emit) => {
        const record = await getRecord(id, tx);
        if (effectiveInvitationStatus(record.status, record.expiresAt, clock.now()) !== 'Pending') {
          throw invalidInput('The invitation is not pending.');
        }
        let acceptedUserId: string | null = null;
        if (change.status === 'Accepted') {
          if (!change.acceptedUserId)
            throw invalidInput('acceptedUserId is required to accept an invitation.');
          const user = await users.findUserById(change.acceptedUserId, tx);
          if (!user) throw new AppError('entity.relation_foreign_key_not_found');
          if (user.primaryEmail?.toLowerCase() !== record.invitee.toLowerCase()) {
            throw invalidInput("The accepting user's primary email must be the invitee's email.");
          }
          acceptedUserId = user.id;
        }
        const now = clock.now();
        const updated = await invitations.updateInvitationStatus(
          id,
          { status: change.status, acceptedUserId },
          now,
          tx,
        );
        if (!updated) throw notFoundById('organization invitation', id);
        if (acceptedUserId !== null) {
          const isNew = await join(record, acceptedUserId, tx);
          const tail = membershipDelta(record.organizationId, {
            addedUserIds: isNew ? [acceptedUserId] : [],
          });
          await emit(managementEvent(ctx, 'Organization.Membership.Updated', now, { tail }));
        }
        return presentOne(updated, tx);
      });
    },

    async deleteInvitation(id: string): Promise<void> {
      if (!(await invitations.deleteInvitationById(id))) throw notFoundById('organization invitation', id);
    },
  };
}

export type OrganizationInvitationsService = ReturnType<typeof createOrganizationInvitationsService>;
