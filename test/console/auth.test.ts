import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { insertHook } from '../helpers/builders.js';
import { insertHistory } from '../helpers/history.js';
import { countRows } from '../helpers/api.js';
import {
  CONSOLE_ORIGIN,
  ConsoleClient,
  cookieFrom,
  openSignIn,
  postSignIn,
  signInToConsole,
  testIdText,
} from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/** Console sign-in, sessions and sign-out (issue 7, item 1). */
describeEachDialect('console: sign-in and sessions', (dialect) => {
  const clock = createManualClock(Date.now());
  let env: TestEnv;
  let hookId: string;
  let deliveryId: string;
  /** One of each entity the console's other pages show (issue 18 item 3). */
  const ids = { user: '', application: '', role: '', resource: '', organization: '' };

  beforeAll(async () => {
    env = await createTestEnv(dialect, { clock });
    hookId = (
      await insertHook(env.container.database.db, { url: 'http://127.0.0.1:9/hook', now: clock.now() })
    ).id;
    ({ deliveryId } = await insertHistory(env.container.database.db, hookId, {
      attempts: [{ startedAt: clock.now(), isSuccess: false, status: 500 }],
    }));
    const created = async (path: string, body: unknown) =>
      ((await (await env.api('POST', path, body)).json()) as { id: string }).id;
    ids.user = await created('/api/users', { username: 'someone' });
    ids.application = await created('/api/applications', { name: 'App', type: 'MachineToMachine' });
    ids.role = await created('/api/roles', { name: 'role', description: 'A role' });
    ids.resource = await created('/api/resources', { name: 'API', indicator: 'https://api.example' });
    ids.organization = await created('/api/organizations', { name: 'Org' });
  });
  afterAll(() => env.close());

  const servicePages = () => [
    '/console/users',
    '/console/users?search=x&page=2',
    `/console/users/${ids.user}`,
    `/console/users/${ids.user}/delete`,
    '/console/applications',
    '/console/applications/create',
    `/console/applications/${ids.application}`,
    `/console/applications/${ids.application}/secret/rotate`,
    `/console/applications/${ids.application}/delete`,
    '/console/roles',
    `/console/roles/${ids.role}`,
    '/console/api-resources',
    `/console/api-resources/${ids.resource}`,
    '/console/organizations',
    `/console/organizations/${ids.organization}`,
    '/console/events',
    `/console/webhooks/${hookId}/delivery-status?ids=${deliveryId}`,
  ];
  const serviceActions = () => [
    `/console/users/${ids.user}/suspend`,
    `/console/users/${ids.user}/reactivate`,
    `/console/users/${ids.user}/roles`,
    `/console/users/${ids.user}/delete`,
    '/console/applications',
    `/console/applications/${ids.application}/secret/rotate`,
    `/console/applications/${ids.application}/delete`,
    '/console/roles',
    `/console/roles/${ids.role}/scopes`,
    `/console/roles/${ids.role}/users`,
    '/console/api-resources',
    `/console/api-resources/${ids.resource}/scopes`,
    '/console/organizations',
    `/console/organizations/${ids.organization}/members`,
  ];

  const pages = () => [
    '/console',
    '/console/webhooks',
    '/console/webhooks?page=2',
    '/console/webhooks/create',
    `/console/webhooks/${hookId}`,
    `/console/webhooks/${hookId}/settings`,
    `/console/webhooks/${hookId}/recent-requests`,
    `/console/webhooks/${hookId}/recent-requests/${deliveryId}`,
    `/console/webhooks/${hookId}/disable`,
    `/console/webhooks/${hookId}/delete`,
    `/console/webhooks/${hookId}/signing-key/regenerate`,
    '/console/no-such-page',
    ...servicePages(),
  ];
  const actions = () => [
    '/console/sign-out',
    '/console/webhooks',
    `/console/webhooks/${hookId}/settings`,
    `/console/webhooks/${hookId}/test`,
    `/console/webhooks/${hookId}/disable`,
    `/console/webhooks/${hookId}/reactivate`,
    `/console/webhooks/${hookId}/delete`,
    `/console/webhooks/${hookId}/signing-key/regenerate`,
    `/console/webhooks/${hookId}/recent-requests/${deliveryId}/resend`,
    `/console/webhooks/${hookId}/recover`,
    ...serviceActions(),
  ];

  it('sends every console page to sign-in without a session, remembering where it was going', async () => {
    for (const path of pages()) {
      const response = await env.app.request(path);
      expect(response.status, path).toBe(303);
      const location = response.headers.get('location') ?? '';
      expect(location.startsWith('/console/sign-in'), path).toBe(true);
      if (path !== '/console') expect(new URL(location, CONSOLE_ORIGIN).searchParams.get('next')).toBe(path);
    }
  });

  it('refuses every action without a session, with a forged or stale cookie too, and changes nothing', async () => {
    const tables = ['hooks', 'users', 'applications', 'roles', 'scopes', 'organizations', 'events'] as const;
    const counts = async () => Promise.all(tables.map((table) => countRows(env, table)));
    const all = await counts();
    const before = await countRows(env, 'hooks');
    for (const cookie of ['', 'idhooks_console=forged-token', 'idhooks_console=']) {
      for (const path of actions()) {
        const response = await env.app.request(path, {
          method: 'POST',
          headers: { cookie, origin: CONSOLE_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'name=x&url=http://127.0.0.1:9/x&events=User.Created',
        });
        expect(response.status, path).toBe(303);
        expect(response.headers.get('location')).toBe('/console/sign-in');
      }
    }
    expect(await countRows(env, 'hooks')).toBe(before);
    expect(await counts()).toEqual(all);
    expect((await env.container.services.users.getUser(ids.user)).isSuspended).toBe(false);
    expect(
      (await env.container.services.hooks.getHook(hookId, { includeExecutionStats: false })).enabled,
    ).toBe(true);
  });

  it('signs in with the admin application and sets a strict, HttpOnly, expiring cookie on /console', async () => {
    const response = await postSignIn(env, {
      clientId: env.admin.clientId,
      clientSecret: env.admin.clientSecret,
      next: `/console/webhooks/${hookId}/settings`,
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/console/webhooks/${hookId}/settings`);
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('idhooks_console='));
    expect(setCookie).toMatch(/; Max-Age=28800; Path=\/console; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain('Secure');
    const client = new ConsoleClient(env, cookieFrom(response, 'idhooks_console') ?? '', '');
    expect(await client.page(`/console/webhooks/${hookId}/settings`)).toContain('test hook');
    expect(await countRows(env, 'consoleSessions')).toBeGreaterThan(0);
    // The token itself is never stored, only its digest.
    const rows = await env.container.database.db.selectFrom('consoleSessions').select('tokenHash').execute();
    const token = (cookieFrom(response, 'idhooks_console') ?? '').split('=')[1] ?? '';
    expect(rows.map((row) => row.tokenHash)).not.toContain(token);
  });

  it('marks the cookie Secure when the console is reached over https', async () => {
    const response = await postSignIn(
      env,
      { clientId: env.admin.clientId, clientSecret: env.admin.clientSecret },
      { origin: 'https://localhost', url: 'https://localhost/console/sign-in' },
    );
    expect(response.status).toBe(303);
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('idhooks_console='));
    expect(setCookie).toContain('; Secure');
  });

  it('refuses a wrong secret, an unknown client and an ordinary M2M application, saying so, with 401', async () => {
    const ordinary = await env.api('POST', '/api/applications', { name: 'worker', type: 'MachineToMachine' });
    expect(ordinary.status).toBe(200);
    const { id: otherId, secret: otherSecret } = (await ordinary.json()) as { id: string; secret: string };
    const sessionsBefore = await countRows(env, 'consoleSessions');
    for (const [clientId, clientSecret] of [
      [env.admin.clientId, 'not-the-secret'],
      [env.admin.clientId, ''],
      ['no-such-client', env.admin.clientSecret],
      [otherId, otherSecret],
      [env.admin.clientId, 'x'.repeat(600)],
    ] as const) {
      const response = await postSignIn(env, { clientId, clientSecret });
      const html = await response.text();
      expect(response.status, clientId).toBe(401);
      expect(testIdText(html, 'error')).toBe(
        'The client ID or secret is not correct, or the application is not the admin application.',
      );
      expect(cookieFrom(response, 'idhooks_console')).toBeUndefined();
      // The id stays filled in; the secret is never echoed back.
      expect(html).toContain(`value="${clientId}"`);
      if (clientSecret.length > 0) expect(html).not.toContain(clientSecret);
    }
    const empty = await postSignIn(env, { clientId: '', clientSecret: '' });
    expect(empty.status).toBe(401);
    expect(testIdText(await empty.text(), 'error')).toBe('Enter the client ID and secret.');
    expect(await countRows(env, 'consoleSessions')).toBe(sessionsBefore);
  });

  it('refuses a sign-in post without the sign-in form token, or from another origin, with 403', async () => {
    const { cookie, token } = await openSignIn(env);
    const fields = { clientId: env.admin.clientId, clientSecret: env.admin.clientSecret };
    const attempts: Array<{ headers: Record<string, string>; body: Record<string, string> }> = [
      { headers: { origin: CONSOLE_ORIGIN }, body: { ...fields, _csrf: token } }, // no cookie
      { headers: { cookie, origin: CONSOLE_ORIGIN }, body: fields }, // no token
      { headers: { cookie, origin: CONSOLE_ORIGIN }, body: { ...fields, _csrf: 'x'.repeat(43) } },
      { headers: { cookie, origin: 'https://evil.example' }, body: { ...fields, _csrf: token } },
      { headers: { cookie, 'sec-fetch-site': 'cross-site' }, body: { ...fields, _csrf: token } },
    ];
    for (const { headers, body } of attempts) {
      const response = await env.app.request('/console/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      });
      expect(response.status).toBe(403);
      expect(cookieFrom(response, 'idhooks_console')).toBeUndefined();
    }
  });

  it('never redirects outside the console after sign-in', async () => {
    for (const next of [
      '//evil.example/x',
      'https://evil.example',
      '/\\evil.example',
      '/api/hooks',
      '/console/sign-in',
    ]) {
      const response = await postSignIn(env, {
        clientId: env.admin.clientId,
        clientSecret: env.admin.clientSecret,
        next,
      });
      expect(response.headers.get('location'), next).toBe('/console/webhooks');
    }
  });

  it('signs out with the form token only, and the old cookie stops working', async () => {
    const client = await signInToConsole(env);
    const forged = await client.post('/console/sign-out', {}, { csrf: null });
    expect(forged.status).toBe(403);
    expect((await client.get('/console/webhooks')).status).toBe(200);
    const response = await client.post('/console/sign-out');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/sign-in?notice=signed-out');
    expect(response.headers.getSetCookie().join()).toMatch(/idhooks_console=; Max-Age=0; Path=\/console/);
    const after = await client.get('/console/webhooks');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('/console/sign-in');
  });

  it('ends the session a browser already had when it signs in again', async () => {
    const first = await signInToConsole(env);
    const again = await postSignIn(
      env,
      { clientId: env.admin.clientId, clientSecret: env.admin.clientSecret },
      { cookie: first.cookie },
    );
    expect(again.status).toBe(303);
    expect(cookieFrom(again, 'idhooks_console')).not.toBe(first.cookie);
    expect((await first.get('/console/webhooks')).status).toBe(303);
  });

  it('ends a session when its lifetime is over', async () => {
    const client = await signInToConsole(env);
    clock.advance(28_800 * 1000 - 1000);
    expect((await client.get('/console/webhooks')).status).toBe(200);
    clock.advance(2000);
    const response = await client.get('/console/webhooks');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('/console/sign-in');
  });

  it('serves pages with a nonce CSP, no framing and no caching', async () => {
    const client = await signInToConsole(env);
    for (const path of ['/console/sign-in', '/console/webhooks']) {
      const response = path.endsWith('sign-in') ? await env.app.request(path) : await client.get(path);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'nonce-[\w+/=]+'/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
      expect(html).toContain(`<script nonce="${nonce}">`);
    }
  });
});
