import * as oc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { createManualClock } from '../../src/shared/clock.js';
import { expectStatus } from '../helpers/api.js';
import { CookieJar, signInWithPassword, startOidcServer, type OidcServer } from '../helpers/oidc.js';
import { describeEachDialect } from '../helpers/test-db.js';

/**
 * Access ends at once: suspending or deleting a user ends their sessions, grants and tokens; a new
 * application secret ends the tokens and console sessions issued to the application (issue 13 item 4).
 */

const CALLBACK = 'http://127.0.0.1:4479/callback';
const PASSWORD = 'a long enough password 4';

describeEachDialect('OIDC revocation', (dialect) => {
  const clock = createManualClock(Date.now());
  let server: OidcServer;
  let spaId: string;
  const insecure = { execute: [oc.allowInsecureRequests] };

  beforeAll(async () => {
    server = await startOidcServer(dialect, { clock });
    spaId = (
      await expectStatus<{ id: string }>(
        await server.env.api('POST', '/api/applications', {
          name: 'Revocation SPA',
          type: 'SPA',
          oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: [] },
        }),
        200,
      )
    ).id;
  });
  afterAll(async () => server?.close());

  async function signedInUser(
    username: string,
    client: { id: string; auth: oc.ClientAuth } = { id: spaId, auth: oc.None() },
  ) {
    const user = await expectStatus<{ id: string }>(
      await server.env.api('POST', '/api/users', { username, password: PASSWORD }),
      200,
    );
    const config = await oc.discovery(new URL(server.issuer), client.id, undefined, client.auth, insecure);
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
    const flow = await signInWithPassword(jar, server.baseUrl, authUrl.href, {
      username,
      password: PASSWORD,
    });
    const tokens = await oc.authorizationCodeGrant(config, new URL(flow.callback), {
      pkceCodeVerifier: verifier,
      expectedState: 's',
    });
    const silent = new URL(authUrl);
    silent.searchParams.set('prompt', 'none');
    return { user, config, tokens, jar, silent };
  }

  const rowsOf = (userId: string) =>
    server.env.container.database.db
      .selectFrom('oidcModelInstances')
      .select('modelName')
      .where('accountId', '=', userId)
      .execute();

  async function expectSignedOutEverywhere(state: Awaited<ReturnType<typeof signedInUser>>) {
    expect(await rowsOf(state.user.id)).toEqual([]);
    await expect(oc.refreshTokenGrant(state.config, state.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const me = await fetch(`${server.issuer}/me`, {
      headers: { authorization: `Bearer ${state.tokens.access_token}` },
    });
    expect(me.status).toBe(401);
    // The provider session is gone: prompt=none cannot sign in silently.
    const response = await state.jar.fetch(state.silent.href);
    expect(new URL(response.headers.get('location') ?? '', state.silent).searchParams.get('error')).toBe(
      'login_required',
    );
  }

  it('suspending a user ends their sessions, grants and tokens in the same change', async () => {
    const state = await signedInUser('revoke_suspended');
    expect((await rowsOf(state.user.id)).map((r) => r.modelName)).toEqual(
      expect.arrayContaining(['Session', 'Grant', 'RefreshToken']),
    );
    await expectStatus(
      await server.env.api('PATCH', `/api/users/${state.user.id}/is-suspended`, { isSuspended: true }),
      200,
    );
    await expectSignedOutEverywhere(state);
  });

  it('deleting a user does the same', async () => {
    const state = await signedInUser('revoke_deleted');
    expect((await server.env.api('DELETE', `/api/users/${state.user.id}`)).status).toBe(204);
    await expectSignedOutEverywhere(state);
  });

  describe('a new application secret', () => {
    it("rotated in the console ends the application's grants and refresh tokens", async () => {
      const app = await expectStatus<{ id: string; secret: string }>(
        await server.env.api('POST', '/api/applications', {
          name: 'Revocation web app',
          type: 'Traditional',
          oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: [] },
        }),
        200,
      );
      const state = await signedInUser('revoke_rotated', {
        id: app.id,
        auth: oc.ClientSecretPost(app.secret),
      });
      const grantsOfApp = () =>
        server.env.container.database.db
          .selectFrom('oidcModelInstances')
          .select('modelName')
          .where('clientId', '=', app.id)
          .execute();
      expect((await grantsOfApp()).map((r) => r.modelName)).toEqual(expect.arrayContaining(['RefreshToken']));

      const { secret } = await server.env.container.services.applications.rotateSecret(app.id);
      expect(secret).not.toBe(app.secret);
      expect((await grantsOfApp()).filter((r) => r.modelName !== 'Session')).toEqual([]);
      // The old secret is refused, and so is the refresh token it obtained, even with the new secret.
      await expect(oc.refreshTokenGrant(state.config, state.tokens.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_client',
      });
      const withNewSecret = await oc.discovery(
        new URL(server.issuer),
        app.id,
        undefined,
        oc.ClientSecretPost(secret),
        insecure,
      );
      await expect(oc.refreshTokenGrant(withNewSecret, state.tokens.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    });

    it('ends the admin tokens and console sessions issued before it', async () => {
      const { env } = server;
      const oldToken = await env.token();
      const users = (token: string) =>
        env.app.request('/api/users', { headers: { authorization: `Bearer ${token}` } });
      expect((await users(oldToken)).status).toBe(200);
      const consoleSession = await env.container.services.consoleSessions.signIn(
        env.admin.clientId,
        env.admin.clientSecret,
      );
      expect(consoleSession).toBeDefined();
      // Tokens carry whole seconds: let the revocation fall in a later second than the old token.
      await new Promise((resolve) => setTimeout(resolve, 1100));

      const rotated = 'rotated-admin-secret-for-revocation';
      const node = createContainer(
        loadConfig({
          DATABASE_URL: env.database.url,
          IDHOOKS_LOG_LEVEL: 'silent',
          IDHOOKS_ENDPOINT: env.container.config.endpoint,
          IDHOOKS_ADMIN_CLIENT_ID: env.admin.clientId,
          IDHOOKS_ADMIN_CLIENT_SECRET: rotated,
        }),
        { pgSchema: env.database.pgSchema, clock },
      );
      try {
        await node.init();
        await node.services.auth.ensureAdminApplication();
        // This node learns of the revocation within its recheck interval (2 s).
        clock.advance(3000);
        const refused = await users(oldToken);
        expect(refused.status).toBe(401);
        expect(await refused.json()).toMatchObject({ code: 'auth.unauthorized', message: /revoked/ });
        expect(
          await env.container.services.consoleSessions.findSession(consoleSession!.token),
        ).toBeUndefined();
        // The new secret works; a token obtained with it is accepted once the second has turned.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const response = await env.app.request('/oidc/token', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: env.admin.clientId,
            client_secret: rotated,
            resource: env.container.config.managementApiResource,
          }).toString(),
        });
        const { access_token } = await expectStatus<{ access_token: string }>(response, 200);
        expect((await users(access_token)).status).toBe(200);
      } finally {
        // Back to the configured secret for the other tests of this file.
        await env.container.services.auth.ensureAdminApplication();
        await node.close();
      }
    });
  });
});
