import { afterAll, beforeAll, expect, it } from 'vitest';
import { isIdhooksAddition } from '../../src/domain/events.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { createHarness, type Harness } from './events/harness.js';

interface Entity {
  id: string;
}

/**
 * docs/events.md#management-api-routes-and-their-events: the changes Logto does not announce stay silent here too. Each request below
 * succeeds and commits no event, even with a hook subscribed to every data event.
 */
describeEachDialect(
  'routes that emit nothing (docs/events.md#management-api-routes-and-their-events)',
  (dialect) => {
    let env: TestEnv;
    let h: Harness;
    let n = 0;
    beforeAll(async () => {
      env = await createTestEnv(dialect);
      h = createHarness(env);
    });
    afterAll(async () => env.close());

    const expectSilent = async (method: string, path: string, body?: unknown) => {
      const { response, events } = await h.capture(() => h.api(method, path, body));
      expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
      expect(
        events.map((e) => e.type),
        `${method} ${path} emitted`,
      ).toEqual([]);
      return response;
    };
    /** Succeeds, commits no Logto event, and only these idhooks additions (issue 17). */
    const expectOnlyAdditions = async (method: string, path: string, body: unknown, additions: string[]) => {
      const { response, events } = await h.capture(() => h.api(method, path, body));
      expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
      expect(events.filter((e) => !isIdhooksAddition(e.type)).map((e) => e.type)).toEqual([]);
      expect(events.map((e) => e.type)).toEqual(additions);
    };
    const user = async (email?: string) =>
      (await h.create<Entity>('/api/users', { username: `silent_${++n}`, primaryEmail: email }, 200)).id;
    const role = async (type = 'User') =>
      (await h.create<Entity>('/api/roles', { name: `silent-role-${++n}`, description: 'x', type }, 200)).id;
    const organization = async () =>
      (await h.create<Entity>('/api/organizations', { name: `Silent ${++n}` })).id;
    const resourceScope = async () => {
      const resource = await h.create<Entity>('/api/resources', {
        name: 'R',
        indicator: `https://silent${++n}.example.com`,
      });
      return (await h.create<Entity>(`/api/resources/${resource.id}/scopes`, { name: 'read' })).id;
    };

    it('applications: create, update, delete', async () => {
      const created = await expectSilent('POST', '/api/applications', {
        name: 'App',
        type: 'MachineToMachine',
      });
      const { id } = (await created.json()) as Entity;
      await expectSilent('PATCH', `/api/applications/${id}`, { name: 'App 2' });
      await expectSilent('DELETE', `/api/applications/${id}`);
    });

    it('API resources: create, update, delete (its scopes go without Scope.Deleted)', async () => {
      const created = await expectSilent('POST', '/api/resources', {
        name: 'R',
        indicator: 'https://quiet.example.com',
      });
      const { id } = (await created.json()) as Entity;
      await h.create(`/api/resources/${id}/scopes`, { name: 'read' });
      await expectSilent('PATCH', `/api/resources/${id}`, { accessTokenTtl: 60 });
      await expectSilent('DELETE', `/api/resources/${id}`);
    });

    it("user role assignment, from both sides: no Logto event, only idhooks' User.Roles.Updated", async () => {
      const [userId, roleA, roleB] = [await user(), await role(), await role()];
      const only = ['User.Roles.Updated'];
      await expectOnlyAdditions('POST', `/api/users/${userId}/roles`, { roleIds: [roleA] }, only);
      await expectOnlyAdditions('PUT', `/api/users/${userId}/roles`, { roleIds: [roleA, roleB] }, only);
      await expectOnlyAdditions('DELETE', `/api/users/${userId}/roles/${roleA}`, undefined, only);
      const other = await user();
      await expectOnlyAdditions('POST', `/api/roles/${roleA}/users`, { userIds: [other] }, only);
      await expectOnlyAdditions('DELETE', `/api/roles/${roleA}/users/${other}`, undefined, only);
    });

    it("organization members' roles: no Logto event, only idhooks' Organization.MemberRoles.Updated", async () => {
      const [orgId, userId] = [await organization(), await user()];
      const roleId = (await h.create<Entity>('/api/organization-roles', { name: `silent-org-role-${++n}` }))
        .id;
      await h.create(`/api/organizations/${orgId}/users`, { userIds: [userId] });
      const only = ['Organization.MemberRoles.Updated'];
      const member = `/api/organizations/${orgId}/users/${userId}/roles`;
      const body = { userIds: [userId], organizationRoleIds: [roleId] };
      await expectOnlyAdditions('POST', `/api/organizations/${orgId}/users/roles`, body, only);
      await expectOnlyAdditions('PUT', member, { organizationRoleIds: [] }, only);
      await expectOnlyAdditions('POST', member, { organizationRoleIds: [roleId] }, only);
      await expectOnlyAdditions('DELETE', `${member}/${roleId}`, undefined, only);
    });

    it("organization roles' API resource scopes", async () => {
      const roleId = (await h.create<Entity>('/api/organization-roles', { name: `silent-org-role-${++n}` }))
        .id;
      const [scopeA, scopeB] = [await resourceScope(), await resourceScope()];
      await expectSilent('POST', `/api/organization-roles/${roleId}/resource-scopes`, { scopeIds: [scopeA] });
      await expectSilent('PUT', `/api/organization-roles/${roleId}/resource-scopes`, {
        scopeIds: [scopeA, scopeB],
      });
      await expectSilent('DELETE', `/api/organization-roles/${roleId}/resource-scopes/${scopeA}`);
    });

    it('invitations: create, revoke, delete', async () => {
      const orgId = await organization();
      const body = { invitee: 'quiet@example.com', organizationId: orgId, expiresAt: Date.now() + 60_000 };
      const created = await expectSilent('POST', '/api/organization-invitations', body);
      const { id } = (await created.json()) as Entity;
      await expectSilent('PUT', `/api/organization-invitations/${id}/status`, { status: 'Revoked' });
      await expectSilent('DELETE', `/api/organization-invitations/${id}`);
    });

    it('reads of every resource', async () => {
      const orgId = await organization();
      for (const path of [
        '/api/applications',
        '/api/resources?includeScopes=true',
        '/api/roles',
        '/api/organizations?showFeatured=true',
        `/api/organizations/${orgId}/users`,
        `/api/organizations/${orgId}/applications`,
        '/api/organization-roles',
        '/api/organization-scopes',
        '/api/organization-invitations',
      ]) {
        await expectSilent('GET', path);
      }
    });
  },
);
