import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { expectRejected, expectStatus, expectUnchanged, json } from '../helpers/api.js';

interface Resource {
  id: string;
  name: string;
  indicator: string;
  accessTokenTtl: number;
  scopes?: Scope[];
}
interface Scope {
  id: string;
  resourceId: string;
  name: string;
  description: string | null;
}

const RESOURCE_KEYS = ['tenantId', 'id', 'name', 'indicator', 'isDefault', 'accessTokenTtl'];
const SCOPE_KEYS = ['tenantId', 'id', 'resourceId', 'name', 'description', 'createdAt'];

describeEachDialect('API resources and scopes', (dialect) => {
  let env: TestEnv;
  let n = 0;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  const createResource = async (extra: Record<string, unknown> = {}) =>
    expectStatus<Resource>(
      await env.api('POST', '/api/resources', {
        name: `API ${++n}`,
        indicator: `https://r${n}.example.com`,
        ...extra,
      }),
      201,
    );
  const createScope = async (resourceId: string, name: string) =>
    expectStatus<Scope>(await env.api('POST', `/api/resources/${resourceId}/scopes`, { name }), 201);

  describe('happy path', () => {
    it('creates, reads, updates and deletes a resource in Logto shape', async () => {
      const resource = await createResource({ accessTokenTtl: 600 });
      expect(Object.keys(resource)).toEqual(RESOURCE_KEYS);
      expect(resource).toMatchObject({ isDefault: false, accessTokenTtl: 600 });
      expect(await json(await env.api('GET', `/api/resources/${resource.id}`))).toEqual(resource);
      const updated = await expectStatus<Resource>(
        await env.api('PATCH', `/api/resources/${resource.id}`, { name: 'Renamed' }),
        200,
      );
      expect(updated).toEqual({ ...resource, name: 'Renamed' });
      expect((await env.api('DELETE', `/api/resources/${resource.id}`)).status).toBe(204);
      expect((await env.api('GET', `/api/resources/${resource.id}`)).status).toBe(404);
    });

    it('defaults the token lifetime to an hour, and lists with or without scopes and pages', async () => {
      const resource = await createResource();
      expect(resource.accessTokenTtl).toBe(3600);
      await createScope(resource.id, 'read:a');
      const all = await json<Resource[]>(await env.api('GET', '/api/resources'));
      expect(all.every((r) => r.scopes === undefined)).toBe(true);
      const withScopes = await json<Resource[]>(await env.api('GET', '/api/resources?includeScopes=true'));
      expect(withScopes.find((r) => r.id === resource.id)?.scopes?.map((s) => s.name)).toEqual(['read:a']);
      const page = await env.api('GET', '/api/resources?page=1&page_size=1');
      expect(Number(page.headers.get('Total-Number'))).toBe(all.length);
      expect(await json<Resource[]>(page)).toHaveLength(1);
    });

    it('creates, lists, renames and deletes scopes', async () => {
      const resource = await createResource();
      const scope = await createScope(resource.id, 'read:docs');
      expect(Object.keys(scope)).toEqual(SCOPE_KEYS);
      expect(scope).toMatchObject({ resourceId: resource.id, name: 'read:docs', description: null });
      await createScope(resource.id, 'write:docs');
      const listed = await json<Scope[]>(await env.api('GET', `/api/resources/${resource.id}/scopes`));
      expect(listed.map((s) => s.name).sort()).toEqual(['read:docs', 'write:docs']);
      const renamed = await expectStatus<Scope>(
        await env.api('PATCH', `/api/resources/${resource.id}/scopes/${scope.id}`, { name: 'read:all' }),
        200,
      );
      expect(renamed.name).toBe('read:all');
      expect((await env.api('DELETE', `/api/resources/${resource.id}/scopes/${scope.id}`)).status).toBe(204);
    });
  });

  describe('bad input changes nothing', () => {
    it('answers 404 for unknown resources and scopes on every route', async () => {
      const resource = await createResource();
      const scope = await createScope(resource.id, 'read');
      const other = await createResource();
      await expectUnchanged(env, ['resources', 'scopes'], async () => {
        for (const [method, path, body] of [
          ['GET', '/api/resources/nope', undefined],
          ['PATCH', '/api/resources/nope', { name: 'x' }],
          ['DELETE', '/api/resources/nope', undefined],
          ['GET', '/api/resources/nope/scopes', undefined],
          ['POST', '/api/resources/nope/scopes', { name: 'x' }],
          ['PATCH', `/api/resources/nope/scopes/${scope.id}`, { name: 'x' }],
          ['DELETE', `/api/resources/nope/scopes/${scope.id}`, undefined],
          ['PATCH', `/api/resources/${resource.id}/scopes/nope`, { name: 'x' }],
          ['DELETE', `/api/resources/${resource.id}/scopes/nope`, undefined],
          // A scope is only reachable through its own resource.
          ['PATCH', `/api/resources/${other.id}/scopes/${scope.id}`, { name: 'x' }],
          ['DELETE', `/api/resources/${other.id}/scopes/${scope.id}`, undefined],
        ] as const) {
          await expectRejected(await env.api(method, path, body), 404, 'entity.not_exists_with_id');
        }
      });
    });

    it('rejects duplicates with Logto codes', async () => {
      const resource = await createResource();
      await createScope(resource.id, 'read');
      const write = await createScope(resource.id, 'write');
      await expectUnchanged(env, ['resources', 'scopes'], async () => {
        await expectRejected(
          await env.api('POST', '/api/resources', { name: 'Dup', indicator: resource.indicator }),
          422,
          'resource.resource_identifier_in_use',
        );
        await expectRejected(
          await env.api('POST', `/api/resources/${resource.id}/scopes`, { name: 'read' }),
          422,
          'scope.name_exists',
        );
        await expectRejected(
          await env.api('PATCH', `/api/resources/${resource.id}/scopes/${write.id}`, { name: 'read' }),
          422,
          'scope.name_exists',
        );
      });
      // The same scope name under another resource is fine.
      await createScope((await createResource()).id, 'read');
    });

    it('rejects malformed bodies', async () => {
      const resource = await createResource();
      await expectUnchanged(env, ['resources', 'scopes'], async () => {
        for (const body of [
          {},
          { name: 'x' },
          { name: 'x', indicator: 'not a uri' },
          { name: 'x', indicator: 'https://x.example.com#frag' },
          { name: 'x', indicator: 'https://y.example.com', accessTokenTtl: -1 },
          { name: 'x', indicator: 'https://z.example.com', isDefault: true },
        ]) {
          await expectRejected(await env.api('POST', '/api/resources', body), 400, 'guard.invalid_input');
        }
        await expectRejected(
          await env.api('PATCH', `/api/resources/${resource.id}`, { indicator: 'https://new.example.com' }),
          400,
          'guard.invalid_input',
        );
        await expectRejected(
          await env.api('POST', `/api/resources/${resource.id}/scopes`, { name: '' }),
          400,
          'guard.invalid_input',
        );
        await expectRejected(
          await env.api('POST', `/api/resources/${resource.id}/scopes`, { name: 'read docs' }),
          400,
          'scope.name_with_space',
        );
        await expectRejected(
          await env.api('POST', '/api/resources', '{"name":'),
          400,
          'request.invalid_json',
        );
        await expectRejected(
          await env.api('GET', '/api/resources?page_size=0'),
          400,
          'guard.invalid_pagination',
        );
      });
    });
  });
});
