import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/storage/db.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { countRows } from '../helpers/api.js';
import { createHarness, type Harness } from './events/harness.js';

interface Entity {
  id: string;
}

const RELATIONS: (keyof Database)[] = [
  'rolesScopes',
  'usersRoles',
  'organizationUserRelations',
  'organizationRoleUserRelations',
  'organizationApplicationRelations',
  'organizationRoleScopeRelations',
  'organizationRoleResourceScopeRelations',
  'organizationInvitations',
  'organizationInvitationRoleRelations',
];

/**
 * Deleting a parent removes its relations in the database (foreign keys `on delete cascade`, as in
 * Logto) and emits only the parent's own event; the relations' removal is silent (docs/events.md#management-api-routes-and-their-events).
 */
describeEachDialect('cascading deletes', (dialect) => {
  let env: TestEnv;
  let h: Harness;
  let n = 0;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
    h = createHarness(env);
  });
  afterAll(async () => env.close());

  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of RELATIONS) out[table] = await countRows(env, table);
    return out;
  };

  /** A web of everything: a user with a role and an organization role, an app, an invitation. */
  async function world() {
    const i = ++n;
    const email = `cascade${i}@example.com`;
    const user = await h.create<Entity>('/api/users', { username: `cascade_${i}`, primaryEmail: email }, 200);
    const resource = await h.create<Entity>('/api/resources', {
      name: 'R',
      indicator: `https://cascade${i}.example.com`,
    });
    const scope = await h.create<Entity>(`/api/resources/${resource.id}/scopes`, { name: 'read' });
    const role = await h.create<Entity>(
      '/api/roles',
      { name: `cascade-${i}`, description: 'x', scopeIds: [scope.id] },
      200,
    );
    await h.create(`/api/users/${user.id}/roles`, { roleIds: [role.id] });
    const orgScope = await h.create<Entity>('/api/organization-scopes', { name: `cascade:${i}` });
    const orgRole = await h.create<Entity>('/api/organization-roles', {
      name: `cascade-${i}`,
      organizationScopeIds: [orgScope.id],
      resourceScopeIds: [scope.id],
    });
    const org = await h.create<Entity>('/api/organizations', { name: `Cascade ${i}` });
    const app = await h.create<Entity>('/api/applications', { name: 'M2M', type: 'MachineToMachine' }, 200);
    await h.create(`/api/organizations/${org.id}/users`, { userIds: [user.id] });
    await h.create(`/api/organizations/${org.id}/users/${user.id}/roles`, {
      organizationRoleIds: [orgRole.id],
    });
    await h.create(`/api/organizations/${org.id}/applications`, { applicationIds: [app.id] });
    await h.create('/api/organization-invitations', {
      invitee: `other${i}@example.com`,
      organizationId: org.id,
      expiresAt: Date.now() + 60_000,
      organizationRoleIds: [orgRole.id],
    });
    return { user, resource, scope, role, orgScope, orgRole, org, app };
  }

  /** Deletes `path`, expecting only `events`, and returns how many rows each relation lost. */
  async function deleteAndDiff(path: string, events: string[]) {
    const before = await counts();
    const { response, events: emitted } = await h.capture(() => h.api('DELETE', path));
    expect(response.status).toBe(204);
    expect(emitted.map((e) => e.type)).toEqual(events);
    const after = await counts();
    return Object.fromEntries(
      RELATIONS.map((t) => [t, before[t]! - after[t]!]).filter(([, lost]) => lost !== 0),
    );
  }

  it('an organization takes its members, their roles, its applications and invitations', async () => {
    const { org } = await world();
    expect(await deleteAndDiff(`/api/organizations/${org.id}`, ['Organization.Deleted'])).toEqual({
      organizationUserRelations: 1,
      organizationRoleUserRelations: 1,
      organizationApplicationRelations: 1,
      organizationInvitations: 1,
      organizationInvitationRoleRelations: 1,
    });
  });

  it('a user takes its roles, memberships and organization roles', async () => {
    const { user } = await world();
    expect(await deleteAndDiff(`/api/users/${user.id}`, ['User.Deleted'])).toEqual({
      usersRoles: 1,
      organizationUserRelations: 1,
      organizationRoleUserRelations: 1,
    });
  });

  it('a role takes its scope links and user assignments', async () => {
    const { role } = await world();
    expect(await deleteAndDiff(`/api/roles/${role.id}`, ['Role.Deleted'])).toEqual({
      rolesScopes: 1,
      usersRoles: 1,
    });
  });

  it('an API resource takes its scopes and their links, announcing nothing', async () => {
    const { resource, role } = await world();
    expect(await deleteAndDiff(`/api/resources/${resource.id}`, [])).toEqual({
      rolesScopes: 1,
      organizationRoleResourceScopeRelations: 1,
    });
    const scopes = (await (await h.api('GET', `/api/roles/${role.id}/scopes`)).json()) as unknown[];
    expect(scopes).toEqual([]);
  });

  it('a scope takes its role links with Scope.Deleted only', async () => {
    const { resource, scope } = await world();
    const path = `/api/resources/${resource.id}/scopes/${scope.id}`;
    expect(await deleteAndDiff(path, ['Scope.Deleted'])).toEqual({
      rolesScopes: 1,
      organizationRoleResourceScopeRelations: 1,
    });
  });

  it('an organization role takes its scope links, member assignments and invitation roles', async () => {
    const { orgRole } = await world();
    expect(
      await deleteAndDiff(`/api/organization-roles/${orgRole.id}`, ['OrganizationRole.Deleted']),
    ).toEqual({
      organizationRoleScopeRelations: 1,
      organizationRoleResourceScopeRelations: 1,
      organizationRoleUserRelations: 1,
      organizationInvitationRoleRelations: 1,
    });
  });

  it('an organization scope takes its role links with OrganizationScope.Deleted only', async () => {
    const { orgScope } = await world();
    const diff = await deleteAndDiff(`/api/organization-scopes/${orgScope.id}`, [
      'OrganizationScope.Deleted',
    ]);
    expect(diff).toEqual({ organizationRoleScopeRelations: 1 });
  });

  it('an application takes its organization memberships, announcing nothing', async () => {
    const { app } = await world();
    expect(await deleteAndDiff(`/api/applications/${app.id}`, [])).toEqual({
      organizationApplicationRelations: 1,
    });
  });
});
