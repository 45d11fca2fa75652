/**
 * Every Management API route that takes a JSON body or a query, with one valid request for each:
 * the seeds the bad-input scenario mutates. A test compares this table with the OpenAPI document,
 * so a new route cannot be left out.
 */
import type { TestEnv } from '../helpers/test-db.js';

/** Entities the valid requests refer to, created once per database. */
export interface Fixtures {
  readonly userId: string;
  readonly otherUserId: string;
  readonly applicationId: string;
  readonly resourceId: string;
  readonly scopeId: string;
  readonly userRoleId: string;
  readonly organizationId: string;
  readonly organizationScopeId: string;
  readonly organizationRoleId: string;
  readonly invitationId: string;
  readonly hookId: string;
  /** Where hooks point: a loopback receiver (test sends go there). */
  readonly hookUrl: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface RouteSeed {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** OpenAPI path, with `{param}` placeholders. */
  readonly path: string;
  readonly params?: (f: Fixtures) => Record<string, string>;
  readonly body?: (f: Fixtures) => { [key: string]: Json };
  readonly query?: (f: Fixtures) => Record<string, string>;
  /** An accepted request answers with an endless event stream: its body is not read, only cancelled. */
  readonly isStream?: boolean;
}

const page = { page: '1', page_size: '20' };
const day = 86_400_000;

export const MANAGEMENT_ROUTES: readonly RouteSeed[] = [
  // Users
  { method: 'GET', path: '/api/users', query: () => ({ ...page, search: 'fuzz' }) },
  {
    method: 'POST',
    path: '/api/users',
    body: () => ({
      username: 'fuzz_created',
      primaryEmail: 'fuzz.created@example.com',
      primaryPhone: '12025550123',
      name: 'Fuzz',
      avatar: 'https://example.com/a.png',
      customData: { plan: 'free', nested: { n: 1 } },
      profile: { nickname: 'fuzzy' },
    }),
  },
  {
    method: 'PATCH',
    path: '/api/users/{userId}',
    params: (f) => ({ userId: f.userId }),
    body: () => ({ name: 'Renamed', customData: { b: [1, 2] }, primaryPhone: null }),
  },
  {
    method: 'PATCH',
    path: '/api/users/{userId}/custom-data',
    params: (f) => ({ userId: f.userId }),
    body: () => ({ customData: { c: { d: 'e' } } }),
  },
  {
    method: 'PATCH',
    path: '/api/users/{userId}/profile',
    params: (f) => ({ userId: f.userId }),
    body: () => ({ profile: { nickname: 'nick', website: 'https://example.com' } }),
  },
  {
    method: 'PATCH',
    path: '/api/users/{userId}/password',
    params: (f) => ({ userId: f.userId }),
    body: () => ({ password: 'a-Long-enough-passw0rd' }),
  },
  {
    method: 'PATCH',
    path: '/api/users/{userId}/is-suspended',
    params: (f) => ({ userId: f.userId }),
    body: () => ({ isSuspended: false }),
  },
  // Applications
  {
    method: 'GET',
    path: '/api/applications',
    query: (f) => ({
      ...page,
      types: 'MachineToMachine',
      isThirdParty: 'false',
      excludeOrganizationId: f.organizationId,
    }),
  },
  {
    method: 'POST',
    path: '/api/applications',
    body: () => ({ name: 'Fuzz app', type: 'MachineToMachine', description: 'd', customData: { k: 'v' } }),
  },
  {
    method: 'PATCH',
    path: '/api/applications/{id}',
    params: (f) => ({ id: f.applicationId }),
    body: () => ({ name: 'Renamed app', description: null }),
  },
  // Resources and scopes
  { method: 'GET', path: '/api/resources', query: () => ({ ...page, includeScopes: 'true' }) },
  {
    method: 'POST',
    path: '/api/resources',
    body: () => ({ name: 'Fuzz API', indicator: 'https://fuzz.example.com/api', accessTokenTtl: 3600 }),
  },
  {
    method: 'PATCH',
    path: '/api/resources/{id}',
    params: (f) => ({ id: f.resourceId }),
    body: () => ({ name: 'Renamed API', accessTokenTtl: 7200 }),
  },
  {
    method: 'GET',
    path: '/api/resources/{resourceId}/scopes',
    params: (f) => ({ resourceId: f.resourceId }),
    query: () => page,
  },
  {
    method: 'POST',
    path: '/api/resources/{resourceId}/scopes',
    params: (f) => ({ resourceId: f.resourceId }),
    body: () => ({ name: 'fuzz:write', description: 'Write' }),
  },
  {
    method: 'PATCH',
    path: '/api/resources/{resourceId}/scopes/{scopeId}',
    params: (f) => ({ resourceId: f.resourceId, scopeId: f.scopeId }),
    body: () => ({ name: 'fuzz:read', description: null }),
  },
  // Roles and assignments
  {
    method: 'GET',
    path: '/api/roles',
    query: (f) => ({ ...page, excludeUserId: f.otherUserId, type: 'User' }),
  },
  {
    method: 'POST',
    path: '/api/roles',
    body: (f) => ({
      name: 'fuzz-role',
      description: 'A role',
      type: 'User',
      isDefault: false,
      scopeIds: [f.scopeId],
    }),
  },
  {
    method: 'PATCH',
    path: '/api/roles/{id}',
    params: (f) => ({ id: f.userRoleId }),
    body: () => ({ name: 'renamed-role', description: 'Renamed', isDefault: false }),
  },
  { method: 'GET', path: '/api/roles/{id}/scopes', params: (f) => ({ id: f.userRoleId }), query: () => page },
  {
    method: 'POST',
    path: '/api/roles/{id}/scopes',
    params: (f) => ({ id: f.userRoleId }),
    body: (f) => ({ scopeIds: [f.scopeId] }),
  },
  {
    method: 'GET',
    path: '/api/users/{userId}/roles',
    params: (f) => ({ userId: f.userId }),
    query: () => page,
  },
  {
    method: 'POST',
    path: '/api/users/{userId}/roles',
    params: (f) => ({ userId: f.userId }),
    body: (f) => ({ roleIds: [f.userRoleId] }),
  },
  {
    method: 'PUT',
    path: '/api/users/{userId}/roles',
    params: (f) => ({ userId: f.userId }),
    body: (f) => ({ roleIds: [f.userRoleId] }),
  },
  { method: 'GET', path: '/api/roles/{id}/users', params: (f) => ({ id: f.userRoleId }), query: () => page },
  {
    method: 'POST',
    path: '/api/roles/{id}/users',
    params: (f) => ({ id: f.userRoleId }),
    body: (f) => ({ userIds: [f.otherUserId] }),
  },
  // Organizations and their members
  { method: 'GET', path: '/api/organizations', query: () => ({ ...page, q: 'Fuzz', showFeatured: 'true' }) },
  {
    method: 'POST',
    path: '/api/organizations',
    body: () => ({
      name: 'Fuzz org',
      description: 'd',
      customData: { tier: 1 },
      isMfaRequired: false,
      customCss: null,
    }),
  },
  {
    method: 'PATCH',
    path: '/api/organizations/{id}',
    params: (f) => ({ id: f.organizationId }),
    body: () => ({ name: 'Renamed org', description: null }),
  },
  {
    method: 'GET',
    path: '/api/organizations/{id}/users',
    params: (f) => ({ id: f.organizationId }),
    query: (f) => ({ ...page, q: 'fuzz', organizationRoleId: f.organizationRoleId }),
  },
  {
    method: 'POST',
    path: '/api/organizations/{id}/users',
    params: (f) => ({ id: f.organizationId }),
    body: (f) => ({ userIds: [f.userId] }),
  },
  {
    method: 'PUT',
    path: '/api/organizations/{id}/users',
    params: (f) => ({ id: f.organizationId }),
    body: (f) => ({ userIds: [f.userId, f.otherUserId] }),
  },
  {
    method: 'POST',
    path: '/api/organizations/{id}/users/roles',
    params: (f) => ({ id: f.organizationId }),
    body: (f) => ({ userIds: [f.userId], organizationRoleIds: [f.organizationRoleId] }),
  },
  {
    method: 'GET',
    path: '/api/organizations/{id}/users/{userId}/roles',
    params: (f) => ({ id: f.organizationId, userId: f.userId }),
    query: () => page,
  },
  {
    method: 'PUT',
    path: '/api/organizations/{id}/users/{userId}/roles',
    params: (f) => ({ id: f.organizationId, userId: f.userId }),
    body: (f) => ({ organizationRoleIds: [f.organizationRoleId] }),
  },
  {
    method: 'POST',
    path: '/api/organizations/{id}/users/{userId}/roles',
    params: (f) => ({ id: f.organizationId, userId: f.userId }),
    body: (f) => ({ organizationRoleIds: [f.organizationRoleId] }),
  },
  {
    method: 'GET',
    path: '/api/organizations/{id}/applications',
    params: (f) => ({ id: f.organizationId }),
    query: () => page,
  },
  {
    method: 'POST',
    path: '/api/organizations/{id}/applications',
    params: (f) => ({ id: f.organizationId }),
    body: (f) => ({ applicationIds: [f.applicationId] }),
  },
  {
    method: 'PUT',
    path: '/api/organizations/{id}/applications',
    params: (f) => ({ id: f.organizationId }),
    body: (f) => ({ applicationIds: [f.applicationId] }),
  },
  // Organization roles and scopes
  { method: 'GET', path: '/api/organization-roles', query: () => ({ ...page, q: 'fuzz' }) },
  {
    method: 'POST',
    path: '/api/organization-roles',
    body: (f) => ({
      name: 'fuzz-org-role',
      description: 'd',
      type: 'User',
      organizationScopeIds: [f.organizationScopeId],
      resourceScopeIds: [f.scopeId],
    }),
  },
  {
    method: 'PATCH',
    path: '/api/organization-roles/{id}',
    params: (f) => ({ id: f.organizationRoleId }),
    body: () => ({ name: 'renamed-org-role', description: null }),
  },
  {
    method: 'GET',
    path: '/api/organization-roles/{id}/scopes',
    params: (f) => ({ id: f.organizationRoleId }),
    query: () => page,
  },
  {
    method: 'PUT',
    path: '/api/organization-roles/{id}/scopes',
    params: (f) => ({ id: f.organizationRoleId }),
    body: (f) => ({ organizationScopeIds: [f.organizationScopeId] }),
  },
  {
    method: 'POST',
    path: '/api/organization-roles/{id}/scopes',
    params: (f) => ({ id: f.organizationRoleId }),
    body: (f) => ({ organizationScopeIds: [f.organizationScopeId] }),
  },
  {
    method: 'GET',
    path: '/api/organization-roles/{id}/resource-scopes',
    params: (f) => ({ id: f.organizationRoleId }),
    query: () => page,
  },
  {
    method: 'PUT',
    path: '/api/organization-roles/{id}/resource-scopes',
    params: (f) => ({ id: f.organizationRoleId }),
    body: (f) => ({ scopeIds: [f.scopeId] }),
  },
  {
    method: 'POST',
    path: '/api/organization-roles/{id}/resource-scopes',
    params: (f) => ({ id: f.organizationRoleId }),
    body: (f) => ({ scopeIds: [f.scopeId] }),
  },
  { method: 'GET', path: '/api/organization-scopes', query: () => ({ ...page, q: 'fuzz' }) },
  {
    method: 'POST',
    path: '/api/organization-scopes',
    body: () => ({ name: 'fuzz:org', description: 'd' }),
  },
  {
    method: 'PATCH',
    path: '/api/organization-scopes/{id}',
    params: (f) => ({ id: f.organizationScopeId }),
    body: () => ({ name: 'renamed:org', description: null }),
  },
  // Organization invitations
  {
    method: 'GET',
    path: '/api/organization-invitations',
    query: (f) => ({ organizationId: f.organizationId, inviterId: f.userId, invitee: 'invitee@example.com' }),
  },
  {
    method: 'POST',
    path: '/api/organization-invitations',
    body: (f) => ({
      inviterId: f.userId,
      invitee: 'new.invitee@example.com',
      organizationId: f.organizationId,
      expiresAt: Date.now() + day,
      organizationRoleIds: [f.organizationRoleId],
      messagePayload: false,
    }),
  },
  {
    method: 'PUT',
    path: '/api/organization-invitations/{id}/status',
    params: (f) => ({ id: f.invitationId }),
    body: () => ({ status: 'Revoked' }),
  },
  // Events feed
  { method: 'GET', path: '/api/events', query: () => ({ after: 'latest', limit: '10', events: 'User.*' }) },
  {
    method: 'GET',
    path: '/api/events/stream',
    query: () => ({ after: 'latest', events: 'User.*' }),
    isStream: true,
  },
  // Hooks and their logs
  { method: 'GET', path: '/api/hooks', query: () => ({ ...page, includeExecutionStats: 'true' }) },
  {
    method: 'POST',
    path: '/api/hooks',
    body: (f) => ({ name: 'fuzz hook', events: ['User.Created'], config: { url: f.hookUrl }, enabled: true }),
  },
  {
    method: 'GET',
    path: '/api/hooks/{id}',
    params: (f) => ({ id: f.hookId }),
    query: () => ({ includeExecutionStats: '1' }),
  },
  {
    method: 'PATCH',
    path: '/api/hooks/{id}',
    params: (f) => ({ id: f.hookId }),
    body: (f) => ({
      name: 'renamed hook',
      events: ['User.Created', 'User.Deleted'],
      config: { url: f.hookUrl, headers: { 'x-fuzz': 'yes' } },
    }),
  },
  {
    method: 'POST',
    path: '/api/hooks/{id}/test',
    params: (f) => ({ id: f.hookId }),
    body: (f) => ({ events: ['User.Created'], config: { url: f.hookUrl } }),
  },
  {
    method: 'GET',
    path: '/api/hooks/{id}/recent-logs',
    params: (f) => ({ id: f.hookId }),
    query: () => ({
      ...page,
      logKey: 'TriggerHook.User.Created',
      start_time: String(Date.now() - day),
      end_time: String(Date.now() + day),
      enableCap: 'yes',
    }),
  },
  {
    method: 'GET',
    path: '/api/hooks/{id}/deliveries',
    params: (f) => ({ id: f.hookId }),
    query: () => ({
      ...page,
      event: 'User.Created',
      status: 'succeeded',
      start_time: String(Date.now() - day),
      end_time: String(Date.now() + day),
      includeAttempts: 'yes',
    }),
  },
  {
    method: 'POST',
    path: '/api/hooks/{id}/deliveries/recover',
    params: (f) => ({ id: f.hookId }),
    body: () => ({ since: Date.now() - day, until: Date.now() }),
  },
];

/** Creates the fixtures through the API itself, so they are exactly what the API stores. */
export async function createFixtures(env: TestEnv, hookUrl: string): Promise<Fixtures> {
  const post = async (path: string, body: unknown): Promise<{ id: string }> => {
    const response = await env.api('POST', path, body);
    if (response.status >= 300)
      throw new Error(`fixture ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const user = await post('/api/users', { username: 'fuzz_user', primaryEmail: 'fuzz.user@example.com' });
  const other = await post('/api/users', { username: 'fuzz_other' });
  const application = await post('/api/applications', { name: 'Fuzz M2M', type: 'MachineToMachine' });
  const resource = await post('/api/resources', {
    name: 'Fuzz resource',
    indicator: 'https://fuzz.example.com',
  });
  const scope = await post(`/api/resources/${resource.id}/scopes`, { name: 'fuzz:read' });
  const role = await post('/api/roles', { name: 'fuzz-user-role', description: 'Users', type: 'User' });
  const organization = await post('/api/organizations', { name: 'Fuzz organization' });
  const organizationScope = await post('/api/organization-scopes', { name: 'fuzz:member' });
  const organizationRole = await post('/api/organization-roles', { name: 'fuzz-member' });
  await post(`/api/organizations/${organization.id}/users`, { userIds: [user.id] });
  const invitation = await post('/api/organization-invitations', {
    invitee: 'invitee@example.com',
    organizationId: organization.id,
    expiresAt: Date.now() + 7 * day,
  });
  const hook = await post('/api/hooks', { name: 'fuzz', events: ['User.Created'], config: { url: hookUrl } });
  return {
    userId: user.id,
    otherUserId: other.id,
    applicationId: application.id,
    resourceId: resource.id,
    scopeId: scope.id,
    userRoleId: role.id,
    organizationId: organization.id,
    organizationScopeId: organizationScope.id,
    organizationRoleId: organizationRole.id,
    invitationId: invitation.id,
    hookId: hook.id,
    hookUrl,
  };
}
