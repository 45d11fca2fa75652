import * as oc from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { expectStatus } from '../helpers/api.js';
import { answer, createHook, deleteHook, deliveriesOf, routeAnswers } from '../helpers/blocking.js';
import { CookieJar, signInWithPassword, startOidcServer, type OidcServer } from '../helpers/oidc.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { describeEachDialect } from '../helpers/test-db.js';

/**
 * `PreTokenIssue` (issue 15) through the provider's extraTokenClaims, with openid-client as the
 * relying party: claims added to the access token, reserved claims refused as a failure, a deny
 * and a closed-policy failure as OAuth errors, and tokens without a resource left alone.
 */

const CALLBACK = 'http://127.0.0.1:4479/callback';
const USER = { username: 'blocking_token_user', password: 'a long enough password 4' };
const INDICATOR = 'https://api.example.test/blocking';

describeEachDialect('Blocking hooks: PreTokenIssue', (dialect) => {
  let server: OidcServer;
  let receiver: Receiver;
  let app: { id: string; secret: string };
  let userId: string;
  const created: string[] = [];
  const insecure = { execute: [oc.allowInsecureRequests] };

  beforeAll(async () => {
    receiver = await startReceiver({ validateEvents: true });
    server = await startOidcServer(dialect, {
      env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32', IDHOOKS_RETRY_SCHEDULE: '1' },
    });
    const { env } = server;
    userId = (await expectStatus<{ id: string }>(await env.api('POST', '/api/users', USER), 200)).id;
    app = await expectStatus<{ id: string; secret: string }>(
      await env.api('POST', '/api/applications', {
        name: 'Blocking token app',
        type: 'Traditional',
        oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: [] },
      }),
      200,
    );
    const resource = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/resources', { name: 'Blocking', indicator: INDICATOR }),
      201,
    );
    const scope = await expectStatus<{ id: string }>(
      await env.api('POST', `/api/resources/${resource.id}/scopes`, { name: 'read:b', description: 'r' }),
      201,
    );
    const role = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/roles', {
        name: 'blocking-reader',
        description: 'r',
        scopeIds: [scope.id],
      }),
      200,
    );
    expect((await env.api('POST', `/api/users/${userId}/roles`, { roleIds: [role.id] })).status).toBeLessThan(
      300,
    );
  });
  afterEach(async () => {
    while (created.length > 0) await deleteHook(server.env, created.pop()!);
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const hook = async (path: string, config: Record<string, unknown> = {}) => {
    const made = await createHook(server.env, `${receiver.url}/${path}`, ['PreTokenIssue'], config);
    created.push(made.id);
    return made;
  };

  /** Signs in and redeems the code; the token request's result (tokens or the OAuth error). */
  async function tokenFor(resource?: string) {
    const cfg = await oc.discovery(
      new URL(server.issuer),
      app.id,
      app.secret,
      oc.ClientSecretBasic(app.secret),
      insecure,
    );
    const verifier = oc.randomPKCECodeVerifier();
    const authUrl = oc.buildAuthorizationUrl(cfg, {
      redirect_uri: CALLBACK,
      scope: 'openid offline_access read:b',
      state: 's',
      code_challenge: await oc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'consent',
      ...(resource ? { resource } : {}),
    });
    const flow = await signInWithPassword(new CookieJar(), server.baseUrl, authUrl.href, USER);
    return oc
      .authorizationCodeGrant(
        cfg,
        new URL(flow.callback),
        { pkceCodeVerifier: verifier, expectedState: 's' },
        resource ? { resource } : undefined,
      )
      .then((tokens) => ({ tokens, cfg }))
      .catch((error: unknown) => ({ error: error as oc.ResponseBodyError }));
  }

  it("adds the receivers' claims, merged in hook creation order, and records the calls", async () => {
    // The longest deadline: under load the first calls of a file also warm up connections and code.
    const first = await hook('claims1', { timeoutMs: 5000 });
    await hook('claims2', { timeoutMs: 5000 });
    routeAnswers(receiver, {
      claims1: answer({ decision: 'allow', claims: { tenant: 'acme', tier: 'basic' } }),
      claims2: answer({ decision: 'allow', claims: { tier: 'gold' } }),
    });
    const result = await tokenFor(INDICATOR);
    if (!('tokens' in result)) throw result.error;
    const claims = decodeJwt(result.tokens.access_token);
    expect(claims).toMatchObject({
      sub: userId,
      aud: INDICATOR,
      scope: 'read:b',
      tenant: 'acme',
      tier: 'gold',
    });
    const payload = JSON.parse(receiver.requests.at(-1)!.body);
    expect(Object.keys(payload)).toEqual([
      'event',
      'createdAt',
      'userId',
      'user',
      'application',
      'grantType',
      'resource',
      'scopes',
      'hookId',
    ]);
    expect(payload).toMatchObject({
      event: 'PreTokenIssue',
      userId,
      grantType: 'authorization_code',
      resource: INDICATOR,
      scopes: ['read:b'],
      application: { id: app.id },
    });
    // A refresh issues a new access token: asked again, with its grant type.
    const refreshed = await oc.refreshTokenGrant(result.cfg, result.tokens.refresh_token!, {
      resource: INDICATOR,
    });
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ tenant: 'acme', tier: 'gold' });
    expect(JSON.parse(receiver.requests.at(-1)!.body)).toMatchObject({ grantType: 'refresh_token' });
    const recorded = await deliveriesOf(server.env, first.id, 'PreTokenIssue');
    expect(recorded.map((d) => d.attempts[0]?.decision)).toEqual(['allow', 'allow']);
  });

  it('refuses reserved claims as a hook failure: open goes on without them, closed stops', async () => {
    const h = await hook('reserved');
    routeAnswers(receiver, {
      reserved: answer({ decision: 'allow', claims: { sub: 'someone-else', extra: 1 } }),
    });
    const result = await tokenFor(INDICATOR);
    if (!('tokens' in result)) throw result.error;
    const claims = decodeJwt(result.tokens.access_token);
    expect(claims.sub).toBe(userId);
    expect(claims).not.toHaveProperty('extra');
    const [call] = (await deliveriesOf(server.env, h.id, 'PreTokenIssue')).filter(
      (d) => d.attempts[0]?.decision,
    );
    expect(call!.attempts[0]).toMatchObject({ result: 'Error', decision: 'skipped' });
    expect(call!.attempts[0]!.error).toMatch(/reserved claims: sub/);

    created.pop();
    await server.env.api('DELETE', `/api/hooks/${h.id}`);
    await hook('reserved', { failurePolicy: 'closed' });
    const refused = await tokenFor(INDICATOR);
    // openid-client reads only 4xx bodies as OAuth errors; the 503 response is the error's cause.
    const response = ('error' in refused ? refused.error.cause : undefined) as Response | undefined;
    expect(response?.status).toBe(503);
    expect(await response?.json()).toMatchObject({
      error: 'temporarily_unavailable',
      code: 'oidc.temporarily_unavailable',
    });
  });

  it('a deny is an access_denied carrying the receiver message', async () => {
    await hook('deny');
    routeAnswers(receiver, { deny: answer({ decision: 'deny', message: 'No tokens on Sundays.' }) });
    const result = await tokenFor(INDICATOR);
    expect('error' in result).toBe(true);
    if (!('error' in result)) return;
    expect(result.error.error).toBe('access_denied');
    expect(result.error.error_description).toBe('No tokens on Sundays.');
  });

  it('does not ask for tokens without an API resource', async () => {
    await hook('never');
    routeAnswers(receiver, { never: answer({ decision: 'deny', message: 'should not be asked' }) });
    const before = receiver.requests.length;
    const result = await tokenFor();
    expect('tokens' in result).toBe(true);
    expect(receiver.requests.length).toBe(before);
  });
});
