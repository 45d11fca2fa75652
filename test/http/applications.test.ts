import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { countRows, expectRejected, json } from '../helpers/api.js';

interface Application {
  id: string;
  name: string;
  secret?: string;
  type: string;
  description: string | null;
  oidcClientMetadata: { redirectUris: string[]; postLogoutRedirectUris: string[] };
  isAdmin?: boolean;
}

const APPLICATION_KEYS = [
  'tenantId',
  'id',
  'name',
  'description',
  'type',
  'oidcClientMetadata',
  'customClientMetadata',
  'protectedAppMetadata',
  'customData',
  'isThirdParty',
  'appLevelAccessControlEnabled',
  'createdAt',
];

describeEachDialect('Applications API', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  const create = async (body: Record<string, unknown>) => {
    const response = await env.api('POST', '/api/applications', body);
    expect(response.status, await response.clone().text()).toBe(200);
    return json<Application>(response);
  };
  /** The code a client-credentials token request ends with (`ok` for a token). */
  const tokenOutcome = async (clientId: string, clientSecret: string) => {
    const response = await env.app.request('/oidc/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        resource: env.container.config.managementApiResource,
        scope: 'all',
      }).toString(),
    });
    return response.ok ? 'ok' : ((await response.json()) as { code: string }).code;
  };

  describe('happy path', () => {
    // The secret authenticates the client at /oidc/token; a Management API token additionally needs
    // Management API access, which only the admin application has (services/auth.ts).
    it('creates a machine-to-machine app whose secret, shown once, authenticates it', async () => {
      const app = await create({ name: 'Backend', type: 'MachineToMachine' });
      expect(Object.keys(app)).toEqual([
        ...APPLICATION_KEYS.slice(0, 3),
        'secret',
        ...APPLICATION_KEYS.slice(3),
      ]);
      expect(app.id).toMatch(/^[0-9a-z]{21}$/);
      expect(app.secret).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(await env.container.services.auth.authenticateClient(app.id, app.secret!)).toMatchObject({
        id: app.id,
      });
      expect(await tokenOutcome(app.id, app.secret!)).toBe('oidc.invalid_scope');
      expect(await tokenOutcome(app.id, 'wrong')).toBe('oidc.invalid_client');

      const got = await json<Application>(await env.api('GET', `/api/applications/${app.id}`));
      expect(Object.keys(got)).toEqual([...APPLICATION_KEYS, 'isAdmin']);
      expect(got.isAdmin).toBe(false);
      const row = await env.container.database.db
        .selectFrom('applications')
        .select('secretHash')
        .where('id', '=', app.id)
        .executeTakeFirstOrThrow();
      expect(row.secretHash).toMatch(/^\$argon2id\$/);
      expect(row.secretHash).not.toContain(app.secret);
    });

    it('creates a SPA without a secret, with its redirect URIs, and updates it', async () => {
      const spa = await create({
        name: 'Web',
        type: 'SPA',
        description: 'Front end',
        oidcClientMetadata: { redirectUris: ['https://app.example.com/cb'], postLogoutRedirectUris: [] },
      });
      expect(spa.secret).toBeUndefined();
      expect(spa.oidcClientMetadata.redirectUris).toEqual(['https://app.example.com/cb']);
      expect(await tokenOutcome(spa.id, 'anything')).toBe('oidc.invalid_client');

      const updated = await json<Application>(
        await env.api('PATCH', `/api/applications/${spa.id}`, {
          name: 'Web app',
          oidcClientMetadata: { postLogoutRedirectUris: ['https://app.example.com/bye'] },
        }),
      );
      expect(updated).toMatchObject({ name: 'Web app', description: 'Front end' });
      expect(updated.oidcClientMetadata).toEqual({
        redirectUris: ['https://app.example.com/cb'],
        postLogoutRedirectUris: ['https://app.example.com/bye'],
      });
      // A custom scheme is for Native applications only (a browser app cannot receive it).
      const refused = await env.api('PATCH', `/api/applications/${spa.id}`, {
        oidcClientMetadata: { redirectUris: ['io.example://cb'] },
      });
      expect(refused.status).toBe(400);
      const unchanged = await json<Application>(await env.api('PATCH', `/api/applications/${spa.id}`, {}));
      expect(unchanged.name).toBe('Web app');
    });

    it('lists everything without paging, or a page with headers, filtered by type', async () => {
      await create({ name: 'Native', type: 'Native' });
      const all = await env.api('GET', '/api/applications');
      expect(all.headers.get('Total-Number')).toBeNull();
      const everything = await json<Application[]>(all);
      expect(everything.length).toBeGreaterThanOrEqual(4);
      expect(everything.every((a) => a.secret === undefined)).toBe(true);

      const paged = await env.api('GET', '/api/applications?page=1&page_size=2');
      expect(Number(paged.headers.get('Total-Number'))).toBe(everything.length);
      expect(await json<Application[]>(paged)).toHaveLength(2);

      const natives = await json<Application[]>(await env.api('GET', '/api/applications?types=Native'));
      expect(natives.map((a) => a.type)).toEqual(['Native']);
      const twoTypes = await json<Application[]>(
        await env.api('GET', '/api/applications?types=Native&types=SPA'),
      );
      expect(new Set(twoTypes.map((a) => a.type))).toEqual(new Set(['Native', 'SPA']));
    });

    it('deletes an application, and emits nothing for any application route', async () => {
      const events = await countRows(env, 'events');
      const app = await create({ name: 'Doomed', type: 'Traditional' });
      expect(app.secret).toBeDefined();
      await env.api('PATCH', `/api/applications/${app.id}`, { name: 'Still doomed' });
      expect((await env.api('DELETE', `/api/applications/${app.id}`)).status).toBe(204);
      expect((await env.api('GET', `/api/applications/${app.id}`)).status).toBe(404);
      expect(await countRows(env, 'events')).toBe(events);
    });
  });

  describe('bad input changes nothing', () => {
    it('refuses to delete the admin application', async () => {
      const before = await countRows(env, 'applications');
      await expectRejected(
        await env.api('DELETE', `/api/applications/${env.admin.clientId}`),
        422,
        'application.cannot_delete_admin_application',
      );
      expect(await countRows(env, 'applications')).toBe(before);
      expect(await tokenOutcome(env.admin.clientId, env.admin.clientSecret)).toBe('ok');
    });

    it('answers 404 for unknown applications', async () => {
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        await expectRejected(
          await env.api(method, '/api/applications/nope', body),
          404,
          'entity.not_exists_with_id',
        );
      }
    });

    it('rejects malformed bodies with field paths', async () => {
      const before = await countRows(env, 'applications');
      for (const body of [
        {},
        { name: 'x' },
        { name: 'x', type: 'Protected' },
        { name: '', type: 'SPA' },
        { name: 'x', type: 'SPA', extra: true },
        {
          name: 'x',
          type: 'SPA',
          oidcClientMetadata: { redirectUris: ['not a uri'], postLogoutRedirectUris: [] },
        },
      ]) {
        await expectRejected(await env.api('POST', '/api/applications', body), 400, 'guard.invalid_input');
      }
      await expectRejected(
        await env.api('POST', '/api/applications', { name: 'x', type: 'SPA', isThirdParty: true }),
        400,
        'application.invalid_third_party_application_type',
      );
      await expectRejected(
        await env.api('PATCH', `/api/applications/${env.admin.clientId}`, { type: 'SPA' }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(await env.api('GET', '/api/applications?page=0'), 400, 'guard.invalid_pagination');
      expect(await countRows(env, 'applications')).toBe(before);
    });
  });
});
