import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectRejected, expectStatus } from '../helpers/api.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * The relation lists that share one helper (services/relations.ts, `listOptionallyPaged`): each is
 * whole without `page`/`page_size` (no pagination headers) and paged with them (`Total-Number`),
 * oldest link first; each refuses to unlink what is not linked with 404 `entity.not_found`.
 */
describeEachDialect('organization relations: lists and unlinking', (dialect) => {
  let env: TestEnv;
  let n = 0;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  const create = async (path: string, body: Record<string, unknown>, status = 201) =>
    (await expectStatus<{ id: string }>(await env.api('POST', path, body), status)).id;
  const ids = async (response: Response) =>
    (await expectStatus<{ id: string }[]>(response, 200)).map((item) => item.id);

  /** `path` lists `expected` whole, and paged by one with the total in `Total-Number`. */
  async function expectList(path: string, expected: string[]) {
    const whole = await env.api('GET', path);
    expect(whole.headers.get('Total-Number')).toBeNull();
    expect([...(await ids(whole))].sort()).toEqual([...expected].sort());
    const paged = await env.api('GET', `${path}?page=2&page_size=1`);
    expect(paged.headers.get('Total-Number')).toBe(String(expected.length));
    expect(paged.headers.get('Link')).toContain('rel="first"');
    expect(await ids(paged)).toHaveLength(1);
  }

  it("a member's organization roles", async () => {
    const organizationId = await create('/api/organizations', { name: `Rel ${++n}` });
    const userId = await create('/api/users', { username: `rel_user_${++n}` }, 200);
    const roles = [
      await create('/api/organization-roles', { name: `rel-a-${++n}` }),
      await create('/api/organization-roles', { name: `rel-b-${++n}` }),
    ];
    await create(`/api/organizations/${organizationId}/users`, { userIds: [userId] });
    const path = `/api/organizations/${organizationId}/users/${userId}/roles`;
    await expectStatus(await env.api('POST', path, { organizationRoleIds: roles }), 201);
    await expectList(path, roles);
    await expectStatus(await env.api('DELETE', `${path}/${roles[0]}`), 204);
    await expectRejected(await env.api('DELETE', `${path}/${roles[0]}`), 404, 'entity.not_found');
    expect(await ids(await env.api('GET', path))).toEqual([roles[1]]);
  });

  it("an organization's applications", async () => {
    const organizationId = await create('/api/organizations', { name: `Rel ${++n}` });
    const apps = [
      await create('/api/applications', { name: `M2M ${++n}`, type: 'MachineToMachine' }, 200),
      await create('/api/applications', { name: `M2M ${++n}`, type: 'MachineToMachine' }, 200),
    ];
    const path = `/api/organizations/${organizationId}/applications`;
    await expectStatus(await env.api('POST', path, { applicationIds: apps }), 201);
    await expectList(path, apps);
    await expectStatus(await env.api('DELETE', `${path}/${apps[1]}`), 204);
    await expectRejected(await env.api('DELETE', `${path}/${apps[1]}`), 404, 'entity.not_found');
  });

  it("an organization role's organization and resource scopes", async () => {
    const roleId = await create('/api/organization-roles', { name: `rel-scopes-${++n}` });
    const scopes = [
      await create('/api/organization-scopes', { name: `rel:read${++n}` }),
      await create('/api/organization-scopes', { name: `rel:write${++n}` }),
    ];
    const path = `/api/organization-roles/${roleId}/scopes`;
    await expectStatus(await env.api('PUT', path, { organizationScopeIds: scopes }), 204);
    await expectList(path, scopes);
    const resourceId = await create('/api/resources', {
      name: 'R',
      indicator: `https://rel${++n}.example.com`,
    });
    const resourceScopes = [
      await create(`/api/resources/${resourceId}/scopes`, { name: 'read' }),
      await create(`/api/resources/${resourceId}/scopes`, { name: 'write' }),
    ];
    const resourcePath = `/api/organization-roles/${roleId}/resource-scopes`;
    await expectStatus(await env.api('POST', resourcePath, { scopeIds: resourceScopes }), 201);
    await expectList(resourcePath, resourceScopes);
    await expectStatus(await env.api('DELETE', `${resourcePath}/${resourceScopes[0]}`), 204);
    await expectRejected(
      await env.api('DELETE', `${resourcePath}/${resourceScopes[0]}`),
      404,
      'entity.not_found',
    );
  });

  it("a user's roles", async () => {
    const userId = await create('/api/users', { username: `rel_roles_${++n}` }, 200);
    const roles = [
      await create('/api/roles', { name: `rel-role-a-${++n}`, description: 'd' }, 200),
      await create('/api/roles', { name: `rel-role-b-${++n}`, description: 'd' }, 200),
    ];
    const path = `/api/users/${userId}/roles`;
    await expectStatus(await env.api('POST', path, { roleIds: roles }), 201);
    await expectList(path, roles);
  });
});
