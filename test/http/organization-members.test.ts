import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { expectRejected, expectStatus, expectUnchanged, json } from '../helpers/api.js';

interface Organization {
  id: string;
  name: string;
  usersCount?: number;
  featuredUsers?: { id: string }[];
}
interface Member {
  id: string;
  organizationRoles: { id: string; name: string }[];
}
interface Entity {
  id: string;
  name: string;
}

const RELATIONS = [
  'organizations',
  'organizationUserRelations',
  'organizationRoleUserRelations',
  'organizationApplicationRelations',
] as const;

describeEachDialect('Organization members, their roles, and organization applications', (dialect) => {
  let env: TestEnv;
  let n = 0;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  const post = async <T>(path: string, body: unknown, status = 201) =>
    expectStatus<T>(await env.api('POST', path, body), status);
  const createOrganization = (extra: Record<string, unknown> = {}) =>
    post<Organization>('/api/organizations', { name: `Org ${++n}`, ...extra });
  const createUser = async (extra: Record<string, unknown> = {}) =>
    (await post<Entity>('/api/users', { username: `member_${++n}`, ...extra }, 200)).id;
  const createOrgRole = (extra: Record<string, unknown> = {}) =>
    post<Entity>('/api/organization-roles', { name: `org-role-${++n}`, ...extra });
  const createApp = async (type = 'MachineToMachine') =>
    (await post<Entity>('/api/applications', { name: `App ${++n}`, type }, 200)).id;

  describe('happy path', () => {
    it('lists members with their organization roles, filtered by search or role', async () => {
      const org = await createOrganization();
      const role = await createOrgRole();
      const alice = await createUser({ name: 'Alice Findme' });
      const bob = await createUser();
      await post(`/api/organizations/${org.id}/users`, { userIds: [alice, bob] });
      const assigned = await post<{ organizationRoleIds: string[] }>(
        `/api/organizations/${org.id}/users/${alice}/roles`,
        { organizationRoleNames: [role.name] },
      );
      expect(assigned.organizationRoleIds).toEqual([role.id]);
      const members = await json<Member[]>(await env.api('GET', `/api/organizations/${org.id}/users`));
      // Members added by one request share a timestamp; the order among them is by id.
      expect(new Map(members.map((m) => [m.id, m.organizationRoles]))).toEqual(
        new Map([
          [alice, [{ id: role.id, name: role.name }]],
          [bob, []],
        ]),
      );
      const byName = await json<Member[]>(
        await env.api('GET', `/api/organizations/${org.id}/users?q=findme`),
      );
      expect(byName.map((m) => m.id)).toEqual([alice]);
      const byRole = await json<Member[]>(
        await env.api('GET', `/api/organizations/${org.id}/users?organizationRoleId=${role.id}`),
      );
      expect(byRole.map((m) => m.id)).toEqual([alice]);
      const roles = await json<Entity[]>(
        await env.api('GET', `/api/organizations/${org.id}/users/${alice}/roles`),
      );
      expect(roles.map((r) => r.id)).toEqual([role.id]);
      expect(
        (
          await env.api('PUT', `/api/organizations/${org.id}/users/${alice}/roles`, {
            organizationRoleIds: [],
          })
        ).status,
      ).toBe(204);
      expect(await json(await env.api('GET', `/api/organizations/${org.id}/users/${alice}/roles`))).toEqual(
        [],
      );
    });

    it('lists machine-to-machine applications of an organization', async () => {
      const org = await createOrganization();
      const appId = await createApp();
      await post(`/api/organizations/${org.id}/applications`, { applicationIds: [appId] });
      const apps = await json<{ id: string; organizationRoles: unknown[]; secret?: string }[]>(
        await env.api('GET', `/api/organizations/${org.id}/applications`),
      );
      expect(apps).toMatchObject([{ id: appId, organizationRoles: [] }]);
      expect(apps[0]!.secret).toBeUndefined();
      const outside = await json<Entity[]>(
        await env.api('GET', `/api/applications?excludeOrganizationId=${org.id}`),
      );
      expect(outside.some((a) => a.id === appId)).toBe(false);
    });

    it('caps each side of a membership delta at 5000 ids, silently', async () => {
      const org = await createOrganization();
      const now = Date.now();
      const ids = Array.from(
        { length: 5003 },
        (_, i) => `cap${String(n).padStart(3, '0')}${String(i).padStart(5, '0')}`,
      );
      for (let i = 0; i < ids.length; i += 500) {
        await env.container.database.db
          .insertInto('users')
          .values(
            ids.slice(i, i + 500).map((id) => ({
              id,
              customData: '{}',
              identities: '{}',
              profile: '{}',
              isSuspended: 0 as const,
              createdAt: now,
              updatedAt: now,
            })),
          )
          .execute();
      }
      expect((await env.api('PUT', `/api/organizations/${org.id}/users`, { userIds: ids })).status).toBe(204);
      const row = await env.container.database.db
        .selectFrom('events')
        .select('payload')
        .where('type', '=', 'Organization.Membership.Updated')
        .where('payload', 'like', `%${org.id}%`)
        .executeTakeFirstOrThrow();
      const payload = JSON.parse(row.payload) as { addedUserIds: string[]; removedUserIds?: string[] };
      expect(payload.addedUserIds).toEqual(ids.slice(0, 5000));
      expect(payload).not.toHaveProperty('removedUserIds');
      const members = await env.api('GET', `/api/organizations/${org.id}/users?page=1&page_size=1`);
      expect(members.headers.get('Total-Number')).toBe('5003');
    });
  });

  describe('bad input changes nothing', () => {
    it('rejects unknown ids, non-members, user-incompatible roles and non-M2M apps with 422', async () => {
      const org = await createOrganization();
      const [member, outsider] = [await createUser(), await createUser()];
      await post(`/api/organizations/${org.id}/users`, { userIds: [member] });
      const m2mRole = await createOrgRole({ type: 'MachineToMachine' });
      const spa = await createApp('SPA');
      const base = `/api/organizations/${org.id}`;
      await expectUnchanged(env, RELATIONS, async () => {
        for (const [method, path, body, code] of [
          ['POST', `${base}/users`, { userIds: [member, 'nope'] }, 'entity.relation_foreign_key_not_found'],
          ['PUT', `${base}/users`, { userIds: ['nope'] }, 'entity.relation_foreign_key_not_found'],
          [
            'POST',
            `${base}/applications`,
            { applicationIds: ['nope'] },
            'entity.relation_foreign_key_not_found',
          ],
          ['POST', `${base}/applications`, { applicationIds: [spa] }, 'application.invalid_type'],
          ['PUT', `${base}/applications`, { applicationIds: [spa] }, 'application.invalid_type'],
          ['GET', `${base}/users/${outsider}/roles`, undefined, 'organization.require_membership'],
          [
            'POST',
            `${base}/users/${outsider}/roles`,
            { organizationRoleIds: [m2mRole.id] },
            'organization.require_membership',
          ],
          [
            'PUT',
            `${base}/users/${outsider}/roles`,
            { organizationRoleIds: [] },
            'organization.require_membership',
          ],
          [
            'DELETE',
            `${base}/users/${outsider}/roles/${m2mRole.id}`,
            undefined,
            'organization.require_membership',
          ],
          [
            'POST',
            `${base}/users/roles`,
            { userIds: [outsider], organizationRoleIds: [m2mRole.id] },
            'organization.require_membership',
          ],
          [
            'POST',
            `${base}/users/${member}/roles`,
            { organizationRoleIds: ['nope'] },
            'entity.relation_foreign_key_not_found',
          ],
          [
            'POST',
            `${base}/users/${member}/roles`,
            { organizationRoleNames: ['nope'] },
            'entity.relation_foreign_key_not_found',
          ],
          [
            'POST',
            `${base}/users/${member}/roles`,
            { organizationRoleIds: [m2mRole.id] },
            'user.invalid_role_type',
          ],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 422, code);
        }
        await expectRejected(
          await env.api('DELETE', `${base}/users/${member}/roles/${m2mRole.id}`),
          404,
          'entity.not_found',
        );
      });
    });
  });
});
