import { AppError, notFoundById } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type {
  OrganizationScopeChanges,
  OrganizationScopesRepo,
} from '../storage/repos/organization-scopes.js';
import type { OrganizationScope } from '../domain/organizations.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { isUniqueViolation } from './constraints.js';
import { toWindow, type PageRequest } from './lists.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

export interface OrganizationScopesServiceDeps {
  readonly organizationScopes: OrganizationScopesRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/**
 * Organization permissions; each change commits with its `OrganizationScope.*` event (contract
 * docs/events.md#management-api-routes-and-their-events). A duplicate name is Logto's generic `entity.unique_integrity_violation`.
 */
export function createOrganizationScopesService({
  organizationScopes,
  runInTransaction,
  clock,
}: OrganizationScopesServiceDeps) {
  async function getScope(id: string, tx?: Executor): Promise<OrganizationScope> {
    const scope = await organizationScopes.findScopeById(id, tx);
    if (!scope) throw notFoundById('organization scope', id);
    return scope;
  }

  async function assertNameFree(name: string | undefined, excludeId?: string, tx?: Executor) {
    if (name === undefined) return;
    const existing = await organizationScopes.findScopeByName(name, tx);
    if (existing && existing.id !== excludeId) throw new AppError('entity.unique_integrity_violation');
  }

  /** A unique violation that raced past the check still answers Logto's 422. */
  async function guardUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('entity.unique_integrity_violation', { cause: error });
      throw error;
    }
  }

  return {
    async listScopes(q: string | undefined, page?: PageRequest): Promise<Page<OrganizationScope>> {
      const [items, total] = await Promise.all([
        organizationScopes.listScopes(q, toWindow(page)),
        organizationScopes.countScopes(q),
      ]);
      return { items, total };
    },

    getScope: (id: string) => getScope(id),

    async createScope(
      ctx: ManagementContext,
      input: { name: string; description?: string | null },
    ): Promise<OrganizationScope> {
      return guardUnique(() =>
        runInTransaction(async (tx, emit) => {
          await assertNameFree(input.name, undefined, tx);
          const now = clock.now();
          const scope = await organizationScopes.insertScope(
            { id: newStandardId(), name: input.name, description: input.description ?? null, createdAt: now },
            tx,
          );
          await emit(managementEvent(ctx, 'OrganizationScope.Created', now, { tail: { data: scope } }));
          return scope;
        }),
      );
    },

    async updateScope(
      ctx: ManagementContext,
      id: string,
      changes: OrganizationScopeChanges,
    ): Promise<OrganizationScope> {
      return guardUnique(() =>
        runInTransaction(async (tx, emit) => {
          const current = await getScope(id, tx);
          await assertNameFree(changes.name, id, tx);
          const hasChanges = Object.values(changes).some((value) => value !== undefined);
          const scope = hasChanges ? await organizationScopes.updateScopeById(id, changes, tx) : current;
          if (!scope) throw notFoundById('organization scope', id);
          await emit(
            managementEvent(ctx, 'OrganizationScope.Data.Updated', clock.now(), { tail: { data: scope } }),
          );
          return scope;
        }),
      );
    },

    /** Deletes a scope; the roles that granted it lose it by cascade, with no event of their own. */
    async deleteScope(ctx: ManagementContext, id: string): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        if (!(await organizationScopes.deleteScopeById(id, tx))) throw notFoundById('organization scope', id);
        await emit(managementEvent(ctx, 'OrganizationScope.Deleted', clock.now()));
      });
    },
  };
}

export type OrganizationScopesService = ReturnType<typeof createOrganizationScopesService>;
