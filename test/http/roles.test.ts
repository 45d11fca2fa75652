import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { expectRejected, expectStatus, expectUnchanged, json } from '../helpers/api.js';

interface Role {
  id: string;
  name: string;
  type: string;
  usersCount?: number;
  featuredUsers?: { id: string }[];
}
interface Entity {
  id: string;
}

const ROLE_KEYS = ['tenantId', 'id', 'name', 'description', 'type', 'isDefault'];
const RELATIONS = ['roles', 'rolesScopes', 'usersRoles'] as const;

describeEachDialect('Roles API and role assignment', (dialect) => {
  let env: TestEnv;
  let n = 0;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  const createRole = async (extra: Record<string, unknown> = {}) =>
    expectStatus<Role>(
      await env.api('POST', '/api/roles', { name: `role-${++n}`, description: 'd', ...extra }),
      200,
    );
  const createUser = async () =>
    (await expectStatus<Entity>(await env.api('POST', '/api/users', { username: `role_user_${++n}` }), 200))
      .id;
  const createScope = async () => {
    const resource = await expectStatus<Entity>(
      await env.api('POST', '/api/resources', { name: 'R', indicator: `https://roles${++n}.example.com` }),
      201,
    );
    return (
      await expectStatus<Entity>(
        await env.api('POST', `/api/resources/${resource.id}/scopes`, { name: 'read' }),
        201,
      )
    ).id;
  };

  describe('happy path', () => {
    it('creates, reads, updates and deletes a role in Logto shape', async () => {
      const role = await createRole({ type: 'MachineToMachine' });
      expect(Object.keys(role)).toEqual(ROLE_KEYS);
      expect(role).toMatchObject({ type: 'MachineToMachine', isDefault: false });
      expect(await json(await env.api('GET', `/api/roles/${role.id}`))).toEqual(role);
      const updated = await expectStatus(
        await env.api('PATCH', `/api/roles/${role.id}`, { isDefault: true }),
        200,
      );
      expect(updated).toEqual({ ...role, isDefault: true });
      expect((await env.api('DELETE', `/api/roles/${role.id}`)).status).toBe(204);
    });

    it('lists roles with member counts, featured users, filters and pagination headers', async () => {
      const role = await createRole();
      const users = [await createUser(), await createUser()];
      await expectStatus(await env.api('POST', `/api/roles/${role.id}/users`, { userIds: users }), 201);
      const page = await env.api('GET', '/api/roles?page=1&page_size=100');
      expect(page.headers.get('Total-Number')).not.toBeNull();
      const listed = (await json<Role[]>(page)).find((r) => r.id === role.id);
      expect(listed?.usersCount).toBe(2);
      expect(listed?.featuredUsers?.map((u) => u.id).sort()).toEqual([...users].sort());
      const excluded = await json<Role[]>(
        await env.api('GET', `/api/roles?excludeUserId=${users[0]}&page_size=100`),
      );
      expect(excluded.some((r) => r.id === role.id)).toBe(false);
      const machine = await createRole({ type: 'MachineToMachine' });
      const m2m = await json<Role[]>(await env.api('GET', '/api/roles?type=MachineToMachine&page_size=100'));
      // Not over an empty list: the role just created must be there, and no User role.
      expect(m2m.map((r) => r.id)).toContain(machine.id);
      expect(m2m.some((r) => r.id === role.id)).toBe(false);
      expect(m2m.every((r) => r.type === 'MachineToMachine')).toBe(true);
    });

    it('lists a role’s scopes with their resource', async () => {
      const scopeId = await createScope();
      const role = await createRole({ scopeIds: [scopeId] });
      const scopes = await json<{ id: string; resource: { indicator: string } }[]>(
        await env.api('GET', `/api/roles/${role.id}/scopes`),
      );
      expect(scopes.map((s) => s.id)).toEqual([scopeId]);
      expect(scopes[0]!.resource.indicator).toMatch(/^https:\/\/roles\d+\.example\.com$/);
    });

    it('assigns, replaces and removes user roles from both sides', async () => {
      const [userId, roleA, roleB] = [await createUser(), (await createRole()).id, (await createRole()).id];
      const added = await expectStatus(
        await env.api('POST', `/api/users/${userId}/roles`, { roleIds: [roleA, roleA] }),
        201,
      );
      expect(added).toEqual({ roleIds: [roleA], addedRoleIds: [roleA] });
      const again = await expectStatus(
        await env.api('POST', `/api/users/${userId}/roles`, { roleIds: [roleA, roleB] }),
        201,
      );
      expect(again).toEqual({ roleIds: [roleA, roleB], addedRoleIds: [roleB] });
      expect(
        await expectStatus(await env.api('PUT', `/api/users/${userId}/roles`, { roleIds: [roleB] }), 200),
      ).toEqual({
        roleIds: [roleB],
      });
      const held = await json<Role[]>(await env.api('GET', `/api/users/${userId}/roles`));
      expect(held.map((r) => r.id)).toEqual([roleB]);
      const holders = await json<Entity[]>(await env.api('GET', `/api/roles/${roleB}/users`));
      expect(holders.map((u) => u.id)).toEqual([userId]);
      expect((await env.api('DELETE', `/api/roles/${roleB}/users/${userId}`)).status).toBe(204);
      expect(await json(await env.api('GET', `/api/users/${userId}/roles`))).toEqual([]);
    });
  });

  describe('bad input changes nothing', () => {
    it('answers 404 for unknown roles, users and scopes on every route', async () => {
      const [role, userId, scopeId] = [await createRole(), await createUser(), await createScope()];
      await expectUnchanged(env, RELATIONS, async () => {
        for (const [method, path, body] of [
          ['GET', '/api/roles/nope', undefined],
          ['PATCH', '/api/roles/nope', { name: 'x' }],
          ['DELETE', '/api/roles/nope', undefined],
          ['GET', '/api/roles/nope/scopes', undefined],
          ['POST', '/api/roles/nope/scopes', { scopeIds: [scopeId] }],
          ['POST', `/api/roles/${role.id}/scopes`, { scopeIds: ['nope'] }],
          ['DELETE', `/api/roles/nope/scopes/${scopeId}`, undefined],
          ['POST', '/api/roles', { name: 'with-bad-scope', description: 'd', scopeIds: ['nope'] }],
          ['GET', '/api/roles/nope/users', undefined],
          ['POST', '/api/roles/nope/users', { userIds: [userId] }],
          ['POST', `/api/roles/${role.id}/users`, { userIds: ['nope'] }],
          ['DELETE', `/api/roles/nope/users/${userId}`, undefined],
          ['GET', '/api/users/nope/roles', undefined],
          ['POST', '/api/users/nope/roles', { roleIds: [role.id] }],
          ['POST', `/api/users/${userId}/roles`, { roleIds: ['nope'] }],
          ['PUT', `/api/users/${userId}/roles`, { roleIds: ['nope'] }],
          ['DELETE', `/api/users/nope/roles/${role.id}`, undefined],
          ['DELETE', `/api/users/${userId}/roles/nope`, undefined],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 404, 'entity.not_exists_with_id');
        }
        // Both exist but are not linked.
        await expectRejected(
          await env.api('DELETE', `/api/roles/${role.id}/scopes/${scopeId}`),
          404,
          'entity.not_found',
        );
        await expectRejected(
          await env.api('DELETE', `/api/users/${userId}/roles/${role.id}`),
          404,
          'entity.not_found',
        );
      });
    });

    it('rejects duplicates and machine-to-machine roles for users with Logto codes', async () => {
      const scopeId = await createScope();
      const role = await createRole({ scopeIds: [scopeId] });
      const m2m = await createRole({ type: 'MachineToMachine' });
      const userId = await createUser();
      await expectStatus(await env.api('POST', `/api/roles/${role.id}/users`, { userIds: [userId] }), 201);
      const other = await createRole();
      await expectUnchanged(env, RELATIONS, async () => {
        await expectRejected(
          await env.api('POST', '/api/roles', { name: role.name, description: 'd' }),
          422,
          'role.name_in_use',
        );
        await expectRejected(
          await env.api('PATCH', `/api/roles/${other.id}`, { name: role.name }),
          422,
          'role.name_in_use',
        );
        await expectRejected(
          await env.api('POST', `/api/roles/${role.id}/scopes`, { scopeIds: [scopeId] }),
          422,
          'role.scope_exists',
        );
        await expectRejected(
          await env.api('POST', `/api/roles/${role.id}/users`, { userIds: [userId] }),
          422,
          'role.user_exists',
        );
        await expectRejected(
          await env.api('POST', `/api/roles/${m2m.id}/users`, { userIds: [userId] }),
          422,
          'user.invalid_role_type',
        );
        await expectRejected(
          await env.api('POST', `/api/users/${userId}/roles`, { roleIds: [m2m.id] }),
          422,
          'user.invalid_role_type',
        );
      });
    });

    it('rejects malformed bodies', async () => {
      const role = await createRole();
      const userId = await createUser();
      await expectUnchanged(env, RELATIONS, async () => {
        for (const [method, path, body] of [
          ['POST', '/api/roles', { name: 'no-description' }],
          ['POST', '/api/roles', { name: '', description: 'd' }],
          ['POST', '/api/roles', { name: 'x', description: 'd', type: 'Admin' }],
          ['POST', '/api/roles', { name: 'x', description: 'd', scopeIds: 'a' }],
          ['PATCH', `/api/roles/${role.id}`, { type: 'MachineToMachine' }],
          ['POST', `/api/roles/${role.id}/scopes`, { scopeIds: [] }],
          ['POST', `/api/roles/${role.id}/users`, { userIds: [] }],
          ['POST', `/api/users/${userId}/roles`, {}],
          ['PUT', `/api/users/${userId}/roles`, { roleIds: [1] }],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 400, 'guard.invalid_input');
        }
        await expectRejected(await env.api('GET', '/api/roles?page=x'), 400, 'guard.invalid_pagination');
      });
    });
  });
});
