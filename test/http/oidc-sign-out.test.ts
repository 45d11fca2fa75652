import * as oc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../helpers/api.js';
import { CookieJar, signInWithPassword, startOidcServer, type OidcServer } from '../helpers/oidc.js';
import { describeEachDialect } from '../helpers/test-db.js';

/** Sign-out at /oidc/session/end with PostSignOut, and Logto's maxAllowedGrants with Grant.LimitExceeded. */

const CALLBACK = 'http://127.0.0.1:4480/callback';
const AFTER_SIGN_OUT = 'http://127.0.0.1:4480/signed-out';
const USER = { username: 'oidc_sign_out_user', password: 'a long enough password 5' };

describeEachDialect('OIDC sign-out and grant limit', (dialect) => {
  let server: OidcServer;
  let userId: string;
  const insecure = { execute: [oc.allowInsecureRequests] };

  beforeAll(async () => {
    server = await startOidcServer(dialect);
    userId = (await expectStatus<{ id: string }>(await server.env.api('POST', '/api/users', USER), 200)).id;
  });
  afterAll(async () => server?.close());

  async function createSpa(customClientMetadata: Record<string, unknown> = {}) {
    return (
      await expectStatus<{ id: string }>(
        await server.env.api('POST', '/api/applications', {
          name: 'Sign-out SPA',
          type: 'SPA',
          oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: [AFTER_SIGN_OUT] },
          customClientMetadata,
        }),
        200,
      )
    ).id;
  }

  async function signIn(clientId: string) {
    const config = await oc.discovery(new URL(server.issuer), clientId, undefined, oc.None(), insecure);
    const verifier = oc.randomPKCECodeVerifier();
    const authUrl = oc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid offline_access',
      prompt: 'consent',
      state: 's',
      code_challenge: await oc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const jar = new CookieJar();
    const flow = await signInWithPassword(jar, server.baseUrl, authUrl.href, USER);
    const tokens = await oc.authorizationCodeGrant(config, new URL(flow.callback), {
      pkceCodeVerifier: verifier,
      expectedState: 's',
    });
    return { config, jar, tokens, authUrl };
  }

  const eventsOf = async (type: string) =>
    (
      await server.env.container.database.db
        .selectFrom('events')
        .select('payload')
        .where('type', '=', type)
        .execute()
    ).map((row) => JSON.parse(row.payload) as Record<string, unknown>);

  it('ends the session, redirects to the registered URI and emits PostSignOut', async () => {
    const spaId = await createSpa();
    const { config, jar, tokens, authUrl } = await signIn(spaId);
    const endUrl = oc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: AFTER_SIGN_OUT,
      state: 'bye',
    });
    const page = await jar.fetch(endUrl.href);
    expect(page.status).toBe(200);
    const html = await page.text();
    const action = /action="([^"]+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    expect(action && xsrf).toBeTruthy();
    const confirmed = await jar.fetch(new URL(action!, server.baseUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }).toString(),
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`${AFTER_SIGN_OUT}?state=bye`);

    const signOuts = await eventsOf('PostSignOut');
    expect(signOuts).toHaveLength(1);
    expect(Object.keys(signOuts[0]!)).toEqual([
      'event',
      'createdAt',
      'sessionId',
      'userAgent',
      'userId',
      'userIp',
      'user',
      'application',
    ]);
    expect(signOuts[0]).toMatchObject({
      userId,
      application: { id: spaId, type: 'SPA' },
      userIp: '127.0.0.1',
    });

    // No silent sign-in afterwards.
    const silent = new URL(authUrl);
    silent.searchParams.set('prompt', 'none');
    const response = await jar.fetch(silent.href);
    expect(new URL(response.headers.get('location') ?? '', silent).searchParams.get('error')).toBe(
      'login_required',
    );
  });

  it('refuses an unregistered post_logout_redirect_uri with an error page, without signing out', async () => {
    const spaId = await createSpa();
    const { config, jar, tokens } = await signIn(spaId);
    const before = (await eventsOf('PostSignOut')).length;
    const endUrl = oc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://evil.example/after',
    });
    const response = await jar.fetch(endUrl.href);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect((await eventsOf('PostSignOut')).length).toBe(before);
  });

  describe('maxAllowedGrants', () => {
    it('accepts Grant.LimitExceeded subscriptions now that it is emitted', async () => {
      const response = await server.env.api('POST', '/api/hooks', {
        name: 'grants',
        events: ['Grant.LimitExceeded', 'PostSignOut'],
        config: { url: 'https://hooks.example.com/grants' },
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
    });

    it('revokes the oldest grant beyond the limit and emits Grant.LimitExceeded', async () => {
      const appId = await createSpa({ maxAllowedGrants: 1 });
      const first = await signIn(appId);
      expect(await eventsOf('Grant.LimitExceeded')).toHaveLength(0);
      await signIn(appId);
      const events = await eventsOf('Grant.LimitExceeded');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        userId,
        applicationId: appId,
        maxAllowedGrants: 1,
        preRevocationActiveGrantCount: 2,
        application: { id: appId },
      });
      expect(events[0]!.revokedGrantIds).toHaveLength(1);
      await expect(oc.refreshTokenGrant(first.config, first.tokens.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    });
  });
});
