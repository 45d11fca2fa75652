import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { hashPassword } from '../../src/shared/passwords.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Issue 13 item 2, token part: client authentication at /oidc/token shares the console sign-in's
 * failure limiter (per client id and per source address, in the database); over the limit the
 * answer is 429 with Retry-After, before any Argon2 hash.
 */
describeEachDialect('/oidc/token: client authentication failure limit', (dialect) => {
  const clock = createManualClock(Date.parse('2026-12-01T10:00:00.000Z'));
  let env: TestEnv;
  const other = { id: 'limit-other-client', secret: 'the-other-clients-secret' };

  beforeAll(async () => {
    env = await createTestEnv(dialect, {
      clock,
      env: {
        IDHOOKS_TRUST_PROXY: 'true',
        IDHOOKS_AUTH_FAILURE_LIMIT: '5',
        IDHOOKS_AUTH_FAILURE_LIMIT_PER_ADDRESS: '8',
        IDHOOKS_AUTH_FAILURE_WINDOW_SECONDS: '600',
      },
    });
    await env.container.repos.applications.insertApplication({
      id: other.id,
      name: 'another admin client',
      description: null,
      type: 'MachineToMachine',
      secretHash: await hashPassword(other.secret),
      oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
      isAdmin: true,
      createdAt: clock.now(),
    });
  });
  afterAll(() => env?.close());

  const token = (clientId: string, clientSecret: string, ip: string, basic = false) =>
    env.app.request('/oidc/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': ip,
        ...(basic
          ? {
              authorization: `Basic ${Buffer.from(
                `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
              ).toString('base64')}`,
            }
          : {}),
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        ...(basic ? {} : { client_id: clientId, client_secret: clientSecret }),
        resource: env.container.config.managementApiResource,
        scope: 'all',
      }).toString(),
    });

  it('answers 429 with Retry-After after the per-client limit, even to the right secret, without hashing', async () => {
    const hashes = vi.spyOn(env.container.services.auth, 'authenticateClient');
    try {
      for (let i = 0; i < 5; i++) {
        const wrong = await token(env.admin.clientId, `wrong-${i}`, `10.0.0.${i}`, i % 2 === 0);
        expect(wrong.status).toBe(401);
        expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
      }
      expect(hashes).toHaveBeenCalledTimes(5);
      const refused = await token(env.admin.clientId, env.admin.clientSecret, '10.0.1.1');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBe(600);
      const body = (await refused.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: 'slow_down', code: 'request.too_many_attempts' });
      expect(body.message).toMatch(/Too many failed attempts/);
      expect(body).not.toHaveProperty('access_token');
      expect(hashes).toHaveBeenCalledTimes(5);
      // Another client's right secret still works meanwhile.
      expect((await token(other.id, other.secret, '10.0.1.2')).status).toBe(200);
      // The window passes: the right secret works and resets the client's count.
      clock.advance(600_000);
      expect((await token(env.admin.clientId, env.admin.clientSecret, '10.0.1.1')).status).toBe(200);
      for (let i = 0; i < 5; i++) {
        expect((await token(env.admin.clientId, `again-${i}`, `10.0.2.${i}`)).status).toBe(401);
      }
      expect((await token(env.admin.clientId, 'again-x', '10.0.2.9')).status).toBe(429);
    } finally {
      hashes.mockRestore();
      clock.advance(600_000);
    }
  });

  it('limits one address across client ids, and shares the budget with the console sign-in', async () => {
    for (let i = 0; i < 8; i++) {
      expect((await token(`client-${i}`, 'wrong', '10.9.9.9')).status).toBe(401);
    }
    const refused = await token('client-x', 'wrong', '10.9.9.9');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is unaffected, and a right secret from it works.
    expect((await token('client-y', 'wrong', '10.9.9.10')).status).toBe(401);
    expect((await token(other.id, other.secret, '10.9.9.10')).status).toBe(200);
    // The address's budget is the one the console sign-in counts too (scope client-auth:address).
    const counter = await env.container.repos.attemptCounters.reserve(
      { scope: 'client-auth:address', key: '10.9.9.9' },
      { max: 8, windowMs: 600_000 },
      clock.now(),
    );
    expect(counter.ok).toBe(false);
    clock.advance(600_000);
  });

  it('hashes at most the limit for 60 parallel wrong secrets; the others get 429', async () => {
    const hashes = vi.spyOn(env.container.services.auth, 'authenticateClient');
    try {
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => token(other.id, `parallel-${i}`, `10.1.${i}.1`)),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(55);
      expect(hashes).toHaveBeenCalledTimes(5);
      for (const r of responses.filter((r) => r.status === 429)) {
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The admin client is unaffected by the other client's failures.
      expect((await token(env.admin.clientId, env.admin.clientSecret, '10.2.0.1')).status).toBe(200);
    } finally {
      hashes.mockRestore();
      clock.advance(600_000);
    }
  });

  it('never refuses a client whose attempts all succeed', async () => {
    for (let i = 0; i < 12; i++) {
      expect((await token(other.id, other.secret, '10.3.0.1', i % 2 === 0)).status).toBe(200);
    }
  });
});
