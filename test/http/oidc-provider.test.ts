import { decodeProtectedHeader, jwtVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcAdapterFactory, pruneExpiredOidcModels } from '../../src/services/oidc-adapter.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { expectStatus } from '../helpers/api.js';

/**
 * The OpenID Provider under /oidc: discovery, JWKS, the database adapter and the signing keys.
 */
describeEachDialect('OpenID Provider: discovery, keys and storage', (dialect) => {
  const clock = createManualClock(Date.now());
  let env: TestEnv;
  let issuer: string;

  beforeAll(async () => {
    env = await createTestEnv(dialect, { clock });
    issuer = `${env.container.config.endpoint}/oidc`;
  });
  afterAll(async () => env.close());

  const clientCredentialsToken = async () => {
    const response = await env.app.request('/oidc/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: env.admin.clientId,
        client_secret: env.admin.clientSecret,
        resource: env.container.config.managementApiResource,
        scope: 'all',
      }).toString(),
    });
    return (await expectStatus<{ access_token: string }>(response, 200)).access_token;
  };

  describe('discovery and JWKS', () => {
    it('publishes Logto-style endpoints under the issuer $IDHOOKS_ENDPOINT/oidc', async () => {
      const doc = await expectStatus<Record<string, unknown>>(
        await env.app.request('/oidc/.well-known/openid-configuration'),
        200,
      );
      expect(doc).toMatchObject({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        userinfo_endpoint: `${issuer}/me`,
        end_session_endpoint: `${issuer}/session/end`,
        revocation_endpoint: `${issuer}/token/revocation`,
        introspection_endpoint: `${issuer}/token/introspection`,
        id_token_signing_alg_values_supported: ['ES384'],
        code_challenge_methods_supported: ['S256'],
      });
      expect(doc.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
      );
    });

    it('publishes the public half of an EC P-384 key, never a private member', async () => {
      const response = await env.app.request('/oidc/jwks');
      const text = await response.text();
      expect(response.status).toBe(200);
      const jwks = JSON.parse(text) as { keys: Record<string, unknown>[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        expect(jwks.keys[0]).not.toHaveProperty(member);
      const stored = await env.container.repos.oidcKeys.listKeys();
      expect(text).not.toContain(String(stored[0]!.privateJwk.d));
    });

    it('signs access tokens with the published key', async () => {
      const token = await clientCredentialsToken();
      const jwks = JSON.parse(await (await env.app.request('/oidc/jwks')).text()) as { keys: [] };
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer });
      expect(payload.aud).toBe(env.container.config.managementApiResource);
    });
  });

  describe('signing key rotation', () => {
    it('keeps tokens of the previous key valid, publishes both, and signs with the new one after a restart', async () => {
      const before = await clientCredentialsToken();
      const oldKid = decodeProtectedHeader(before).kid;
      const rotated = await env.container.services.oidcKeys.rotate();
      expect(rotated.kid).not.toBe(oldKid);

      // A restarted node (a second container on the same database) publishes both and signs with the new key.
      const { createContainer } = await import('../../src/container.js');
      const { buildApp } = await import('../../src/app.js');
      const node = createContainer(env.container.config, { pgSchema: env.database.pgSchema, clock });
      try {
        await node.init();
        const app = buildApp(node);
        const jwks = JSON.parse(await (await app.request('/oidc/jwks')).text()) as {
          keys: { kid: string }[];
        };
        expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.kid, oldKid]);
        const response = await app.request('/oidc/token', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: env.admin.clientId,
            client_secret: env.admin.clientSecret,
            resource: env.container.config.managementApiResource,
          }).toString(),
        });
        const fresh = (await expectStatus<{ access_token: string }>(response, 200)).access_token;
        expect(decodeProtectedHeader(fresh).kid).toBe(rotated.kid);
        // The old node learns the new key on first sight of it; the new node accepts the old token.
        for (const [target, token] of [
          [env.app, fresh],
          [app, before],
        ] as const) {
          const users = await target.request('/api/users', { headers: { authorization: `Bearer ${token}` } });
          expect(users.status).toBe(200);
        }
        // Retiring the old key: its tokens stop verifying on a node that reloads its keys.
        expect(await node.services.oidcKeys.retireOldKeys()).toBe(1);
        const rejected = await app.request('/api/users', { headers: { authorization: `Bearer ${before}` } });
        expect(rejected.status).toBe(401);
      } finally {
        await node.close();
      }
    });
  });

  describe('database adapter', () => {
    const adapter = (name: string) =>
      createOidcAdapterFactory({
        models: env.container.repos.oidcModels,
        clock,
        findClient: () => Promise.resolve(undefined),
      })(name);

    it('stores, finds, consumes and destroys objects, by id and by uid', async () => {
      const sessions = adapter('Session');
      await sessions.upsert('s1', { uid: 'u1', accountId: 'user1', kind: 'Session' }, 60);
      expect(await sessions.find('s1')).toEqual({ uid: 'u1', accountId: 'user1', kind: 'Session' });
      expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'user1' });
      // The same id under another model is another object.
      expect(await adapter('Grant').find('s1')).toBeUndefined();
      await sessions.upsert('s1', { uid: 'u1', accountId: 'user2', kind: 'Session' }, 60);
      expect(await sessions.find('s1')).toMatchObject({ accountId: 'user2' });
      const codes = adapter('AuthorizationCode');
      await codes.upsert('c1', { grantId: 'g1', kind: 'AuthorizationCode' }, 60);
      await codes.consume('c1');
      expect((await codes.find('c1'))?.consumed).toBe(Math.floor(clock.now() / 1000));
      await sessions.destroy('s1');
      expect(await sessions.find('s1')).toBeUndefined();
      // A NUL cannot be stored in PostgreSQL text: it is simply not found, on both databases.
      expect(await sessions.find('s\u00001')).toBeUndefined();
    });

    it('revokes every object of a grant across models', async () => {
      await adapter('AuthorizationCode').upsert('c2', { grantId: 'g2' }, 60);
      await adapter('RefreshToken').upsert('r2', { grantId: 'g2' }, 60);
      await adapter('RefreshToken').upsert('r3', { grantId: 'g3' }, 60);
      await adapter('RefreshToken').revokeByGrantId('g2');
      expect(await adapter('AuthorizationCode').find('c2')).toBeUndefined();
      expect(await adapter('RefreshToken').find('r2')).toBeUndefined();
      expect(await adapter('RefreshToken').find('r3')).toBeDefined();
    });

    it('hides expired objects at once and prunes them', async () => {
      const tokens = adapter('AccessToken');
      await tokens.upsert('short', { kind: 'AccessToken' }, 10);
      await tokens.upsert('long', { kind: 'AccessToken' }, 1000);
      clock.advance(11_000);
      expect(await tokens.find('short')).toBeUndefined();
      expect(await tokens.find('long')).toBeDefined();
      expect(await pruneExpiredOidcModels(env.container.repos.oidcModels, clock, 1)).toBeGreaterThanOrEqual(
        1,
      );
      const left = await env.container.database.db
        .selectFrom('oidcModelInstances')
        .select('id')
        .where('expiresAt', '<=', clock.now())
        .execute();
      expect(left).toEqual([]);
      expect(await tokens.find('long')).toBeDefined();
    });

    it('sweeps expired rows by itself when interactions start, at most every five minutes', async () => {
      const sweeping = createOidcAdapterFactory({
        models: env.container.repos.oidcModels,
        clock,
        findClient: () => Promise.resolve(undefined),
      });
      await sweeping('AccessToken').upsert('stale', { kind: 'AccessToken' }, 1);
      clock.advance(6 * 60_000);
      await sweeping('Interaction').upsert('i1', { kind: 'Interaction' }, 600);
      const stale = await env.container.database.db
        .selectFrom('oidcModelInstances')
        .select('id')
        .where('id', '=', 'stale')
        .execute();
      expect(stale).toEqual([]);
    });
  });
});
