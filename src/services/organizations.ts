import { notFoundById } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { OrganizationChanges, OrganizationsRepo } from '../storage/repos/organizations.js';
import type { OrganizationMembersRepo } from '../storage/repos/organization-members.js';
import type { UsersRepo } from '../storage/repos/users.js';
import type { Organization, OrganizationBranding, OrganizationColor } from '../domain/organizations.js';
import { FEATURED_MEMBER_COUNT } from '../domain/roles.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { toWindow, type PageRequest } from './lists.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

export interface CreateOrganizationInput {
  name: string;
  description?: string | null;
  customData?: Record<string, unknown>;
  isMfaRequired?: boolean;
  color?: OrganizationColor;
  branding?: OrganizationBranding;
  customCss?: string | null;
}

/** An organization as `GET /organizations?showFeatured=true` lists it. */
export type OrganizationWithFeatured = Organization & {
  usersCount?: number;
  featuredUsers?: { id: string; avatar: string | null; name: string | null }[];
};

export interface OrganizationsServiceDeps {
  readonly organizations: OrganizationsRepo;
  readonly members: OrganizationMembersRepo;
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/**
 * Organizations themselves; each change commits with its `Organization.*` event (docs/events.md#management-api-routes-and-their-events).
 * Deleting one removes its members, their roles, its applications and its invitations by cascade,
 * with no event but `Organization.Deleted`.
 */
export function createOrganizationsService({
  organizations,
  members,
  users,
  runInTransaction,
  clock,
}: OrganizationsServiceDeps) {
  async function getOrganization(id: string, tx?: Executor): Promise<Organization> {
    const organization = await organizations.findOrganizationById(id, tx);
    if (!organization) throw notFoundById('organization', id);
    return organization;
  }

  async function withFeatured(organization: Organization): Promise<OrganizationWithFeatured> {
    const [usersCount, featuredIds] = await Promise.all([
      members.countMembers(organization.id, {}),
      members.listMemberIds(organization.id, {}, { limit: FEATURED_MEMBER_COUNT, offset: 0 }),
    ]);
    const featured = await users.findUsersByIds(featuredIds);
    return {
      ...organization,
      usersCount,
      featuredUsers: featured.map(({ id, avatar, name }) => ({ id, avatar, name })),
    };
  }

  return {
    async listOrganizations(
      query: { q?: string; showFeatured?: boolean },
      page?: PageRequest,
    ): Promise<Page<OrganizationWithFeatured>> {
      const [items, total] = await Promise.all([
        organizations.listOrganizations(query.q, toWindow(page)),
        organizations.countOrganizations(query.q),
      ]);
      return { items: query.showFeatured ? await Promise.all(items.map(withFeatured)) : items, total };
    },

    getOrganization: (id: string) => getOrganization(id),

    async createOrganization(ctx: ManagementContext, input: CreateOrganizationInput): Promise<Organization> {
      return runInTransaction(async (tx, emit) => {
        const now = clock.now();
        const organization = await organizations.insertOrganization(
          {
            id: newStandardId(),
            name: input.name,
            description: input.description ?? null,
            customData: input.customData ?? {},
            isMfaRequired: input.isMfaRequired ?? false,
            color: input.color ?? {},
            branding: input.branding ?? {},
            customCss: input.customCss ?? null,
            createdAt: now,
          },
          tx,
        );
        await emit(managementEvent(ctx, 'Organization.Created', now, { tail: { data: organization } }));
        return organization;
      });
    },

    async updateOrganization(
      ctx: ManagementContext,
      id: string,
      changes: OrganizationChanges,
    ): Promise<Organization> {
      return runInTransaction(async (tx, emit) => {
        const current = await getOrganization(id, tx);
        const hasChanges = Object.values(changes).some((value) => value !== undefined);
        const organization = hasChanges
          ? await organizations.updateOrganizationById(id, changes, tx)
          : current;
        if (!organization) throw notFoundById('organization', id);
        await emit(
          managementEvent(ctx, 'Organization.Data.Updated', clock.now(), { tail: { data: organization } }),
        );
        return organization;
      });
    },

    async deleteOrganization(ctx: ManagementContext, id: string): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        if (!(await organizations.deleteOrganizationById(id, tx))) throw notFoundById('organization', id);
        await emit(managementEvent(ctx, 'Organization.Deleted', clock.now()));
      });
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
