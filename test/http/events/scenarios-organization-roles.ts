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
}

let sequence = 0;
const next = () => ++sequence;

const createScope = async (h: Harness) =>
  (await h.create<Entity>('/api/organization-scopes', { name: `org:scope${next()}` })).id;
const createRole = async (h: Harness, body: Record<string, unknown> = {}) =>
  (await h.create<Entity>('/api/organization-roles', { name: `org-role-${next()}`, ...body })).id;
async function createResourceScope(h: Harness) {
  const n = next();
  const resource = await h.create<Entity>('/api/resources', {
    name: `Org API ${n}`,
    indicator: `https://org${n}.example.com`,
  });
  return (await h.create<Entity>(`/api/resources/${resource.id}/scopes`, { name: 'read' })).id;
}

const SCOPES_UPDATED = 'OrganizationRole.Scopes.Updated';

/** A route on a role's organization scopes: `OrganizationRole.Scopes.Updated` with no `data`. */
function roleScopesScenario(
  method: 'PUT' | 'POST' | 'DELETE',
  matchedRoute: string,
  status: number,
  act: (
    h: Harness,
    roleId: string,
    scopeIds: string[],
  ) => { path: string; body?: unknown; params: Record<string, string> },
): Scenario {
  return {
    title: `${method} ${matchedRoute}`,
    covers: [rowKey(method, matchedRoute, SCOPES_UPDATED)],
    async run(h) {
      const scopeIds = [await createScope(h), await createScope(h)];
      const roleId = await createRole(h, { organizationScopeIds: [scopeIds[0]] });
      const { path, body, params } = act(h, roleId, scopeIds);
      const { response, events } = await h.capture(() => h.api(method, path, body));
      await expectStatus(response, status);
      expectTypes(events, [SCOPES_UPDATED]);
      expectManagementPayload(
        events[0],
        SCOPES_UPDATED,
        route(method, matchedRoute, { id: roleId, ...params }, status),
      );
      expect(events[0]!.payload).not.toHaveProperty('data');
    },
  };
}

