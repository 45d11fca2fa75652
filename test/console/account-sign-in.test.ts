import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, expectStatus } from '../helpers/api.js';
import { CookieJar, startOidcServer, type OidcServer } from '../helpers/oidc.js';
import { describeEachDialect } from '../helpers/test-db.js';

/**
 * Console sign-in as a person: "Sign in with your idhooks account" → /oidc/auth → hosted sign-in
 * (Experience API) → /oidc/auth/<uid> → /console/callback, all over real HTTP with a cookie jar.
 */

const ADMIN = { username: 'console_admin', password: 'a long enough password 1' };
const PLAIN = { username: 'console_plain', password: 'a long enough password 2' };
const SUSPENDED = { username: 'console_suspended', password: 'a long enough password 3' };

describeEachDialect('console sign-in with an idhooks account', (dialect) => {
  let server: OidcServer;
  const lines: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    server = await startOidcServer(dialect, { logger: pino({ level: 'info' }, sink) });
    const { env } = server;
    await env.container.services.auth.ensureConsoleApplication();
    const role = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/roles', { name: 'idhooks-admin', description: 'Console administrators' }),
      200,
    );
    for (const [key, user] of Object.entries({ ADMIN, PLAIN, SUSPENDED })) {
      const created = await expectStatus<{ id: string }>(await env.api('POST', '/api/users', user), 200);
      ids[key] = created.id;
    }
    for (const key of ['ADMIN', 'SUSPENDED']) {
      await expectStatus(await env.api('POST', `/api/users/${ids[key]}/roles`, { roleIds: [role.id] }), 201);
    }
  });
  afterAll(async () => server?.close());

  /** Starts at the console's button and signs in on the hosted page; returns the callback answer. */
  async function signIn(jar: CookieJar, credentials: { username: string; password: string }) {
    const { baseUrl } = server;
    const start = await jar.fetch(`${baseUrl}/console/sign-in/account?next=%2Fconsole%2Fusers`);
    expect(start.status).toBe(303);
    const authUrl = start.headers.get('location') ?? '';
    expect(authUrl.startsWith(`${server.issuer}/auth?`)).toBe(true);
    const toSignIn = await jar.fetch(authUrl);
    expect(toSignIn.status, await toSignIn.clone().text()).toBe(303);
    const signInPage = new URL(toSignIn.headers.get('location') ?? '', authUrl).href;
    expect(signInPage).toBe(`${baseUrl}/sign-in?app_id=idhooks-console`);
    expect((await jar.fetch(signInPage)).status).toBe(200);
    expect((await jar.json(baseUrl, 'PUT', '/api/experience', { interactionEvent: 'SignIn' })).status).toBe(
      204,
    );
    const verification = await jar.json(baseUrl, 'POST', '/api/experience/verification/password', {
      identifier: { type: 'username', value: credentials.username },
      password: credentials.password,
    });
    if (verification.status !== 200) return { refusedByHostedPage: verification };
    const { verificationId } = (await verification.json()) as { verificationId: string };
    const identified = await jar.json(baseUrl, 'POST', '/api/experience/identification', { verificationId });
    if (identified.status !== 204) return { refusedByHostedPage: identified };
    const submitted = await jar.json(baseUrl, 'POST', '/api/experience/submit', {});
    expect(submitted.status, await submitted.clone().text()).toBe(200);
    let next = ((await submitted.json()) as { redirectTo: string }).redirectTo;
    for (let hop = 0; hop < 10; hop += 1) {
      if (new URL(next).pathname === '/console/callback') break;
      const response = await jar.fetch(next);
      next = new URL(response.headers.get('location') ?? '', next).href;
    }
    expect(new URL(next).pathname).toBe('/console/callback');
    return { callback: await jar.fetch(next), callbackUrl: next };
  }

  const sessionCount = () => countRows(server.env, 'consoleSessions');

  it('admits a user holding the administrator role, shows who is signed in and logs their actions', async () => {
    const jar = new CookieJar();
    const before = await sessionCount();
    const { callback } = await signIn(jar, ADMIN);
    expect(callback?.status).toBe(303);
    expect(callback?.headers.get('location')).toBe('/console/users');
    expect(jar.cookies.has('idhooks_console')).toBe(true);
    expect(await sessionCount()).toBe(before + 1);

    const page = await jar.fetch(`${server.baseUrl}/console/users`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(`Signed in as ${ADMIN.username}`);

    // A console action is logged with the user as actor.
    const csrf = html.match(/name="_csrf" value="([^"]*)"/)?.[1] ?? '';
    const created = await jar.fetch(`${server.baseUrl}/console/roles`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.baseUrl },
      body: new URLSearchParams({
        _csrf: csrf,
        name: 'made-in-console',
        description: 'by a person',
        type: 'User',
      }),
    });
    expect(created.status).toBeLessThan(400);
    const action = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'console action' && entry.path === '/console/roles');
    expect(action?.actor).toBe(`user:${ids.ADMIN}`);

    // Sign-out ends the session: the cookie no longer opens a page.
    const cookie = jar.cookies.get('idhooks_console') ?? '';
    const out = await jar.fetch(`${server.baseUrl}/console/sign-out`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.baseUrl },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(out.status).toBe(303);
    expect(await sessionCount()).toBe(before);
    const after = await fetch(`${server.baseUrl}/console/users`, {
      headers: { cookie: `idhooks_console=${cookie}` },
      redirect: 'manual',
    });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('/console/sign-in');
  });

  it('asks for the password again on the next sign-in, even while the hosted session lives', async () => {
    const jar = new CookieJar();
    await signIn(jar, ADMIN);
    const start = await jar.fetch(`${server.baseUrl}/console/sign-in/account`);
    const auth = await jar.fetch(start.headers.get('location') ?? '');
    expect(auth.status).toBe(303);
    expect(new URL(auth.headers.get('location') ?? '', server.baseUrl).pathname).toBe('/sign-in');
  });

  it('refuses a user without the role with a clear page and no session', async () => {
    const jar = new CookieJar();
    const before = await sessionCount();
    const { callback } = await signIn(jar, PLAIN);
    expect(callback?.status).toBe(403);
    expect(await callback?.text()).toContain('does not have the console administrator role');
    expect(jar.cookies.has('idhooks_console')).toBe(false);
    expect(await sessionCount()).toBe(before);
  });

  it('refuses a callback whose state is forged or missing, with no session', async () => {
    const before = await sessionCount();
    for (const mutate of [
      (url: URL) => url.searchParams.set('state', 'forged'),
      (url: URL) => url.searchParams.delete('state'),
    ]) {
      const jar = new CookieJar();
      const { callbackUrl } = await signIn(jar, ADMIN);
      // The real callback was already answered above: replay it with a changed state in a new flow.
      const other = new CookieJar();
      const start = await other.fetch(`${server.baseUrl}/console/sign-in/account`);
      expect(start.status).toBe(303);
      const url = new URL(callbackUrl ?? '');
      mutate(url);
      const refused = await other.fetch(url.href);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('did not start in this browser');
      expect(other.cookies.has('idhooks_console')).toBe(false);
    }
    // The two sign-ins that completed left their own sessions; the forged callbacks added none.
    expect(await sessionCount()).toBe(before + 2);
  });

  it('refuses a callback without any flow cookie', async () => {
    const response = await fetch(`${server.baseUrl}/console/callback?code=x&state=y`, { redirect: 'manual' });
    expect(response.status).toBe(400);
  });

  it('ends the session of an administrator who is suspended, and a suspended one cannot sign in', async () => {
    const jar = new CookieJar();
    const { callback } = await signIn(jar, SUSPENDED);
    expect(callback?.status).toBe(303);
    expect((await jar.fetch(`${server.baseUrl}/console/users`)).status).toBe(200);
    await expectStatus(
      await server.env.api('PATCH', `/api/users/${ids.SUSPENDED}/is-suspended`, { isSuspended: true }),
      200,
    );
    const after = await jar.fetch(`${server.baseUrl}/console/users`);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('/console/sign-in');

    const again = await signIn(new CookieJar(), SUSPENDED);
    if ('refusedByHostedPage' in again && again.refusedByHostedPage) {
      expect(again.refusedByHostedPage.status).toBeGreaterThanOrEqual(400);
    } else {
      expect(again.callback?.status).toBe(403);
    }
  });

  it('refuses to delete the built-in console application through the API', async () => {
    const before = await countRows(server.env, 'applications');
    const deleted = await server.env.api('DELETE', '/api/applications/idhooks-console');
    expect(deleted.status).toBe(400);
    expect(await deleted.json()).toMatchObject({ code: 'guard.invalid_input' });
    expect(await countRows(server.env, 'applications')).toBe(before);
    const app = await expectStatus<{ oidcClientMetadata: { redirectUris: string[] } }>(
      await server.env.api('GET', '/api/applications/idhooks-console'),
      200,
    );
    expect(app.oidcClientMetadata.redirectUris).toEqual([`${server.baseUrl}/console/callback`]);
  });

  it('still accepts the break-glass sign-in with the admin client credentials', async () => {
    const jar = new CookieJar();
    const form = await jar.fetch(`${server.baseUrl}/console/sign-in`);
    const html = await form.text();
    expect(html).toContain('Sign in with your idhooks account');
    const token = html.match(/name="_csrf" value="([^"]*)"/)?.[1] ?? '';
    const { clientId, clientSecret } = server.env.admin;
    const signedIn = await jar.fetch(`${server.baseUrl}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.baseUrl },
      body: new URLSearchParams({ _csrf: token, clientId, clientSecret, next: '/console/users' }),
    });
    expect(signedIn.status).toBe(303);
    const page = await (await jar.fetch(`${server.baseUrl}/console/users`)).text();
    expect(page).toContain(`Signed in as break-glass client ${clientId}`);
  });
});

describe('console application', () => {
  it('is defined with the console callback as its only redirect URI', async () => {
    const { consoleRedirectUri, CONSOLE_CLIENT_ID } = await import('../../src/services/auth.js');
    expect(CONSOLE_CLIENT_ID).toBe('idhooks-console');
    expect(consoleRedirectUri('http://127.0.0.1:3001')).toBe('http://127.0.0.1:3001/console/callback');
  });
});
