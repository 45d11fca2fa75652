import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { expectRejected, expectStatus, expectUnchanged, json } from '../helpers/api.js';

interface Entity {
  id: string;
  name: string;
}
interface RoleWithScopes extends Entity {
  scopes: { id: string; name: string }[];
  resourceScopes: { id: string; name: string; resource: { id: string; name: string } }[];
}

const TABLES = [
  'organizationRoles',
  'organizationScopes',
  'organizationRoleScopeRelations',
  'organizationRoleResourceScopeRelations',
] as const;

describeEachDialect('Organization roles and organization scopes', (dialect) => {
  let env: TestEnv;
  let n = 0;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  const post = async <T>(path: string, body: unknown, status = 201) =>
    expectStatus<T>(await env.api('POST', path, body), status);
  const createScope = () => post<Entity>('/api/organization-scopes', { name: `org:${++n}` });
  const createRole = (extra: Record<string, unknown> = {}) =>
    post<Entity>('/api/organization-roles', { name: `org-role-${++n}`, ...extra });
  const createResourceScope = async () => {
    const resource = await post<Entity>('/api/resources', {
      name: `Res ${++n}`,
      indicator: `https://org-roles${n}.example.com`,
    });
    return post<Entity>(`/api/resources/${resource.id}/scopes`, { name: 'read' });
  };

  describe('happy path', () => {
    it('creates, reads, updates and deletes organization scopes in Logto shape', async () => {
      const scope = await post('/api/organization-scopes', { name: 'read:billing', description: 'Billing' });
      expect(Object.keys(scope as object)).toEqual(['tenantId', 'id', 'name', 'description']);
      const { id } = scope as Entity;
      expect(await json(await env.api('GET', `/api/organization-scopes/${id}`))).toEqual(scope);
      const listed = await json<Entity[]>(await env.api('GET', '/api/organization-scopes?q=billing'));
      expect(listed.map((s) => s.id)).toEqual([id]);
      const updated = await expectStatus(
        await env.api('PATCH', `/api/organization-scopes/${id}`, { description: null }),
        200,
      );
      expect(updated).toMatchObject({ id, description: null });
      expect((await env.api('DELETE', `/api/organization-scopes/${id}`)).status).toBe(204);
    });

    it('creates a role with both kinds of scopes and lists it with them', async () => {
      const [scope, resourceScope] = [await createScope(), await createResourceScope()];
      const role = await createRole({
        organizationScopeIds: [scope.id],
        resourceScopeIds: [resourceScope.id],
      });
      expect(Object.keys(role)).toEqual(['tenantId', 'id', 'name', 'description', 'type']);
      expect(role).toMatchObject({ description: null, type: 'User' });
      const listed = (await json<RoleWithScopes[]>(await env.api('GET', '/api/organization-roles'))).find(
        (r) => r.id === role.id,
      );
      expect(listed?.scopes).toEqual([{ id: scope.id, name: scope.name }]);
      expect(listed?.resourceScopes).toEqual([
        {
          id: resourceScope.id,
          name: 'read',
          resource: { id: expect.any(String), name: expect.stringMatching(/^Res \d+$/) },
        },
      ]);
      const scopes = await json<Entity[]>(await env.api('GET', `/api/organization-roles/${role.id}/scopes`));
      expect(scopes.map((s) => s.id)).toEqual([scope.id]);
      const resourceScopes = await json<Entity[]>(
        await env.api('GET', `/api/organization-roles/${role.id}/resource-scopes`),
      );
      expect(resourceScopes.map((s) => s.id)).toEqual([resourceScope.id]);
    });

    it('adds (ignoring repeats), replaces and removes a role’s scopes', async () => {
      const [a, b] = [await createScope(), await createScope()];
      const role = await createRole({ organizationScopeIds: [a.id] });
      const scopesOf = async () =>
        (await json<Entity[]>(await env.api('GET', `/api/organization-roles/${role.id}/scopes`))).map(
          (s) => s.id,
        );
      expect(
        (
          await env.api('POST', `/api/organization-roles/${role.id}/scopes`, {
            organizationScopeIds: [a.id, b.id],
          })
        ).status,
      ).toBe(201);
      expect((await scopesOf()).sort()).toEqual([a.id, b.id].sort());
      expect(
        (await env.api('PUT', `/api/organization-roles/${role.id}/scopes`, { organizationScopeIds: [b.id] }))
          .status,
      ).toBe(204);
      expect(await scopesOf()).toEqual([b.id]);
      expect((await env.api('DELETE', `/api/organization-roles/${role.id}/scopes/${b.id}`)).status).toBe(204);
      expect(await scopesOf()).toEqual([]);
    });

    it('updates and deletes a role', async () => {
      const role = await createRole();
      const updated = await expectStatus(
        await env.api('PATCH', `/api/organization-roles/${role.id}`, { type: 'MachineToMachine' }),
        200,
      );
      expect(updated).toMatchObject({ id: role.id, type: 'MachineToMachine' });
      expect((await env.api('DELETE', `/api/organization-roles/${role.id}`)).status).toBe(204);
      expect((await env.api('GET', `/api/organization-roles/${role.id}`)).status).toBe(404);
    });
  });

  describe('bad input changes nothing', () => {
    it('answers 404 for unknown roles, scopes and links', async () => {
      const [role, scope, resourceScope] = [
        await createRole(),
        await createScope(),
        await createResourceScope(),
      ];
      await expectUnchanged(env, TABLES, async () => {
        for (const [method, path, body] of [
          ['GET', '/api/organization-roles/nope', undefined],
          ['PATCH', '/api/organization-roles/nope', { name: 'x' }],
          ['DELETE', '/api/organization-roles/nope', undefined],
          ['GET', '/api/organization-roles/nope/scopes', undefined],
          ['PUT', '/api/organization-roles/nope/scopes', { organizationScopeIds: [] }],
          ['POST', '/api/organization-roles/nope/scopes', { organizationScopeIds: [scope.id] }],
          ['DELETE', `/api/organization-roles/nope/scopes/${scope.id}`, undefined],
          ['GET', '/api/organization-roles/nope/resource-scopes', undefined],
          ['POST', '/api/organization-roles/nope/resource-scopes', { scopeIds: [resourceScope.id] }],
          ['DELETE', `/api/organization-roles/nope/resource-scopes/${resourceScope.id}`, undefined],
          ['GET', '/api/organization-scopes/nope', undefined],
          ['PATCH', '/api/organization-scopes/nope', { name: 'x' }],
          ['DELETE', '/api/organization-scopes/nope', undefined],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 404, 'entity.not_exists_with_id');
        }
        await expectRejected(
          await env.api('DELETE', `/api/organization-roles/${role.id}/scopes/${scope.id}`),
          404,
          'entity.not_found',
        );
        await expectRejected(
          await env.api('DELETE', `/api/organization-roles/${role.id}/resource-scopes/${resourceScope.id}`),
          404,
          'entity.not_found',
        );
      });
    });

    it('rejects duplicate names and unknown scope ids with 422', async () => {
      const [role, other, scope] = [await createRole(), await createRole(), await createScope()];
      const otherScope = await createScope();
      await expectUnchanged(env, TABLES, async () => {
        for (const [method, path, body, code] of [
          ['POST', '/api/organization-roles', { name: role.name }, 'entity.unique_integrity_violation'],
          [
            'PATCH',
            `/api/organization-roles/${other.id}`,
            { name: role.name },
            'entity.unique_integrity_violation',
          ],
          ['POST', '/api/organization-scopes', { name: scope.name }, 'entity.unique_integrity_violation'],
          [
            'PATCH',
            `/api/organization-scopes/${otherScope.id}`,
            { name: scope.name },
            'entity.unique_integrity_violation',
          ],
          [
            'POST',
            '/api/organization-roles',
            { name: 'x1', organizationScopeIds: ['nope'] },
            'organization.roles.invalid_scope_ids',
          ],
          [
            'POST',
            '/api/organization-roles',
            { name: 'x2', resourceScopeIds: ['nope'] },
            'organization.roles.invalid_resource_scope_ids',
          ],
          [
            'PUT',
            `/api/organization-roles/${role.id}/scopes`,
            { organizationScopeIds: ['nope'] },
            'entity.relation_foreign_key_not_found',
          ],
          [
            'POST',
            `/api/organization-roles/${role.id}/scopes`,
            { organizationScopeIds: [scope.id, 'nope'] },
            'entity.relation_foreign_key_not_found',
          ],
          [
            'PUT',
            `/api/organization-roles/${role.id}/resource-scopes`,
            { scopeIds: ['nope'] },
            'entity.relation_foreign_key_not_found',
          ],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 422, code);
        }
      });
    });

    it('rejects malformed bodies', async () => {
      const role = await createRole();
      await expectUnchanged(env, TABLES, async () => {
        for (const [method, path, body] of [
          ['POST', '/api/organization-roles', {}],
          ['POST', '/api/organization-roles', { name: 'x', type: 'Admin' }],
          ['POST', '/api/organization-roles', { name: 'x', organizationScopeIds: 'a' }],
          ['PATCH', `/api/organization-roles/${role.id}`, { scopes: [] }],
          ['POST', `/api/organization-roles/${role.id}/scopes`, { organizationScopeIds: [] }],
          ['PUT', `/api/organization-roles/${role.id}/resource-scopes`, {}],
          ['POST', '/api/organization-scopes', { name: '' }],
          ['POST', '/api/organization-scopes', { name: 'x', description: 1 }],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 400, 'guard.invalid_input');
        }
      });
    });
  });
});
