import * as oc from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../helpers/api.js';
import { CookieJar, signInWithPassword, startOidcServer, type OidcServer } from '../helpers/oidc.js';
import { describeEachDialect } from '../helpers/test-db.js';

/**
 * Tokens of a signed-in user: resource access tokens limited by RBAC, ID token claims per scope,
 * revocation and introspection by a confidential (Traditional) application whose secret is hashed.
 */

const CALLBACK = 'http://127.0.0.1:4478/callback';
const USER = { username: 'oidc_tokens_user', password: 'a long enough password 3' };
const INDICATOR = 'https://api.example.test/items';

describeEachDialect('OIDC tokens: resources, claims, revocation, introspection', (dialect) => {
  let server: OidcServer;
  let app: { id: string; secret: string };
  let userId: string;
  const insecure = { execute: [oc.allowInsecureRequests] };

  beforeAll(async () => {
    server = await startOidcServer(dialect);
    const { env } = server;
    userId = (
      await expectStatus<{ id: string }>(
        await env.api('POST', '/api/users', { ...USER, customData: { plan: 'gold' } }),
        200,
      )
    ).id;
    app = await expectStatus<{ id: string; secret: string }>(
      await env.api('POST', '/api/applications', {
        name: 'Tokens web app',
        type: 'Traditional',
        oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: [] },
      }),
      200,
    );
    const resource = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/resources', { name: 'Items', indicator: INDICATOR }),
      201,
    ).catch(async () =>
      expectStatus<{ id: string }>(
        await env.api('POST', '/api/resources', { name: 'Items2', indicator: INDICATOR }),
        200,
      ),
    );
    const scope = async (name: string) =>
      (
        await env.api('POST', `/api/resources/${resource.id}/scopes`, { name, description: name })
      ).json() as Promise<{ id: string }>;
    const read = await scope('read:items');
    await scope('write:items');
    const role = (await (
      await env.api('POST', '/api/roles', { name: 'reader', description: 'reads', scopeIds: [read.id] })
    ).json()) as { id: string };
    const assigned = await env.api('POST', `/api/users/${userId}/roles`, { roleIds: [role.id] });
    expect(assigned.status).toBeLessThan(300);
  });
  afterAll(async () => server?.close());

  const config = () =>
    oc.discovery(new URL(server.issuer), app.id, app.secret, oc.ClientSecretBasic(app.secret), insecure);

  async function signIn(scope: string, resource?: string) {
    const cfg = await config();
    const verifier = oc.randomPKCECodeVerifier();
    const authUrl = oc.buildAuthorizationUrl(cfg, {
      redirect_uri: CALLBACK,
      scope,
      state: 's',
      code_challenge: await oc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'consent',
      ...(resource ? { resource } : {}),
    });
    const flow = await signInWithPassword(new CookieJar(), server.baseUrl, authUrl.href, USER);
    const tokens = await oc.authorizationCodeGrant(
      cfg,
      new URL(flow.callback),
      { pkceCodeVerifier: verifier, expectedState: 's' },
      resource ? { resource } : undefined,
    );
    return { cfg, tokens };
  }

  it('issues a resource access token as an ES384 JWT whose scope holds only what the roles grant', async () => {
    const { tokens, cfg } = await signIn('openid offline_access read:items write:items', INDICATOR);
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES384', typ: 'at+jwt' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: server.issuer, aud: INDICATOR, sub: userId, client_id: app.id });
    expect(claims.scope).toBe('read:items');
    // A refresh for the same resource keeps the same limit.
    const refreshed = await oc.refreshTokenGrant(cfg, tokens.refresh_token!, { resource: INDICATOR });
    expect(decodeJwt(refreshed.access_token).scope).toBe('read:items');
  });

  it('issues an opaque token for userinfo without a resource; claims follow the scopes', async () => {
    const { tokens, cfg } = await signIn('openid profile roles custom_data');
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(tokens.claims()).toMatchObject({
      sub: userId,
      username: USER.username,
      roles: ['reader'],
      custom_data: { plan: 'gold' },
    });
    expect(tokens.claims()).not.toHaveProperty('email');
    const info = await oc.fetchUserInfo(cfg, tokens.access_token, userId);
    expect(info).toMatchObject({ roles: ['reader'], custom_data: { plan: 'gold' } });
  });

  it('introspects and revokes with the hashed secret checked first; a wrong secret is refused', async () => {
    const { tokens, cfg } = await signIn('openid offline_access');
    const refresh = tokens.refresh_token!;
    expect((await oc.tokenIntrospection(cfg, refresh)).active).toBe(true);
    for (const path of ['/token/introspection', '/token/revocation']) {
      const response = await fetch(`${server.issuer}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${app.id}:wrong-secret`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: refresh }).toString(),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(await response.json()).toMatchObject({ error: 'invalid_client', code: 'oidc.invalid_client' });
    }
    expect((await oc.tokenIntrospection(cfg, refresh)).active).toBe(true);
    await oc.tokenRevocation(cfg, refresh);
    expect((await oc.tokenIntrospection(cfg, refresh)).active).toBe(false);
    await expect(oc.refreshTokenGrant(cfg, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  describe('bad input', () => {
    it('refuses an unknown resource indicator and the Management API for an end user', async () => {
      const cfg = await config();
      for (const resource of [
        'https://unknown.example/api',
        server.env.container.config.managementApiResource,
      ]) {
        const authUrl = oc.buildAuthorizationUrl(cfg, {
          redirect_uri: CALLBACK,
          scope: 'openid',
          state: 's',
          resource,
        });
        const response = await fetch(authUrl, { redirect: 'manual' });
        expect(response.status, await response.clone().text()).toBe(303);
        const location = new URL(response.headers.get('location') ?? '', authUrl);
        expect(location.searchParams.get('error')).toBe('invalid_target');
      }
    });
  });
});