/** Organization role and organization scope rows of MANAGEMENT_API_EVENTS (docs/events.md#management-api-routes-and-their-events). */
export const organizationRoleScenarios: Scenario[] = [
  {
    title: 'POST /organization-roles with scopes: Scopes.Updated {organizationRoleId} first, then Created',
    covers: [
      rowKey('POST', '/organization-roles', 'OrganizationRole.Created'),
      rowKey('POST', '/organization-roles', SCOPES_UPDATED),
    ],
    async run(h) {
      const [scopeId, resourceScopeId] = [await createScope(h), await createResourceScope(h)];
      const { response, events } = await h.capture(() =>
        h.api('POST', '/api/organization-roles', {
          name: 'Admin',
          description: 'Runs the place',
          organizationScopeIds: [scopeId],
          resourceScopeIds: [resourceScopeId],
        }),
      );
      const role = await expectStatus<Entity>(response, 201);
      expectTypes(events, [SCOPES_UPDATED, 'OrganizationRole.Created']);
      const context = route('POST', '/organization-roles', {}, 201);
      expectManagementPayload(events[0], SCOPES_UPDATED, context, { tail: { organizationRoleId: role.id } });
      expectManagementPayload(events[1], 'OrganizationRole.Created', context, { tail: { data: role } });
    },
  },
  {
    title: 'POST /organization-roles with empty scope lists emits Created only',
    covers: [rowKey('POST', '/organization-roles', 'OrganizationRole.Created')],
    async run(h) {
      const { response, events } = await h.capture(() =>
        h.api('POST', '/api/organization-roles', {
          name: 'Member',
          organizationScopeIds: [],
          resourceScopeIds: [],
        }),
      );
      const role = await expectStatus(response, 201);
      expectTypes(events, ['OrganizationRole.Created']);
      expectManagementPayload(
        events[0],
        'OrganizationRole.Created',
        route('POST', '/organization-roles', {}, 201),
        {
          tail: { data: role },
        },
      );
    },
  },
  {
    title: 'PATCH /organization-roles/:id',
    covers: [rowKey('PATCH', '/organization-roles/:id', 'OrganizationRole.Data.Updated')],
    async run(h) {
      const id = await createRole(h);
      const { response, events } = await h.capture(() =>
        h.api('PATCH', `/api/organization-roles/${id}`, {
          description: 'Now described',
          type: 'MachineToMachine',
        }),
      );
      const role = await expectStatus(response, 200);
      expectTypes(events, ['OrganizationRole.Data.Updated']);
      const context = route('PATCH', '/organization-roles/:id', { id }, 200);
      expectManagementPayload(events[0], 'OrganizationRole.Data.Updated', context, { tail: { data: role } });
    },
  },
  {
    title: 'DELETE /organization-roles/:id',
    covers: [rowKey('DELETE', '/organization-roles/:id', 'OrganizationRole.Deleted')],
    async run(h) {
      const id = await createRole(h);
      const { response, events } = await h.capture(() => h.api('DELETE', `/api/organization-roles/${id}`));
      await expectStatus(response, 204);
      expectTypes(events, ['OrganizationRole.Deleted']);
      expectManagementPayload(
        events[0],
        'OrganizationRole.Deleted',
        route('DELETE', '/organization-roles/:id', { id }, 204),
      );
    },
  },
  roleScopesScenario('PUT', '/organization-roles/:id/scopes', 204, (_h, id, scopeIds) => ({
    path: `/api/organization-roles/${id}/scopes`,
    body: { organizationScopeIds: [scopeIds[1]] },
    params: {},
  })),
  roleScopesScenario('POST', '/organization-roles/:id/scopes', 201, (_h, id, scopeIds) => ({
    path: `/api/organization-roles/${id}/scopes`,
    body: { organizationScopeIds: scopeIds },
    params: {},
  })),
  roleScopesScenario(
    'DELETE',
    '/organization-roles/:id/scopes/:organizationScopeId',
    204,
    (_h, id, scopeIds) => ({
      path: `/api/organization-roles/${id}/scopes/${scopeIds[0]}`,
      params: { organizationScopeId: scopeIds[0]! },
    }),
  ),
  {
    title: 'POST /organization-scopes',
    covers: [rowKey('POST', '/organization-scopes', 'OrganizationScope.Created')],
    async run(h) {
      const { response, events } = await h.capture(() =>
        h.api('POST', '/api/organization-scopes', { name: 'read:members', description: 'Read members' }),
      );
      const scope = await expectStatus(response, 201);
      expectTypes(events, ['OrganizationScope.Created']);
      expectManagementPayload(
        events[0],
        'OrganizationScope.Created',
        route('POST', '/organization-scopes', {}, 201),
        {
          tail: { data: scope },
        },
      );
    },
  },
  {
    title: 'PATCH /organization-scopes/:id',
    covers: [rowKey('PATCH', '/organization-scopes/:id', 'OrganizationScope.Data.Updated')],
    async run(h) {
      const id = await createScope(h);
      const { response, events } = await h.capture(() =>
        h.api('PATCH', `/api/organization-scopes/${id}`, { description: null, name: `renamed${next()}` }),
      );
      const scope = await expectStatus(response, 200);
      expectTypes(events, ['OrganizationScope.Data.Updated']);
      const context = route('PATCH', '/organization-scopes/:id', { id }, 200);
      expectManagementPayload(events[0], 'OrganizationScope.Data.Updated', context, {
        tail: { data: scope },
      });
    },
  },
  {
    title: 'DELETE /organization-scopes/:id',
    covers: [rowKey('DELETE', '/organization-scopes/:id', 'OrganizationScope.Deleted')],
    async run(h) {
      const id = await createScope(h);
      const { response, events } = await h.capture(() => h.api('DELETE', `/api/organization-scopes/${id}`));
      await expectStatus(response, 204);
      expectTypes(events, ['OrganizationScope.Deleted']);
      expectManagementPayload(
        events[0],
        'OrganizationScope.Deleted',
        route('DELETE', '/organization-scopes/:id', { id }, 204),
      );
    },
  },
];
