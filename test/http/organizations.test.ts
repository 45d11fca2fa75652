import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { expectRejected, expectStatus, expectUnchanged, json } from '../helpers/api.js';

interface Organization {
  id: string;
  name: string;
  usersCount?: number;
  featuredUsers?: { id: string }[];
}
interface Entity {
  id: string;
  name: string;
}

const ORGANIZATION_KEYS = [
  'tenantId',
  'id',
  'name',
  'description',
  'customData',
  'isMfaRequired',
  'color',
  'branding',
  'customCss',
  'createdAt',
];
const RELATIONS = [
  'organizations',
  'organizationUserRelations',
  'organizationRoleUserRelations',
  'organizationApplicationRelations',
] as const;

describeEachDialect('Organizations API', (dialect) => {
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
  const createApp = async (type = 'MachineToMachine') =>
    (await post<Entity>('/api/applications', { name: `App ${++n}`, type }, 200)).id;

  describe('happy path', () => {
    it('creates, reads, updates and deletes an organization in Logto shape', async () => {
      const org = await createOrganization({ description: 'Makers', color: { primaryColor: '#5d34f2' } });
      expect(Object.keys(org)).toEqual(ORGANIZATION_KEYS);
      expect(org).toMatchObject({ customData: {}, isMfaRequired: false, branding: {}, customCss: null });
      expect(await json(await env.api('GET', `/api/organizations/${org.id}`))).toEqual(org);
      const updated = await expectStatus(
        await env.api('PATCH', `/api/organizations/${org.id}`, { customCss: 'a{}' }),
        200,
      );
      expect(updated).toEqual({ ...org, customCss: 'a{}' });
      expect((await env.api('DELETE', `/api/organizations/${org.id}`)).status).toBe(204);
      expect((await env.api('GET', `/api/organizations/${org.id}`)).status).toBe(404);
    });

    it('lists organizations by search, with featured members, paged on request', async () => {
      const org = await createOrganization({ name: 'Needle Corp' });
      const userId = await createUser();
      await post(`/api/organizations/${org.id}/users`, { userIds: [userId] });
      const found = await json<Organization[]>(
        await env.api('GET', '/api/organizations?q=needle&showFeatured=true'),
      );
      expect(found.map((o) => o.id)).toEqual([org.id]);
      expect(found[0]).toMatchObject({ usersCount: 1, featuredUsers: [{ id: userId }] });
      const all = await env.api('GET', '/api/organizations');
      expect(all.headers.get('Total-Number')).toBeNull();
      const paged = await env.api('GET', '/api/organizations?page=1&page_size=1');
      expect(Number(paged.headers.get('Total-Number'))).toBe((await json<unknown[]>(all)).length);
    });
  });

  describe('bad input changes nothing', () => {
    it('answers 404 for unknown organizations and for removing what is not there', async () => {
      const org = await createOrganization();
      const userId = await createUser();
      const appId = await createApp();
      await expectUnchanged(env, RELATIONS, async () => {
        for (const [method, path, body] of [
          ['GET', '/api/organizations/nope', undefined],
          ['PATCH', '/api/organizations/nope', { name: 'x' }],
          ['DELETE', '/api/organizations/nope', undefined],
          ['GET', '/api/organizations/nope/users', undefined],
          ['POST', '/api/organizations/nope/users', { userIds: [userId] }],
          ['PUT', '/api/organizations/nope/users', { userIds: [userId] }],
          ['DELETE', `/api/organizations/nope/users/${userId}`, undefined],
          ['POST', '/api/organizations/nope/users/roles', { userIds: [userId], organizationRoleIds: ['r'] }],
          ['GET', `/api/organizations/nope/users/${userId}/roles`, undefined],
          ['GET', '/api/organizations/nope/applications', undefined],
          ['POST', '/api/organizations/nope/applications', { applicationIds: [appId] }],
          ['PUT', '/api/organizations/nope/applications', { applicationIds: [appId] }],
          ['DELETE', `/api/organizations/nope/applications/${appId}`, undefined],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 404, 'entity.not_exists_with_id');
        }
        await expectRejected(
          await env.api('DELETE', `/api/organizations/${org.id}/users/${userId}`),
          404,
          'entity.not_found',
        );
        await expectRejected(
          await env.api('DELETE', `/api/organizations/${org.id}/applications/${appId}`),
          404,
          'entity.not_found',
        );
      });
    });

    it('rejects malformed bodies', async () => {
      const org = await createOrganization();
      const member = await createUser();
      await post(`/api/organizations/${org.id}/users`, { userIds: [member] });
      const base = `/api/organizations/${org.id}`;
      await expectUnchanged(env, RELATIONS, async () => {
        for (const [method, path, body] of [
          ['POST', '/api/organizations', {}],
          ['POST', '/api/organizations', { name: '' }],
          ['POST', '/api/organizations', { name: 'x', color: { primaryColor: 'red' } }],
          ['POST', '/api/organizations', { name: 'x', branding: { logoUrl: 'not a url' } }],
          ['PATCH', base, { id: 'other' }],
          ['POST', `${base}/users`, { userIds: [] }],
          ['PUT', `${base}/users`, {}],
          ['POST', `${base}/applications`, { applicationIds: 'x' }],
          ['POST', `${base}/users/${member}/roles`, {}],
          ['POST', `${base}/users/roles`, { userIds: [member] }],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 400, 'guard.invalid_input');
        }
        await expectRejected(await env.api('GET', `${base}/users?page=0`), 400, 'guard.invalid_pagination');
      });
    });
  });
});
