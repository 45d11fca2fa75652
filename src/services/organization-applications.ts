import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { OrganizationMembersRepo } from '../storage/repos/organization-members.js';
import type { OrganizationsRepo } from '../storage/repos/organizations.js';
import { toApplicationResponse, type ApplicationResponse } from '../domain/applications.js';
import { membershipDelta } from '../domain/organizations.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { unique, type PageRequest } from './lists.js';
import { relation, type RelationDelta } from './relations.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

/** An application as `GET /organizations/:id/applications` lists it. */
export type OrganizationApplication = ApplicationResponse & {
  organizationRoles: { id: string; name: string }[];
};

export interface OrganizationApplicationsServiceDeps {
  readonly organizations: OrganizationsRepo;
  readonly members: OrganizationMembersRepo;
  readonly applications: ApplicationsRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/**
 * Machine-to-machine applications as organization members. Every change commits with
 * `Organization.Membership.Updated` carrying `addedApplicationIds`/`removedApplicationIds`
 * (docs/events.md#management-api-routes-and-their-events).
 */
export function createOrganizationApplicationsService(deps: OrganizationApplicationsServiceDeps) {
  const { organizations, members, applications, runInTransaction, clock } = deps;

  async function assertOrganizationExists(id: string, tx?: Executor) {
    if (!(await organizations.findOrganizationById(id, tx))) throw notFoundById('organization', id);
  }

  /** Every id must name a machine-to-machine application (Logto: 422 for either failure). */
  async function assertMachineToMachine(ids: readonly string[], tx: Executor) {
    const found = await applications.findApplicationsByIds(ids, tx);
    if (found.length !== ids.length) throw new AppError('entity.relation_foreign_key_not_found');
    if (found.some((app) => app.type !== 'MachineToMachine')) throw new AppError('application.invalid_type');
  }

  const organizationApplications = (organizationId: string) =>
    relation({
      list: (window, tx) => members.listApplicationIds(organizationId, window, tx),
      insert: (ids, now, tx) => members.insertApplications(organizationId, ids, now, tx),
      remove: (ids, tx) => members.deleteApplications(organizationId, ids, tx),
    });

  async function changeApplications(
    ctx: ManagementContext,
    organizationId: string,
    change: (tx: Executor, now: number) => Promise<RelationDelta>,
  ) {
    await runInTransaction(async (tx, emit) => {
      await assertOrganizationExists(organizationId, tx);
      const now = clock.now();
      const { added, removed } = await change(tx, now);
      const tail = membershipDelta(organizationId, {
        addedApplicationIds: added,
        removedApplicationIds: removed,
      });
      await emit(managementEvent(ctx, 'Organization.Membership.Updated', now, { tail }));
    });
  }

  return {
    async listApplications(
      organizationId: string,
      page?: PageRequest,
    ): Promise<Page<OrganizationApplication>> {
      await assertOrganizationExists(organizationId);
      const { ids, total } = await organizationApplications(organizationId).page(page);
      const found = await applications.findApplicationsByIds(ids);
      const byId = new Map(found.map((app) => [app.id, app]));
      const items = ids.flatMap((id) => {
        const app = byId.get(id);
        // Organization roles for applications (`/organizations/:id/applications/:applicationId/roles`)
        // are not served yet, so the list is always empty.
        return app ? [{ ...toApplicationResponse(app), organizationRoles: [] }] : [];
      });
      return { items, total };
    },

    /** Adds applications; those already in the organization are accepted and left out of the delta. */
    async addApplications(ctx: ManagementContext, organizationId: string, applicationIds: string[]) {
      const ids = unique(applicationIds);
      await changeApplications(ctx, organizationId, async (tx, now) => {
        await assertMachineToMachine(ids, tx);
        return organizationApplications(organizationId).link('add', ids, now, tx);
      });
    },

    async replaceApplications(ctx: ManagementContext, organizationId: string, applicationIds: string[]) {
      const ids = unique(applicationIds);
      await changeApplications(ctx, organizationId, async (tx, now) => {
        await assertMachineToMachine(ids, tx);
        return organizationApplications(organizationId).link('replace', ids, now, tx);
      });
    },

    async removeApplication(ctx: ManagementContext, organizationId: string, applicationId: string) {
      await changeApplications(ctx, organizationId, (tx) =>
        organizationApplications(organizationId).unlink(applicationId, tx),
      );
    },
  };
}

export type OrganizationApplicationsService = ReturnType<typeof createOrganizationApplicationsService>;
