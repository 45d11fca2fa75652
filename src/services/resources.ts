import { AppError, notFoundById } from '../shared/errors.js';
import { newStandardId } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { ResourceChanges, ResourcesRepo, ScopeChanges } from '../storage/repos/resources.js';
import { DEFAULT_ACCESS_TOKEN_TTL, hasSpace, type Resource, type Scope } from '../domain/resources.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import { isUniqueViolation } from './constraints.js';
import { toWindow, type PageRequest } from './lists.js';
import type { RunInTransaction } from './transaction.js';
import type { Page } from './users.js';

export interface CreateResourceInput {
  name: string;
  indicator: string;
  accessTokenTtl?: number;
}

export interface CreateScopeInput {
  name: string;
  description?: string | null;
}

export interface ResourcesServiceDeps {
  readonly resources: ResourcesRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
}

/**
 * API resources (silent in Logto, docs/events.md#management-api-routes-and-their-events) and their scopes, whose creation, update and
 * deletion commit with `Scope.*` events (docs/events.md#management-api-routes-and-their-events). Deleting a resource deletes its scopes by cascade and
 * emits nothing, exactly as Logto does.
 */
export function createResourcesService({ resources, runInTransaction, clock }: ResourcesServiceDeps) {
  async function getResource(id: string, tx?: Executor): Promise<Resource> {
    const resource = await resources.findResourceById(id, tx);
    if (!resource) throw notFoundById('resource', id);
    return resource;
  }

  async function assertIndicatorFree(indicator: string, tx?: Executor) {
    if (await resources.findResourceByIndicator(indicator, tx)) {
      throw new AppError('resource.resource_identifier_in_use', { params: { indicator } });
    }
  }

  async function assertScopeNameFree(resourceId: string, name: string, excludeId?: string, tx?: Executor) {
    if (hasSpace(name)) throw new AppError('scope.name_with_space');
    const existing = await resources.findScopeByName(resourceId, name, tx);
    if (existing && existing.id !== excludeId) throw new AppError('scope.name_exists', { params: { name } });
  }

  /** Re-checks after a unique violation that raced past the first check, to answer Logto's code. */
  async function guardUnique<T>(write: () => Promise<T>, recheck: () => Promise<void>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) await recheck();
      throw error;
    }
  }

  return {
    async listResources(page?: PageRequest, includeScopes = false) {
      const [items, total] = await Promise.all([
        resources.listResources(toWindow(page)),
        resources.countResources(),
      ]);
      if (!includeScopes) return { items, total };
      const scopes = await resources.listScopesOfResources(items.map((r) => r.id));
      return {
        items: items.map((r) => ({ ...r, scopes: scopes.filter((s) => s.resourceId === r.id) })),
        total,
      };
    },

    getResource: (id: string) => getResource(id),

    async createResource(input: CreateResourceInput): Promise<Resource> {
      await assertIndicatorFree(input.indicator);
      return guardUnique(
        () =>
          resources.insertResource({
            id: newStandardId(),
            name: input.name,
            indicator: input.indicator,
            accessTokenTtl: input.accessTokenTtl ?? DEFAULT_ACCESS_TOKEN_TTL,
            createdAt: clock.now(),
          }),
        () => assertIndicatorFree(input.indicator),
      );
    },

    async updateResource(id: string, changes: ResourceChanges): Promise<Resource> {
      if (!Object.values(changes).some((value) => value !== undefined)) return getResource(id);
      const updated = await resources.updateResourceById(id, changes);
      if (!updated) throw notFoundById('resource', id);
      return updated;
    },

    async deleteResource(id: string): Promise<void> {
      if (!(await resources.deleteResourceById(id))) throw notFoundById('resource', id);
    },

    async listScopes(resourceId: string, page?: PageRequest): Promise<Page<Scope>> {
      await getResource(resourceId);
      const [items, total] = await Promise.all([
        resources.listScopes(resourceId, toWindow(page)),
        resources.countScopes(resourceId),
      ]);
      return { items, total };
    },

    async createScope(ctx: ManagementContext, resourceId: string, input: CreateScopeInput): Promise<Scope> {
      const recheck = () => assertScopeNameFree(resourceId, input.name);
      return guardUnique(
        () =>
          runInTransaction(async (tx, emit) => {
            await getResource(resourceId, tx);
            await assertScopeNameFree(resourceId, input.name, undefined, tx);
            const now = clock.now();
            const scope = await resources.insertScope(
              {
                id: newStandardId(),
                resourceId,
                name: input.name,
                description: input.description ?? null,
                createdAt: now,
              },
              tx,
            );
            await emit(managementEvent(ctx, 'Scope.Created', now, { tail: { data: scope } }));
            return scope;
          }),
        recheck,
      );
    },

    async updateScope(
      ctx: ManagementContext,
      resourceId: string,
      scopeId: string,
      changes: ScopeChanges,
    ): Promise<Scope> {
      const { name } = changes;
      const recheck = async () => {
        if (name !== undefined) await assertScopeNameFree(resourceId, name, scopeId);
      };
      return guardUnique(
        () =>
          runInTransaction(async (tx, emit) => {
            await getResource(resourceId, tx);
            const current = await resources.findScope(resourceId, scopeId, tx);
            if (!current) throw notFoundById('scope', scopeId);
            if (name !== undefined) await assertScopeNameFree(resourceId, name, scopeId, tx);
            const hasChanges = Object.values(changes).some((value) => value !== undefined);
            const scope = hasChanges
              ? await resources.updateScope(resourceId, scopeId, changes, tx)
              : current;
            if (!scope) throw notFoundById('scope', scopeId);
            await emit(managementEvent(ctx, 'Scope.Data.Updated', clock.now(), { tail: { data: scope } }));
            return scope;
          }),
        recheck,
      );
    },

    async deleteScope(ctx: ManagementContext, resourceId: string, scopeId: string): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        await getResource(resourceId, tx);
        if (!(await resources.deleteScope(resourceId, scopeId, tx))) throw notFoundById('scope', scopeId);
        await emit(managementEvent(ctx, 'Scope.Deleted', clock.now()));
      });
    },
  };
}

export type ResourcesService = ReturnType<typeof createResourcesService>;
