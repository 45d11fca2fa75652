import LogtoClient, { type Storage, type StorageKey } from '@logto/node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../helpers/api.js';
import {
  CookieJar,
  followUntilLeaving,
  signInWithPassword,
  startOidcServer,
  type OidcServer,
} from '../helpers/oidc.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { describeEachDialect } from '../helpers/test-db.js';

/**
 * Logto's own Node SDK (`@logto/node`), unchanged but for its `endpoint`, signs a user in against
 * idhooks on a real socket, reads the ID token claims, gets a resource access token, fetches
 * userinfo and signs out; PostSignIn and PostSignOut reach a real receiver with the app's id.
 */

const CALLBACK = 'http://127.0.0.1:4481/callback';
const AFTER_SIGN_OUT = 'http://127.0.0.1:4481/';
const USER = { username: 'logto_sdk_user', password: 'a long enough password 6' };
const INDICATOR = 'https://api.sdk.example/items';

class MemoryStorage implements Storage<StorageKey | 'codeVerifier' | 'state' | 'signInSession'> {
  private readonly items = new Map<string, string>();
  async getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  async setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  async removeItem(key: string) {
    this.items.delete(key);
  }
}

describeEachDialect("Logto's Node SDK (@logto/node) against idhooks", (dialect) => {
  let server: OidcServer;
  let receiver: Receiver;
  let app: { id: string; secret: string };
  let userId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startOidcServer(dialect, { env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' } });
    const { env } = server;
    await expectStatus(
      await env.api('POST', '/api/hooks', {
        name: 'sign-ins',
        events: ['PostSignIn', 'PostSignOut'],
        config: { url: `${receiver.url}/hooks` },
      }),
      201,
    );
    await env.container.delivery.engine.start();
    userId = (
      await expectStatus<{ id: string }>(
        await env.api('POST', '/api/users', { ...USER, name: 'SDK User' }),
        200,
      )
    ).id;
    app = await expectStatus<{ id: string; secret: string }>(
      await env.api('POST', '/api/applications', {
        name: 'SDK web app',
        type: 'Traditional',
        oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: [AFTER_SIGN_OUT] },
      }),
      200,
    );
    const resource = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/resources', { name: 'SDK items', indicator: INDICATOR }),
      201,
    );
    const scope = await expectStatus<{ id: string }>(
      await env.api('POST', `/api/resources/${resource.id}/scopes`, { name: 'read:items' }),
      201,
    );
    const role = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/roles', { name: 'sdk-reader', description: 'reads', scopeIds: [scope.id] }),
      200,
    );
    await env.api('POST', `/api/users/${userId}/roles`, { roleIds: [role.id] });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('signs in, reads claims, gets a resource token and userinfo, signs out; hooks delivered', async () => {
    let navigatedTo = '';
    const client = new LogtoClient(
      {
        endpoint: server.baseUrl,
        appId: app.id,
        appSecret: app.secret,
        resources: [INDICATOR],
        scopes: ['email', 'read:items'],
      },
      {
        navigate: (url) => {
          navigatedTo = url;
        },
        storage: new MemoryStorage(),
      },
    );
    await client.signIn(CALLBACK);
    expect(navigatedTo.startsWith(`${server.issuer}/auth?`)).toBe(true);
    const jar = new CookieJar();
    const flow = await signInWithPassword(jar, server.baseUrl, navigatedTo, USER);
    await client.handleSignInCallback(flow.callback);
    expect(await client.isAuthenticated()).toBe(true);

    const claims = await client.getIdTokenClaims();
    expect(claims).toMatchObject({
      iss: server.issuer,
      sub: userId,
      aud: app.id,
      name: 'SDK User',
      username: USER.username,
    });
    const accessToken = await client.getAccessToken(INDICATOR);
    expect(decodeJwt(accessToken)).toMatchObject({
      aud: INDICATOR,
      scope: 'read:items',
      sub: userId,
      client_id: app.id,
    });
    const info = await client.fetchUserInfo();
    expect(info).toMatchObject({ sub: userId, username: USER.username });

    const [signIn] = await receiver.waitFor(1, 10_000);
    const payload = JSON.parse(signIn!.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      event: 'PostSignIn',
      interactionEvent: 'SignIn',
      sessionId: flow.redirectTo.split('/').pop(),
      userId,
      application: { id: app.id, type: 'Traditional', name: 'SDK web app' },
    });
    process.stdout.write(
      `\n[report] ${dialect} PostSignIn ${signIn!.body}\n[report] ${dialect} id_token ${JSON.stringify(claims)}\n` +
        `[report] ${dialect} access_token header+claims ${JSON.stringify(decodeJwt(accessToken))}\n`,
    );

    await client.signOut(AFTER_SIGN_OUT);
    expect(navigatedTo.startsWith(`${server.issuer}/session/end?`)).toBe(true);
    const page = await jar.fetch(navigatedTo);
    const html = await page.text();
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const confirmed = await jar.fetch(new URL(action, server.baseUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(
      await followUntilLeaving(
        jar,
        server.baseUrl,
        new URL(confirmed.headers.get('location') ?? '', server.baseUrl).href,
      ),
    ).toBe(AFTER_SIGN_OUT);
    expect(await client.isAuthenticated()).toBe(false);
    const [, signOut] = await receiver.waitFor(2, 10_000);
    expect(JSON.parse(signOut!.body)).toMatchObject({
      event: 'PostSignOut',
      userId,
      application: { id: app.id },
    });
  });

  describe('bad input', () => {
    it('a wrong app secret gets no tokens', async () => {
      let navigatedTo = '';
      const client = new LogtoClient(
        { endpoint: server.baseUrl, appId: app.id, appSecret: 'not-the-secret' },
        { navigate: (url) => void (navigatedTo = url), storage: new MemoryStorage() },
      );
      await client.signIn(CALLBACK);
      const flow = await signInWithPassword(new CookieJar(), server.baseUrl, navigatedTo, USER);
      await expect(client.handleSignInCallback(flow.callback)).rejects.toThrow();
      expect(await client.isAuthenticated()).toBe(false);
    });
  });
});
