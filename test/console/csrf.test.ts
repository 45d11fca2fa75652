import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertHook } from '../helpers/builders.js';
import { insertHistory } from '../helpers/history.js';
import { snapshotCounts } from '../helpers/api.js';
import { CONSOLE_ORIGIN, signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Every state-changing console form refuses a forged post: no token, a wrong one, another session's,
 * or a cross-site origin, each with a 403 page and nothing changed (issue 7, item 1).
 */
describeEachDialect('console: cross-site request forgery', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;
  let other: ConsoleClient;
  let hookId: string;
  let signingKey: string;
  let deliveryId: string;
  const ids = { user: '', application: '', role: '', resource: '', organization: '', scope: '' };

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    const hook = await insertHook(env.container.database.db, {
      url: 'http://127.0.0.1:9/hook',
      name: 'Original',
    });
    hookId = hook.id;
    signingKey = hook.signingKey;
    ({ deliveryId } = await insertHistory(env.container.database.db, hookId, {
      attempts: [{ startedAt: Date.now() - 60_000, isSuccess: false, status: 500 }],
    }));
    const created = async (path: string, body: unknown) =>
      ((await (await env.api('POST', path, body)).json()) as { id: string }).id;
    ids.user = await created('/api/users', { username: 'someone' });
    ids.application = await created('/api/applications', { name: 'App', type: 'MachineToMachine' });
    ids.role = await created('/api/roles', { name: 'role', description: 'A role' });
    ids.resource = await created('/api/resources', { name: 'API', indicator: 'https://api.example' });
    ids.scope = await created(`/api/resources/${ids.resource}/scopes`, { name: 'read:x' });
    ids.organization = await created('/api/organizations', { name: 'Org' });
    client = await signInToConsole(env);
    other = await signInToConsole(env);
  });
  afterAll(() => env.close());

  const actions = (): Array<{ path: string; fields: Record<string, string> }> => [
    {
      path: '/console/webhooks',
      fields: { name: 'New', url: 'http://127.0.0.1:9/x', events: 'User.Created' },
    },
    {
      path: `/console/webhooks/${hookId}/settings`,
      fields: { name: 'Renamed', url: 'http://127.0.0.1:9/y', events: 'User.Deleted' },
    },
    {
      path: `/console/webhooks/${hookId}/test`,
      fields: { name: 'x', url: 'http://127.0.0.1:9/x', events: 'User.Created' },
    },
    { path: `/console/webhooks/${hookId}/disable`, fields: {} },
    { path: `/console/webhooks/${hookId}/reactivate`, fields: {} },
    { path: `/console/webhooks/${hookId}/signing-key/regenerate`, fields: {} },
    { path: `/console/webhooks/${hookId}/recent-requests/${deliveryId}/resend`, fields: {} },
    {
      path: `/console/webhooks/${hookId}/recover`,
      fields: { since: '2020-01-01T00:00', until: '2099-01-01T00:00' },
    },
    { path: `/console/webhooks/${hookId}/delete`, fields: {} },
    // The rest of the service (issue 18 item 3), each with fields that would succeed.
    { path: `/console/users/${ids.user}/suspend`, fields: {} },
    { path: `/console/users/${ids.user}/reactivate`, fields: {} },
    { path: `/console/users/${ids.user}/roles`, fields: { roleId: ids.role } },
    { path: `/console/users/${ids.user}/delete`, fields: {} },
    { path: '/console/applications', fields: { name: 'New', type: 'SPA' } },
    { path: `/console/applications/${ids.application}/secret/rotate`, fields: {} },
    { path: `/console/applications/${ids.application}/delete`, fields: {} },
    { path: '/console/roles', fields: { name: 'new', description: 'New', type: 'User' } },
    { path: `/console/roles/${ids.role}/scopes`, fields: { scopeId: ids.scope } },
    { path: `/console/roles/${ids.role}/users`, fields: { userId: ids.user } },
    { path: '/console/api-resources', fields: { name: 'New', indicator: 'https://new.example' } },
    { path: `/console/api-resources/${ids.resource}/scopes`, fields: { scopeName: 'write:x' } },
    { path: '/console/organizations', fields: { name: 'New' } },
    { path: `/console/organizations/${ids.organization}/members`, fields: { userId: ids.user } },
    { path: '/console/sign-out', fields: {} },
  ];

  const state = async () => ({
    counts: await snapshotCounts(env, [
      'hooks',
      'deliveries',
      'deliveryAttempts',
      'consoleSessions',
      'users',
      'usersRoles',
      'applications',
      'roles',
      'rolesScopes',
      'resources',
      'scopes',
      'organizations',
      'organizationUserRelations',
      'events',
    ]),
    user: await env.container.services.users.getUser(ids.user),
    secretHash: (
      await env.container.database.db
        .selectFrom('applications')
        .select('secretHash')
        .where('id', '=', ids.application)
        .executeTakeFirstOrThrow()
    ).secretHash,
    hook: await env.container.services.hooks.getHook(hookId, { includeExecutionStats: false }),
    delivery: await env.container.services.hookLogs.getDelivery(hookId, deliveryId),
  });

  it('refuses every form without the token, with a wrong one, or with another session’s', async () => {
    const before = await state();
    for (const { path, fields } of actions()) {
      for (const csrf of [null, '', 'x'.repeat(43), other.csrf]) {
        const response = await client.post(path, fields, { csrf });
        const html = await response.text();
        expect(response.status, `${path} with ${csrf}`).toBe(403);
        expect(testIdText(html, 'error')).toContain('This form was not accepted');
      }
    }
    expect(await state()).toEqual(before);
    expect(before.hook.signingKey).toBe(signingKey);
  });

  it('refuses a valid token sent from another origin or marked cross-site by the browser', async () => {
    const before = await state();
    for (const { path, fields } of actions()) {
      for (const options of [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { origin: 'http://localhost:9999' },
        { origin: null, secFetchSite: 'cross-site' },
        { origin: CONSOLE_ORIGIN, secFetchSite: 'same-site' },
      ]) {
        const response = await client.post(path, fields, options);
        expect(response.status, `${path} ${JSON.stringify(options)}`).toBe(403);
      }
    }
    expect(await state()).toEqual(before);
  });

  it('refuses a JSON body, which carries no form token', async () => {
    const before = await state();
    const response = await env.app.request(`/console/webhooks/${hookId}/disable`, {
      method: 'POST',
      headers: { cookie: client.cookie, origin: CONSOLE_ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ _csrf: client.csrf }),
    });
    expect(response.status).toBe(403);
    expect(await state()).toEqual(before);
  });

  it('accepts the same post with the session’s token from this origin, or from the configured endpoint', async () => {
    const disabled = await client.post(`/console/webhooks/${hookId}/disable`);
    expect(disabled.status).toBe(303);
    expect((await state()).hook.enabled).toBe(false);
    // IDHOOKS_ENDPOINT's origin (http://localhost:3001 in tests) is this console too, behind a proxy.
    const reactivated = await client.post(
      `/console/webhooks/${hookId}/reactivate`,
      {},
      { origin: 'http://localhost:3001' },
    );
    expect(reactivated.status).toBe(303);
    // Without Origin (an older browser), the token alone decides.
    const again = await client.post(
      `/console/webhooks/${hookId}/disable`,
      {},
      { origin: null, secFetchSite: 'same-origin' },
    );
    expect(again.status).toBe(303);
  });
});
