import type { Selectable } from 'kysely';
import { bit, bool, type Executor, type ResourcesTable, type ScopesTable } from '../db.js';
import type { Resource, Scope } from '../../domain/resources.js';
import { withWindow, type Window } from './query-helpers.js';

/** Key order is Logto's: webhook payloads serialise these objects as they are. */
const toResource = (row: Selectable<ResourcesTable>): Resource => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  indicator: row.indicator,
  isDefault: bool(row.isDefault),
  accessTokenTtl: row.accessTokenTtl,
});

/** Key order is Logto's: webhook payloads serialise these objects as they are. */
const toScope = (row: Selectable<ScopesTable>): Scope => ({
  tenantId: row.tenantId,
  id: row.id,
  resourceId: row.resourceId,
  name: row.name,
  description: row.description,
  createdAt: row.createdAt,
});

export interface NewResource {
  id: string;
  name: string;
  indicator: string;
  accessTokenTtl: number;
  createdAt: number;
}

export type ResourceChanges = Partial<{ name: string; accessTokenTtl: number; isDefault: boolean }>;
export type ScopeChanges = Partial<{ name: string; description: string | null }>;

/** API resources and their scopes. Every scope lookup is scoped by its resource. */
export function createResourcesRepo(db: Executor) {
  const resources = (tx: Executor) => tx.selectFrom('resources').where('tenantId', '=', 'default');
  const scopes = (tx: Executor) => tx.selectFrom('scopes').where('tenantId', '=', 'default');

  return {
    async findResourceById(id: string, tx: Executor = db): Promise<Resource | undefined> {
      const row = await resources(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toResource(row);
    },

    async findResourceByIndicator(indicator: string, tx: Executor = db): Promise<Resource | undefined> {
      const row = await resources(tx).selectAll().where('indicator', '=', indicator).executeTakeFirst();
      return row && toResource(row);
    },

    async findResourcesByIds(ids: readonly string[], tx: Executor = db): Promise<Resource[]> {
      if (ids.length === 0) return [];
      return (await resources(tx).selectAll().where('id', 'in', ids).execute()).map(toResource);
    },

    async listResources(window: Window | undefined, tx: Executor = db): Promise<Resource[]> {
      const query = resources(tx).selectAll().orderBy('createdAt').orderBy('id');
      return (await withWindow(query, window).execute()).map(toResource);
    },

    async countResources(tx: Executor = db): Promise<number> {
      const row = await resources(tx)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertResource(resource: NewResource, tx: Executor = db): Promise<Resource> {
      const row = await tx
        .insertInto('resources')
        .values({ ...resource, isDefault: 0 })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toResource(row);
    },

    async updateResourceById(id: string, changes: ResourceChanges, tx: Executor = db) {
      const { isDefault, ...plain } = changes;
      const row = await tx
        .updateTable('resources')
        .set({ ...plain, ...(isDefault === undefined ? {} : { isDefault: bit(isDefault) }) })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toResource(row);
    },

    async deleteResourceById(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('resources')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async findScope(resourceId: string, scopeId: string, tx: Executor = db): Promise<Scope | undefined> {
      const row = await scopes(tx)
        .selectAll()
        .where('resourceId', '=', resourceId)
        .where('id', '=', scopeId)
        .executeTakeFirst();
      return row && toScope(row);
    },

    async findScopeByName(resourceId: string, name: string, tx: Executor = db): Promise<Scope | undefined> {
      const row = await scopes(tx)
        .selectAll()
        .where('resourceId', '=', resourceId)
        .where('name', '=', name)
        .executeTakeFirst();
      return row && toScope(row);
    },

    /** Scopes of any resource by id, in the order asked for; unknown ids are left out. */
    async findScopesByIds(ids: readonly string[], tx: Executor = db): Promise<Scope[]> {
      if (ids.length === 0) return [];
      const rows = await scopes(tx).selectAll().where('id', 'in', ids).execute();
      const byId = new Map(rows.map((row) => [row.id, toScope(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    async listScopes(resourceId: string, window: Window | undefined, tx: Executor = db): Promise<Scope[]> {
      const query = scopes(tx)
        .selectAll()
        .where('resourceId', '=', resourceId)
        .orderBy('createdAt')
        .orderBy('id');
      return (await withWindow(query, window).execute()).map(toScope);
    },

    async listScopesOfResources(resourceIds: readonly string[], tx: Executor = db): Promise<Scope[]> {
      if (resourceIds.length === 0) return [];
      const rows = await scopes(tx)
        .selectAll()
        .where('resourceId', 'in', resourceIds)
        .orderBy('createdAt')
        .orderBy('id')
        .execute();
      return rows.map(toScope);
    },

    async countScopes(resourceId: string, tx: Executor = db): Promise<number> {
      const row = await scopes(tx)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('resourceId', '=', resourceId)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertScope(scope: Omit<Scope, 'tenantId'>, tx: Executor = db): Promise<Scope> {
      const row = await tx.insertInto('scopes').values(scope).returningAll().executeTakeFirstOrThrow();
      return toScope(row);
    },

    async updateScope(resourceId: string, scopeId: string, changes: ScopeChanges, tx: Executor = db) {
      const row = await tx
        .updateTable('scopes')
        .set(changes)
        .where('tenantId', '=', 'default')
        .where('resourceId', '=', resourceId)
        .where('id', '=', scopeId)
        .returningAll()
        .executeTakeFirst();
      return row && toScope(row);
    },

    async deleteScope(resourceId: string, scopeId: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('scopes')
        .where('tenantId', '=', 'default')
        .where('resourceId', '=', resourceId)
        .where('id', '=', scopeId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type ResourcesRepo = ReturnType<typeof createResourcesRepo>;
