import {
  SignJWT,
  UnsecuredJWT,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { createManualClock } from '../../src/shared/clock.js';
import { hashPassword } from '../../src/shared/passwords.js';
import { createTestDatabase, createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * `POST /oidc/token` (client credentials, Logto's Management API access) and the bearer-token guard
 * in front of every `/api/*` route except `/api/status`.
 */

const LOGTO_OSS_RESOURCE = 'https://default.logto.app/api';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}
interface ErrorBody {
  code: string;
  message: string;
  error?: string;
  error_description?: string;
}

/**
 * The /api routes that answer without a Management API token, as in Logto: the health checks, the
 * OpenAPI document and its reference page (they describe the API and grant nothing), and the
 * end-user Experience API (authenticated by its interaction cookie instead). Adding a public route
 * is a security decision: extend this list in the same change, deliberately.
 */
const isPublicApiRoute = (path: string) =>
  path === '/api/status' ||
  path === '/api/status/ready' ||
  path === '/api/swagger.json' ||
  path === '/api/docs' ||
  path.startsWith('/api/docs/') ||
  path === '/api/experience' ||
  path.startsWith('/api/experience/');

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describeEachDialect('OIDC token endpoint and API authentication', (dialect) => {
  // The provider stamps tokens with the wall clock, so the verifier's injected clock starts there.
  const clock = createManualClock(Date.now());
  let env: TestEnv;
  let resource: string;
  let issuer: string;

  beforeAll(async () => {
    env = await createTestEnv(dialect, { clock });
    resource = env.container.config.managementApiResource;
    issuer = `${env.container.config.endpoint}/oidc`;
  });
  afterAll(async () => env.close());

  const requestToken = (params: Record<string, string>, headers: Record<string, string> = FORM) =>
    env.app.request('/oidc/token', {
      method: 'POST',
      headers,
      body: new URLSearchParams(params).toString(),
    });
  const validParams = () => ({
    grant_type: 'client_credentials',
    client_id: env.admin.clientId,
    client_secret: env.admin.clientSecret,
    resource,
    scope: 'all',
  });
  const issue = async (params: Record<string, string> = validParams()) => {
    const response = await requestToken(params);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as TokenBody;
  };
  const getUsers = (authorization?: string) =>
    env.app.request('/api/users', { headers: authorization === undefined ? {} : { authorization } });
  /** The provider's current private signing key, straight from the database. */
  const serverKey = async () => {
    const row = await env.container.database.db
      .selectFrom('oidcSigningKeys')
      .select(['privateJwk', 'kid'])
      .orderBy('generation', 'desc')
      .executeTakeFirstOrThrow();
    return { key: await importJWK(JSON.parse(row.privateJwk) as JWK, 'ES384'), kid: row.kid };
  };
  /** A token like the server's, signed with `key`, with `claims` overriding the usual ones. */
  const forge = async (
    claims: JWTPayload = {},
    key?: Parameters<SignJWT['sign']>[0],
    header: { alg: string; typ: string; kid?: string } = { alg: 'ES384', typ: 'at+jwt' },
  ) => {
    const server = await serverKey();
    // Wall clock, as the provider stamps tokens, and a second ahead: the secret-rotation test revokes
    // every admin token issued up to its second, and a forged baseline must not fall among them.
    const now = Math.floor(Date.now() / 1000) + 2;
    return new SignJWT({
      iss: issuer,
      aud: resource,
      sub: env.admin.clientId,
      client_id: env.admin.clientId,
      scope: 'all',
      iat: now,
      exp: now + 600,
      ...claims,
    })
      .setProtectedHeader({ kid: server.kid, ...header })
      .sign(key ?? server.key);
  };

  describe('happy path', () => {
    it('issues a Bearer JWT for client credentials sent in the form body', async () => {
      const response = await requestToken(validParams());
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as TokenBody;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'all' });

      const { kid, ...header } = decodeProtectedHeader(body.access_token);
      expect(header).toEqual({ alg: 'ES384', typ: 'at+jwt' });
      expect(kid).toBe((await serverKey()).kid);
      const claims = decodeJwt(body.access_token);
      // Stamped by the provider with the wall clock.
      const now = Math.floor(Date.now() / 1000);
      expect(claims).toMatchObject({
        iss: issuer,
        aud: resource,
        sub: env.admin.clientId,
        client_id: env.admin.clientId,
        scope: 'all',
      });
      expect(Math.abs(claims.iat! - now)).toBeLessThanOrEqual(5);
      expect(claims.exp).toBe(claims.iat! + 3600);
      expect(claims.jti).toMatch(/^[\w-]{20,}$/);

      expect((await getUsers(`Bearer ${body.access_token}`)).status).toBe(200);
    });

    it('accepts the credentials with HTTP Basic, form-urlencoded as RFC 6749 §2.3.1 asks', async () => {
      // A second admin application whose id and secret need encoding (`:`, `%`, `+`, space).
      const awkward = { id: 'ops+bot 1', secret: 'p@ss:w%rd+with spaces' };
      await env.container.repos.applications.insertApplication({
        id: awkward.id,
        name: 'awkward admin',
        description: null,
        type: 'MachineToMachine',
        secretHash: await hashPassword(awkward.secret),
        oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
        isAdmin: true,
        createdAt: clock.now(),
      });
      const { grant_type, resource: target, scope } = validParams();
      for (const [id, secret] of [
        [env.admin.clientId, env.admin.clientSecret],
        [awkward.id, awkward.secret],
      ]) {
        const response = await requestToken(
          { grant_type, resource: target, scope },
          { ...FORM, authorization: basic(id ?? '', secret ?? '') },
        );
        expect(response.status, await response.clone().text()).toBe(200);
        const { access_token } = (await response.json()) as TokenBody;
        expect(decodeJwt(access_token).sub).toBe(id);
        expect((await getUsers(`Bearer ${access_token}`)).status).toBe(200);
      }
    });

    it("accepts Logto OSS's fixed indicator https://default.logto.app/api as the resource", async () => {
      const { access_token } = await issue({ ...validParams(), resource: LOGTO_OSS_RESOURCE });
      expect(decodeJwt(access_token).aud).toBe(LOGTO_OSS_RESOURCE);
      expect((await getUsers(`Bearer ${access_token}`)).status).toBe(200);
    });

    it('defaults a missing scope to all, and takes a content type with a charset', async () => {
      const { scope: _omitted, ...params } = validParams();
      const response = await requestToken(params, {
        'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as TokenBody).scope).toBe('all');
    });

    it('keeps a token valid while it has not expired', async () => {
      const { access_token } = await issue();
      expect((await getUsers(`Bearer ${access_token}`)).status).toBe(200);
      // A second use comes from the verified-token cache and is still accepted.
      expect((await getUsers(`Bearer ${access_token}`)).status).toBe(200);
    });

    it('persists the signing key: a second container on the same database accepts the token', async () => {
      const { access_token } = await issue();
      const second = createContainer(env.container.config, { pgSchema: env.database.pgSchema, clock });
      try {
        await second.init();
        const response = await buildApp(second).request('/api/users', {
          headers: { authorization: `Bearer ${access_token}` },
        });
        expect(response.status).toBe(200);
      } finally {
        await second.close();
      }
    });
  });

  describe('admin application bootstrap', () => {
    /** Another container on this test's database, configured with `vars`. */
    const sibling = (vars: Record<string, string>) =>
      createContainer(
        loadConfig({
          DATABASE_URL: env.database.url,
          IDHOOKS_LOG_LEVEL: 'silent',
          IDHOOKS_ENDPOINT: env.container.config.endpoint,
          ...vars,
        }),
        { pgSchema: env.database.pgSchema, clock },
      );

    it('rotates the admin secret when IDHOOKS_ADMIN_CLIENT_SECRET changes', async () => {
      const rotated = 'rotated-admin-secret-0123456789';
      const other = sibling({
        IDHOOKS_ADMIN_CLIENT_ID: env.admin.clientId,
        IDHOOKS_ADMIN_CLIENT_SECRET: rotated,
      });
      try {
        await other.init();
        expect(await other.services.auth.ensureAdminApplication()).toEqual({
          clientId: env.admin.clientId,
          generatedSecret: undefined,
        });
        expect((await requestToken({ ...validParams(), client_secret: rotated })).status).toBe(200);
        expect((await requestToken(validParams())).status).toBe(401);
        // And back, so the other tests keep their credentials.
        await env.container.services.auth.ensureAdminApplication();
        expect((await requestToken(validParams())).status).toBe(200);
      } finally {
        await other.close();
      }
    });

    it('refuses to make an ordinary application the admin through IDHOOKS_ADMIN_CLIENT_ID', async () => {
      const plain = { id: 'plain-for-takeover', secret: 'plain-takeover-secret-0123' };
      await env.container.repos.applications.insertApplication({
        id: plain.id,
        name: 'plain',
        description: null,
        type: 'MachineToMachine',
        secretHash: await hashPassword(plain.secret),
        oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
        isAdmin: false,
        createdAt: clock.now(),
      });
      const other = sibling({
        IDHOOKS_ADMIN_CLIENT_ID: plain.id,
        IDHOOKS_ADMIN_CLIENT_SECRET: 'attacker-chosen-secret-0123',
      });
      try {
        await other.init();
        await expect(other.services.auth.ensureAdminApplication()).rejects.toThrow(/not an admin/);
        const stored = await env.container.repos.applications.findApplicationById(plain.id);
        expect(stored?.isAdmin).toBe(false);
        expect(
          (
            await requestToken({
              ...validParams(),
              client_id: plain.id,
              client_secret: 'attacker-chosen-secret-0123',
            })
          ).status,
        ).toBe(401);
      } finally {
        await other.close();
      }
    });

    it('lets several processes with the same configuration bootstrap a fresh database at once', async () => {
      const database = await createTestDatabase(dialect);
      const vars = {
        DATABASE_URL: database.url,
        IDHOOKS_LOG_LEVEL: 'silent',
        IDHOOKS_ADMIN_CLIENT_ID: 'racing-admin',
        IDHOOKS_ADMIN_CLIENT_SECRET: 'racing-admin-secret-0123456789',
      };
      const containers = [1, 2, 3].map(() =>
        createContainer(loadConfig(vars), { pgSchema: database.pgSchema }),
      );
      try {
        for (const container of containers) await container.init();
        const results = await Promise.all(containers.map((c) => c.services.auth.ensureAdminApplication()));
        expect(results.map((r) => r.clientId)).toEqual(['racing-admin', 'racing-admin', 'racing-admin']);
        // One signing key, whichever process created it, and every process publishes it.
        const keys = await containers[0]!.repos.oidcKeys.listKeys();
        expect(keys).toHaveLength(1);
        for (const container of containers) {
          expect(container.services.oidcKeys.publicJwks().keys.map((k) => k.kid)).toEqual([keys[0]!.kid]);
        }
      } finally {
        await Promise.all(containers.map((c) => c.close()));
        await database.drop();
      }
    });
  });

  describe('bad token requests: a clear OAuth error and no token', () => {
    const expectOAuthError = async (
      response: Response,
      status: number,
      code: string,
      error: string,
      message?: RegExp,
    ) => {
      const text = await response.text();
      expect(response.status, text).toBe(status);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = JSON.parse(text) as ErrorBody;
      expect(body).toMatchObject({ code, error });
      expect(body.message).toBeTruthy();
      expect(body.error_description).toBe(body.message);
      if (message) expect(body.message).toMatch(message);
      expect(text).not.toContain('access_token');
      expect(text).not.toContain(env.admin.clientSecret);
    };

    it('rejects a wrong secret and an unknown client alike with 401 invalid_client', async () => {
      await expectOAuthError(
        await requestToken({ ...validParams(), client_secret: 'wrong-secret-0123456789' }),
        401,
        'oidc.invalid_client',
        'invalid_client',
      );
      await expectOAuthError(
        await requestToken({ ...validParams(), client_id: 'no-such-client' }),
        401,
        'oidc.invalid_client',
        'invalid_client',
      );
    });

    it('rejects missing credentials, and wrong ones over HTTP Basic with a WWW-Authenticate header', async () => {
      const { client_id: _id, client_secret: _secret, ...anonymous } = validParams();
      await expectOAuthError(await requestToken(anonymous), 401, 'oidc.invalid_client', 'invalid_client');
      const response = await requestToken(anonymous, {
        ...FORM,
        authorization: basic(env.admin.clientId, 'wrong-secret-0123456789'),
      });
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
      await expectOAuthError(response, 401, 'oidc.invalid_client', 'invalid_client');
    });

    it('answers malformed HTTP Basic credentials with 401, not a server error', async () => {
      const { client_id: _id, client_secret: _secret, ...anonymous } = validParams();
      for (const raw of ['no-colon-here', 'bad%zzid:secret', `${env.admin.clientId}:%E0%A4%A`]) {
        const response = await requestToken(anonymous, {
          ...FORM,
          authorization: `Basic ${Buffer.from(raw).toString('base64')}`,
        });
        await expectOAuthError(response, 401, 'oidc.invalid_client', 'invalid_client');
      }
    });

    it('rejects credentials sent both with HTTP Basic and in the body', async () => {
      const response = await requestToken(validParams(), {
        ...FORM,
        authorization: basic(env.admin.clientId, env.admin.clientSecret),
      });
      await expectOAuthError(response, 400, 'oidc.invalid_request', 'invalid_request', /either/);
    });

    it('rejects a missing grant_type and a repeated parameter with 400 invalid_request', async () => {
      // (`resource` may repeat, RFC 8707; client credentials then answers invalid_target.)
      const { grant_type: _grant, ...params } = validParams();
      await expectOAuthError(
        await requestToken(params),
        400,
        'oidc.invalid_request',
        'invalid_request',
        /grant_type/,
      );
      const repeated = `${new URLSearchParams(validParams()).toString()}&scope=all`;
      const response = await env.app.request('/oidc/token', {
        method: 'POST',
        headers: FORM,
        body: repeated,
      });
      await expectOAuthError(response, 400, 'oidc.invalid_request', 'invalid_request', /scope/);
    });

    it('rejects grant_type=password with 400 unsupported_grant_type', async () => {
      await expectOAuthError(
        await requestToken({ ...validParams(), grant_type: 'password', username: 'a', password: 'b' }),
        400,
        'oidc.unsupported_grant_type',
        'unsupported_grant_type',
        /grant_type/,
      );
    });

    it('rejects a missing or unknown resource with 400 invalid_target naming the right one', async () => {
      const { resource: _resource, ...params } = validParams();
      await expectOAuthError(
        await requestToken(params),
        400,
        'oidc.invalid_target',
        'invalid_target',
        new RegExp(resource.replace(/[.:/]/g, '\\$&')),
      );
      await expectOAuthError(
        await requestToken({ ...validParams(), resource: 'https://api.example.com' }),
        400,
        'oidc.invalid_target',
        'invalid_target',
        /api\.example\.com/,
      );
      // The refusal names what would have been accepted, so a first run can correct itself.
      const refused = await requestToken({ ...validParams(), resource: 'http://localhost:1/api' });
      const { message } = (await refused.json()) as { message: string };
      expect(message).toContain(resource);
      expect(message).toContain(LOGTO_OSS_RESOURCE);
    });

    it('rejects any scope other than all with 400 invalid_scope', async () => {
      for (const scope of ['read:users', 'all write', 'openid']) {
        await expectOAuthError(
          await requestToken({ ...validParams(), scope }),
          400,
          'oidc.invalid_scope',
          'invalid_scope',
        );
      }
    });

    it('refuses a machine-to-machine application that is not the admin application', async () => {
      const other = { id: 'plain-m2m-app', secret: 'plain-m2m-secret-0123456789' };
      await env.container.repos.applications.insertApplication({
        id: other.id,
        name: 'plain m2m',
        description: null,
        type: 'MachineToMachine',
        secretHash: await hashPassword(other.secret),
        oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
        isAdmin: false,
        createdAt: clock.now(),
      });
      await expectOAuthError(
        await requestToken({ ...validParams(), client_id: other.id, client_secret: other.secret }),
        400,
        'oidc.invalid_scope',
        'invalid_scope',
        /Management API/,
      );
    });

    it('rejects a JSON or multipart body with 400 invalid_request', async () => {
      const json = await env.app.request('/oidc/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(validParams()),
      });
      await expectOAuthError(json, 400, 'oidc.invalid_request', 'invalid_request', /x-www-form-urlencoded/);
      const multipart = new FormData();
      for (const [name, value] of Object.entries(validParams())) multipart.set(name, value);
      const response = await env.app.request('/oidc/token', { method: 'POST', body: multipart });
      await expectOAuthError(response, 400, 'oidc.invalid_request', 'invalid_request');
    });
  });

  describe('security: every Management API route needs a valid token for this resource', () => {
    /** Every 401 is Logto-shaped, carries a request id and says nothing about the data behind it. */
    const expectUnauthorized = async (response: Response, code = 'auth.unauthorized') => {
      const text = await response.text();
      expect(response.status, text).toBe(401);
      expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-z]{21}$/);
      expect(response.headers.get('content-type')).toContain('application/json');
      const body = JSON.parse(text) as ErrorBody;
      expect(body.code).toBe(code);
      expect(body.message).toBeTruthy();
      expect(Object.keys(body).every((key) => ['code', 'message', 'data'].includes(key))).toBe(true);
      return body;
    };

    it('rejects a request without an Authorization header', async () => {
      await expectUnauthorized(await getUsers(), 'auth.authorization_header_missing');
    });

    it('rejects schemes other than Bearer, and a Bearer header without exactly one token', async () => {
      const { access_token } = await issue();
      for (const header of [
        basic(env.admin.clientId, env.admin.clientSecret),
        `Token ${access_token}`,
        access_token,
        'Bearer',
        `Bearer ${access_token} extra`,
      ]) {
        await expectUnauthorized(await getUsers(header), 'auth.authorization_token_type_not_supported');
      }
    });

    it('rejects an expired token, saying it expired', async () => {
      // Signed with the server's own key, so only the expiry (wall clock, as the provider stamps it) fails.
      const past = Math.floor(Date.now() / 1000) - 7200;
      const expired = await forge({ iat: past, exp: past + 3600 });
      const body = await expectUnauthorized(await getUsers(`Bearer ${expired}`));
      expect(body.message).toMatch(/expired/i);
    });

    it('refuses a token once it expires, though accepted (and cached as verified) just before', async () => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const shortLived = await forge({ exp });
      expect((await getUsers(`Bearer ${shortLived}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
      const body = await expectUnauthorized(await getUsers(`Bearer ${shortLived}`));
      expect(body.message).toMatch(/expired/i);
    });

    it('rejects a token for another resource, even signed with the server key', async () => {
      await expectUnauthorized(await getUsers(`Bearer ${await forge({ aud: 'https://api.example.com' })}`));
      await expectUnauthorized(await getUsers(`Bearer ${await forge({ aud: [] })}`));
    });

    it('rejects a token from another issuer, without all, without exp or of another type', async () => {
      // The forged baseline itself is accepted, so each rejection below is down to the one change.
      expect((await getUsers(`Bearer ${await forge()}`)).status).toBe(200);
      await expectUnauthorized(
        await getUsers(`Bearer ${await forge({ iss: 'https://evil.example.com/oidc' })}`),
      );
      await expectUnauthorized(await getUsers(`Bearer ${await forge({ scope: 'read:users' })}`));
      await expectUnauthorized(await getUsers(`Bearer ${await forge({ exp: undefined })}`));
      await expectUnauthorized(await getUsers(`Bearer ${await forge({ sub: undefined })}`));
      await expectUnauthorized(
        await getUsers(`Bearer ${await forge({}, undefined, { alg: 'ES384', typ: 'JWT' })}`),
      );
    });

    it('rejects a tampered token: a changed signature or a changed payload', async () => {
      const { access_token } = await issue();
      const [header, payload, signature = ''] = access_token.split('.');
      // Flip a character in the middle: the last one of a base64url signature may only carry padding bits.
      const i = Math.floor(signature.length / 2);
      const flipped = `${signature.slice(0, i)}${signature[i] === 'A' ? 'B' : 'A'}${signature.slice(i + 1)}`;
      await expectUnauthorized(await getUsers(`Bearer ${header}.${payload}.${flipped}`));

      const claims = { ...decodeJwt(access_token), sub: 'someone-else', exp: 4_102_444_800 };
      const forgedPayload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      await expectUnauthorized(await getUsers(`Bearer ${header}.${forgedPayload}.${signature}`));
      await expectUnauthorized(await getUsers(`Bearer ${header}.${payload}`));
      await expectUnauthorized(await getUsers('Bearer not-a-jwt'));
    });

    it('rejects a token signed with another key', async () => {
      const { privateKey } = await generateKeyPair('ES384');
      await expectUnauthorized(await getUsers(`Bearer ${await forge({}, privateKey)}`));
    });

    it('rejects alg: none', async () => {
      const now = Math.floor(clock.now() / 1000);
      const unsigned = new UnsecuredJWT({ scope: 'all', client_id: env.admin.clientId })
        .setIssuer(issuer)
        .setAudience(resource)
        .setSubject(env.admin.clientId)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .encode();
      await expectUnauthorized(await getUsers(`Bearer ${unsigned}`));
    });

    it('guards every route the app registers under /api, and unknown /api paths too', async () => {
      const routes = env.app.routes
        .filter(
          (route) => route.path.startsWith('/api/') && route.method !== 'ALL' && !route.path.includes('*'),
        )
        .filter((route) => !isPublicApiRoute(route.path));
      const unique = [...new Map(routes.map((route) => [`${route.method} ${route.path}`, route])).values()];
      expect(unique.length).toBeGreaterThanOrEqual(10);
      // Paths that only look like public ones must not slip through a prefix check.
      const lookalikes = ['/api/no-such-route', '/api/statusx', '/api/experiences', '/api/experience-admin'];
      for (const route of [...unique, ...lookalikes.map((path) => ({ method: 'GET', path }))]) {
        const path = route.path.replace(/:(\w+)/g, 'some-$1');
        const response = await env.app.request(path, {
          method: route.method,
          headers: { 'content-type': 'application/json' },
          body: ['GET', 'HEAD'].includes(route.method) ? undefined : '{}',
        });
        expect(response.status, `${route.method} ${route.path} answered without a token`).toBe(401);
        expect(((await response.json()) as ErrorBody).code).toBe('auth.authorization_header_missing');
      }
    });

    it('answers /api/status without a token', async () => {
      expect((await env.app.request('/api/status')).status).toBe(204);
    });
  });
});
