import * as oc from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, expectRejected, expectStatus } from '../helpers/api.js';
import { CookieJar, signInWithPassword, startOidcServer, type OidcServer } from '../helpers/oidc.js';
import { describeEachDialect } from '../helpers/test-db.js';

/**
 * The authorization code flow with a relying party no one here wrote (panva's openid-client):
 * /oidc/auth → hosted sign-in → Experience API → submit → /oidc/auth/<uid> → the app's callback with
 * code, state and iss → tokens, userinfo, refresh.
 */

const CALLBACK = 'http://127.0.0.1:4477/callback';
const USER = { username: 'oidc_flow_user', password: 'a long enough password 1' };

describeEachDialect('OIDC authorization code flow (openid-client)', (dialect) => {
  let server: OidcServer;
  let spaId: string;
  let userId: string;
  const insecure = { execute: [oc.allowInsecureRequests] };

  beforeAll(async () => {
    server = await startOidcServer(dialect);
    const { env } = server;
    const user = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/users', { ...USER, primaryEmail: 'flow@example.com', name: 'Flow User' }),
      200,
    );
    userId = user.id;
    const spa = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/applications', {
        name: 'Flow SPA',
        type: 'SPA',
        oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: ['http://127.0.0.1:4477/'] },
      }),
      200,
    );
    spaId = spa.id;
  });
  afterAll(async () => server?.close());

  const spaConfig = () => oc.discovery(new URL(server.issuer), spaId, undefined, oc.None(), insecure);

  /** A full sign-in; returns the tokens and what the flow saw. */
  async function signIn(extra: Record<string, string> = {}) {
    const config = await spaConfig();
    const verifier = oc.randomPKCECodeVerifier();
    const state = oc.randomState();
    const authUrl = oc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile email offline_access',
      code_challenge: await oc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      prompt: 'consent',
      ...extra,
    });
    const jar = new CookieJar();
    const flow = await signInWithPassword(jar, server.baseUrl, authUrl.href, USER);
    const tokens = await oc.authorizationCodeGrant(config, new URL(flow.callback), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return { config, jar, flow, tokens, state, verifier };
  }

  it('signs a user in: hosted page, redirectTo /oidc/auth/<uid>, callback with code, state and iss', async () => {
    const { flow, tokens, state, config } = await signIn();
    expect(flow.signInPage).toBe(`${server.baseUrl}/sign-in?app_id=${spaId}`);
    expect(flow.redirectTo).toMatch(new RegExp(`^${server.issuer}/auth/[\\w-]{20,}$`));
    const callback = new URL(flow.callback);
    expect(callback.origin + callback.pathname).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
    expect(callback.searchParams.get('code')).toBeTruthy();

    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: server.issuer,
      sub: userId,
      aud: spaId,
      name: 'Flow User',
      username: USER.username,
      email: 'flow@example.com',
      email_verified: true,
    });
    expect(tokens.refresh_token).toBeTruthy();
    const info = await oc.fetchUserInfo(config, tokens.access_token, userId);
    expect(info).toMatchObject({ sub: userId, username: USER.username, email: 'flow@example.com' });

    // PostSignIn of this sign-in carries the provider's interaction uid as sessionId (as in Logto).
    const uid = flow.redirectTo.split('/').pop();
    const events = await server.env.container.database.db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('type', '=', 'PostSignIn')
      .execute();
    const payloads = events.map((e) => JSON.parse(e.payload) as Record<string, unknown>);
    expect(payloads.some((p) => p.sessionId === uid)).toBe(true);
    const own = payloads.find((p) => p.sessionId === uid)!;
    expect(own.application).toMatchObject({ id: spaId, type: 'SPA' });
  });

  it('refreshes with rotation; a reused refresh token is refused and ends the grant', async () => {
    const { config, tokens } = await signIn();
    const first = tokens.refresh_token!;
    const refreshed = await oc.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    await expect(oc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Reuse detection: the rotated successor dies with the grant.
    await expect(oc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a reused authorization code with invalid_grant', async () => {
    const config = await spaConfig();
    const verifier = oc.randomPKCECodeVerifier();
    const authUrl = oc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st',
    });
    const flow = await signInWithPassword(new CookieJar(), server.baseUrl, authUrl.href, USER);
    await oc.authorizationCodeGrant(config, new URL(flow.callback), {
      pkceCodeVerifier: verifier,
      expectedState: 'st',
    });
    await expect(
      oc.authorizationCodeGrant(config, new URL(flow.callback), {
        pkceCodeVerifier: verifier,
        expectedState: 'st',
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('prompt=none works for a live session; prompt=login asks again', async () => {
    const { jar, config } = await signIn();
    const silent = oc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oc.calculatePKCECodeChallenge(oc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'silent',
      prompt: 'none',
    });
    const response = await jar.fetch(silent.href);
    const location = new URL(response.headers.get('location') ?? '', silent);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    expect(location.searchParams.get('code')).toBeTruthy();

    const forced = new URL(silent);
    forced.searchParams.set('prompt', 'login');
    const again = await jar.fetch(forced.href);
    expect(again.headers.get('location')).toMatch(/\/sign-in\?app_id=/);

    // Without a session, prompt=none answers login_required at the callback.
    const stranger = await new CookieJar().fetch(silent.href);
    const refused = new URL(stranger.headers.get('location') ?? '', silent);
    expect(refused.searchParams.get('error')).toBe('login_required');
  });

  describe('bad input', () => {
    it('refuses an unknown client and an unregistered redirect_uri with an error page, never redirecting', async () => {
      for (const query of [
        `client_id=no-such-client&redirect_uri=${encodeURIComponent(CALLBACK)}`,
        `client_id=${spaId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
      ]) {
        const response = await fetch(
          `${server.issuer}/auth?${query}&response_type=code&scope=openid&state=x&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
          { redirect: 'manual' },
        );
        expect(response.status).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        expect(response.headers.get('content-type')).toMatch(/text\/html/);
        expect(await response.text()).not.toContain('evil.example');
      }
    });

    it('refuses javascript:, fragments and custom schemes outside Native apps as redirect URIs', async () => {
      const { env } = server;
      const cases: [string, string][] = [
        ['SPA', 'javascript:alert(1)'],
        ['Traditional', 'JavaScript://example.com/%0aalert(1)'],
        ['SPA', 'data:text/html,hi'],
        ['SPA', 'io.example.app:/callback'],
        ['Native', 'https://example.com/cb#frag'],
      ];
      const before = await countRows(env, 'applications');
      for (const [type, uri] of cases) {
        const response = await env.api('POST', '/api/applications', {
          name: 'bad',
          type,
          oidcClientMetadata: { redirectUris: [uri], postLogoutRedirectUris: [] },
        });
        await expectRejected(response, 400, 'guard.invalid_input');
      }
      expect(await countRows(env, 'applications')).toBe(before);
      await expectRejected(
        await env.api('PATCH', `/api/applications/${spaId}`, {
          oidcClientMetadata: { postLogoutRedirectUris: ['javascript:alert(1)'] },
        }),
        400,
        'guard.invalid_input',
      );
      // A custom scheme is fine for a Native app.
      await expectStatus(
        await env.api('POST', '/api/applications', {
          name: 'native',
          type: 'Native',
          oidcClientMetadata: { redirectUris: ['io.example.app:/callback'], postLogoutRedirectUris: [] },
        }),
        200,
      );
    });

    it('requires PKCE for a SPA', async () => {
      const response = await fetch(
        `${server.issuer}/auth?client_id=${spaId}&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code&scope=openid&state=x`,
        { redirect: 'manual' },
      );
      const location = new URL(response.headers.get('location') ?? '', server.baseUrl);
      expect(location.origin + location.pathname).toBe(CALLBACK);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toMatch(/PKCE|code_challenge/i);
    });

    it('refuses a state mismatch (client side) and a suspended user (no code issued)', async () => {
      const config = await spaConfig();
      const verifier = oc.randomPKCECodeVerifier();
      const authUrl = oc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: await oc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'expected',
      });
      const flow = await signInWithPassword(new CookieJar(), server.baseUrl, authUrl.href, USER);
      await expect(
        oc.authorizationCodeGrant(config, new URL(flow.callback), {
          pkceCodeVerifier: verifier,
          expectedState: 'other',
        }),
      ).rejects.toThrow();

      const suspended = await expectStatus<{ id: string }>(
        await server.env.api('POST', '/api/users', {
          username: 'oidc_suspended',
          password: 'a long enough password 2',
        }),
        200,
      );
      await expectStatus(
        await server.env.api('PATCH', `/api/users/${suspended.id}/is-suspended`, { isSuspended: true }),
        200,
      );
      const jar = new CookieJar();
      await jar.fetch(authUrl.href);
      await jar.json(server.baseUrl, 'PUT', '/api/experience', { interactionEvent: 'SignIn' });
      const verification = await jar.json(server.baseUrl, 'POST', '/api/experience/verification/password', {
        identifier: { type: 'username', value: 'oidc_suspended' },
        password: 'a long enough password 2',
      });
      // Refused at the password check or at identification, with Logto's code; never signed in.
      let refusal = verification;
      if (verification.status === 200) {
        const { verificationId } = (await verification.json()) as { verificationId: string };
        refusal = await jar.json(server.baseUrl, 'POST', '/api/experience/identification', {
          verificationId,
        });
      }
      expect(refusal.status).toBeGreaterThanOrEqual(400);
      expect(((await refusal.json()) as { code: string }).code).toBe('user.suspended');
      const submitted = await jar.json(server.baseUrl, 'POST', '/api/experience/submit', {});
      expect(submitted.status).toBeGreaterThanOrEqual(400);
    });

    it('refuses tampered and foreign tokens at userinfo', async () => {
      const { tokens } = await signIn();
      const me = (token: string) =>
        fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
      expect((await me(tokens.access_token)).status).toBe(200);
      expect((await me(`${tokens.access_token}x`)).status).toBe(401);
      expect((await me('not-a-token')).status).toBe(401);
      const idToken = tokens.id_token!;
      expect(decodeJwt(idToken).sub).toBe(userId);
      expect((await me(idToken)).status).toBe(401);
    });
  });
});
