import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { ApplicationsRepo } from '../storage/repos/applications.js';
import type { OrganizationMembersRepo } from '../storage/repos/organization-members.js';
import type { OrganizationsRepo } from '../storage/repos/organizations.js';
import { toApplicationResponse, type ApplicationResponse } from '../domain/applications.js';
import { membershipDelta } from '../domain/organizations.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { toWindow, unique, without, type PageRequest } from './lists.js';
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
 * (contract §3.3).
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

  async function changeApplications(
    ctx: ManagementContext,
    organizationId: string,
    plan: (tx: Executor) => Promise<{ added: string[]; removed: string[] }>,
  ) {
    await runInTransaction(async (tx, emit) => {
      await assertOrganizationExists(organizationId, tx);
      const { added, removed } = await plan(tx);
      await members.deleteApplications(organizationId, removed, tx);
      const now = clock.now();
      await members.insertApplications(organizationId, added, now, tx);
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
      const [ids, all] = await Promise.all([
        members.listApplicationIds(organizationId, toWindow(page)),
        members.listApplicationIds(organizationId),
      ]);
      const found = await applications.findApplicationsByIds(ids);
      const byId = new Map(found.map((app) => [app.id, app]));
      const items = ids.flatMap((id) => {
        const app = byId.get(id);
        // Organization roles for applications (`/organizations/:id/applications/:applicationId/roles`)
        // are not served yet, so the list is always empty.
        return app ? [{ ...toApplicationResponse(app), organizationRoles: [] }] : [];
      });
      return { items, total: all.length };
    },

    /** Adds applications; those already in the organization are accepted and left out of the delta. */
    async addApplications(ctx: ManagementContext, organizationId: string, applicationIds: string[]) {
      const ids = unique(applicationIds);
      await changeApplications(ctx, organizationId, async (tx) => {
        await assertMachineToMachine(ids, tx);
        const current = await members.listApplicationIds(organizationId, undefined, tx);
        return { added: without(ids, current), removed: [] };
      });
    },

    async replaceApplications(ctx: ManagementContext, organizationId: string, applicationIds: string[]) {
      const ids = unique(applicationIds);
      await changeApplications(ctx, organizationId, async (tx) => {
        await assertMachineToMachine(ids, tx);
        const current = await members.listApplicationIds(organizationId, undefined, tx);
        return { added: without(ids, current), removed: without(current, ids) };
      });
    },

    async removeApplication(ctx: ManagementContext, organizationId: string, applicationId: string) {
      await changeApplications(ctx, organizationId, async (tx) => {
        const current = await members.listApplicationIds(organizationId, undefined, tx);
        if (!current.includes(applicationId)) throw new AppError('entity.not_found');
        return { added: [], removed: [applicationId] };
      });
    },
  };
}

export type OrganizationApplicationsService = ReturnType<typeof createOrganizationApplicationsService>;
