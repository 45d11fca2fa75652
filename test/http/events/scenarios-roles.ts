import { expect } from 'vitest';
import { expectStatus } from '../../helpers/api.js';
import {
  expectManagementPayload,
  expectTypes,
  route,
  rowKey,
  type Harness,
  type Scenario,
} from './harness.js';

interface Entity {
  id: string;
  name: string;
}

let sequence = 0;
const next = () => ++sequence;

/** A resource with `count` scopes, created outside any capture. */
async function resourceWithScopes(h: Harness, count: number) {
  const n = next();
  const resource = await h.create<Entity>('/api/resources', {
    name: `API ${n}`,
    indicator: `https://api${n}.example.com`,
  });
  const scopes: Entity[] = [];
  for (let i = 0; i < count; i++) {
    scopes.push(await h.create<Entity>(`/api/resources/${resource.id}/scopes`, { name: `read:thing${i}` }));
  }
  return { resource, scopes };
}

const createRole = (h: Harness, extra: Record<string, unknown> = {}) =>
  h.create<Entity>('/api/roles', { name: `role-${next()}`, description: 'A role', ...extra }, 200);

/** Scope (API permission) and role rows of MANAGEMENT_API_EVENTS (docs/events.md#management-api-routes-and-their-events). */
export const roleScenarios: Scenario[] = [
  {
    title: 'POST /resources/:resourceId/scopes',
    covers: [rowKey('POST', '/resources/:resourceId/scopes', 'Scope.Created')],
    async run(h) {
      const { resource } = await resourceWithScopes(h, 0);
      const { response, events } = await h.capture(() =>
        h.api('POST', `/api/resources/${resource.id}/scopes`, {
          name: 'write:docs',
          description: 'Write docs',
        }),
      );
      const scope = await expectStatus(response, 201);
      expectTypes(events, ['Scope.Created']);
      const context = route('POST', '/resources/:resourceId/scopes', { resourceId: resource.id }, 201);
      expectManagementPayload(events[0], 'Scope.Created', context, { tail: { data: scope } });
    },
  },
  {
    title: 'PATCH /resources/:resourceId/scopes/:scopeId',
    covers: [rowKey('PATCH', '/resources/:resourceId/scopes/:scopeId', 'Scope.Data.Updated')],
    async run(h) {
      const { resource, scopes } = await resourceWithScopes(h, 1);
      const scopeId = scopes[0]!.id;
      const { response, events } = await h.capture(() =>
        h.api('PATCH', `/api/resources/${resource.id}/scopes/${scopeId}`, { description: 'Updated' }),
      );
      const scope = await expectStatus(response, 200);
      expectTypes(events, ['Scope.Data.Updated']);
      const context = route(
        'PATCH',
        '/resources/:resourceId/scopes/:scopeId',
        { resourceId: resource.id, scopeId },
        200,
      );
      expectManagementPayload(events[0], 'Scope.Data.Updated', context, { tail: { data: scope } });
    },
  },
  {
    title: 'DELETE /resources/:resourceId/scopes/:scopeId',
    covers: [rowKey('DELETE', '/resources/:resourceId/scopes/:scopeId', 'Scope.Deleted')],
    async run(h) {
      const { resource, scopes } = await resourceWithScopes(h, 1);
      const scopeId = scopes[0]!.id;
      const { response, events } = await h.capture(() =>
        h.api('DELETE', `/api/resources/${resource.id}/scopes/${scopeId}`),
      );
      await expectStatus(response, 204);
      expectTypes(events, ['Scope.Deleted']);
      const context = route(
        'DELETE',
        '/resources/:resourceId/scopes/:scopeId',
        { resourceId: resource.id, scopeId },
        204,
      );
      expectManagementPayload(events[0], 'Scope.Deleted', context);
    },
  },
  {
    title: 'POST /roles with scopeIds: Role.Scopes.Updated {roleId, data} first, then Role.Created',
    covers: [rowKey('POST', '/roles', 'Role.Created'), rowKey('POST', '/roles', 'Role.Scopes.Updated')],
    async run(h) {
      const { scopes } = await resourceWithScopes(h, 2);
      const { response, events } = await h.capture(() =>
        h.api('POST', '/api/roles', {
          name: 'editor',
          description: 'Can edit',
          scopeIds: scopes.map((s) => s.id),
        }),
      );
      const role = await expectStatus<Entity>(response, 200);
      expectTypes(events, ['Role.Scopes.Updated', 'Role.Created']);
      const assigned = await expectStatus<{ resource: unknown }[]>(
        await h.api('GET', `/api/roles/${role.id}/scopes`),
        200,
      );
      const data = assigned.map(({ resource: _resource, ...scope }) => scope);
      expect(data).toHaveLength(2);
      const context = route('POST', '/roles', {}, 200);
      expectManagementPayload(events[0], 'Role.Scopes.Updated', context, { tail: { roleId: role.id, data } });
      expectManagementPayload(events[1], 'Role.Created', context, { tail: { data: role } });
    },
  },
  {
    title: 'POST /roles without scopeIds emits Role.Created only',
    covers: [rowKey('POST', '/roles', 'Role.Created')],
    async run(h) {
      const { response, events } = await h.capture(() =>
        h.api('POST', '/api/roles', {
          name: 'viewer',
          description: 'Can view',
          type: 'User',
          isDefault: true,
        }),
      );
      const role = await expectStatus(response, 200);
      expectTypes(events, ['Role.Created']);
      expectManagementPayload(events[0], 'Role.Created', route('POST', '/roles', {}, 200), {
        tail: { data: role },
      });
    },
  },
  {
    title: 'PATCH /roles/:id',
    covers: [rowKey('PATCH', '/roles/:id', 'Role.Data.Updated')],
    async run(h) {
      const created = await createRole(h);
      const { response, events } = await h.capture(() =>
        h.api('PATCH', `/api/roles/${created.id}`, { description: 'Changed' }),
      );
      const role = await expectStatus(response, 200);
      expectTypes(events, ['Role.Data.Updated']);
      const context = route('PATCH', '/roles/:id', { id: created.id }, 200);
      expectManagementPayload(events[0], 'Role.Data.Updated', context, { tail: { data: role } });
    },
  },
  {
    title: 'DELETE /roles/:id',
    covers: [rowKey('DELETE', '/roles/:id', 'Role.Deleted')],
    async run(h) {
      const role = await createRole(h);
      const { response, events } = await h.capture(() => h.api('DELETE', `/api/roles/${role.id}`));
      await expectStatus(response, 204);
      expectTypes(events, ['Role.Deleted']);
      expectManagementPayload(events[0], 'Role.Deleted', route('DELETE', '/roles/:id', { id: role.id }, 204));
    },
  },
  {
    title: 'POST /roles/:id/scopes: data = every scope of the role',
    covers: [rowKey('POST', '/roles/:id/scopes', 'Role.Scopes.Updated')],
    async run(h) {
      const { scopes } = await resourceWithScopes(h, 2);
      const role = await createRole(h, { scopeIds: [scopes[0]!.id] });
      const { response, events } = await h.capture(() =>
        h.api('POST', `/api/roles/${role.id}/scopes`, { scopeIds: [scopes[1]!.id] }),
      );
      const all = await expectStatus<Entity[]>(response, 201);
      expect(all.map((s) => s.id).sort()).toEqual(scopes.map((s) => s.id).sort());
      expectTypes(events, ['Role.Scopes.Updated']);
      const context = route('POST', '/roles/:id/scopes', { id: role.id }, 201);
      expectManagementPayload(events[0], 'Role.Scopes.Updated', context, { tail: { data: all } });
    },
  },
  {
    title: 'DELETE /roles/:id/scopes/:scopeId',
    covers: [rowKey('DELETE', '/roles/:id/scopes/:scopeId', 'Role.Scopes.Updated')],
    async run(h) {
      const { scopes } = await resourceWithScopes(h, 1);
      const scopeId = scopes[0]!.id;
      const role = await createRole(h, { scopeIds: [scopeId] });
      const { response, events } = await h.capture(() =>
        h.api('DELETE', `/api/roles/${role.id}/scopes/${scopeId}`),
      );
      await expectStatus(response, 204);
      expectTypes(events, ['Role.Scopes.Updated']);
      const context = route('DELETE', '/roles/:id/scopes/:scopeId', { id: role.id, scopeId }, 204);
      expectManagementPayload(events[0], 'Role.Scopes.Updated', context);
    },
  },
];
