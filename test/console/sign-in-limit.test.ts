import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { CONSOLE_ORIGIN, cookieFrom, openSignIn } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Issue 13 item 2: console sign-in failures are limited per client id and per source address,
 * shared through the database; over the limit the answer is 429 with Retry-After, before any
 * Argon2 hash.
 */
describeEachDialect('console: sign-in failure limit', (dialect) => {
  const clock = createManualClock(Date.parse('2026-12-01T10:00:00.000Z'));
  let env: TestEnv;

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
  });
  afterAll(() => env?.close());

  async function signIn(clientId: string, clientSecret: string, ip: string) {
    const { cookie, token } = await openSignIn(env);
    return env.app.request('/console/sign-in', {
      method: 'POST',
      headers: {
        cookie,
        origin: CONSOLE_ORIGIN,
        'x-forwarded-for': ip,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: token, clientId, clientSecret }).toString(),
    });
  }

  it('answers 429 with Retry-After after the per-client limit, even to the right secret, without hashing', async () => {
    const hashes = vi.spyOn(env.container.services.auth, 'authenticateClient');
    try {
      for (let i = 0; i < 5; i++) {
        expect((await signIn(env.admin.clientId, `wrong-${i}`, `10.0.0.${i}`)).status).toBe(401);
      }
      expect(hashes).toHaveBeenCalledTimes(5);
      const refused = await signIn(env.admin.clientId, env.admin.clientSecret, '10.0.1.1');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBe(600);
      expect(await refused.text()).toMatch(/Too many failed sign-ins/);
      expect(cookieFrom(refused, 'idhooks_console')).toBeUndefined();
      expect(hashes).toHaveBeenCalledTimes(5);
      // The window passes: the right secret works and resets the client's count.
      clock.advance(600_000);
      expect((await signIn(env.admin.clientId, env.admin.clientSecret, '10.0.1.1')).status).toBe(303);
      expect((await signIn(env.admin.clientId, 'wrong-again', '10.0.1.2')).status).toBe(401);
    } finally {
      hashes.mockRestore();
      clock.advance(600_000);
    }
  });

  it('limits one address across client ids', async () => {
    for (let i = 0; i < 8; i++) {
      expect((await signIn(`client-${i}`, 'wrong', '10.9.9.9')).status).toBe(401);
    }
    const refused = await signIn('client-x', 'wrong', '10.9.9.9');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // Another address is unaffected.
    expect((await signIn('client-y', 'wrong', '10.9.9.10')).status).toBe(401);
    clock.advance(600_000);
  });

  it('hashes at most the limit for 100 parallel wrong secrets', async () => {
    const hashes = vi.spyOn(env.container.services.auth, 'authenticateClient');
    try {
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => signIn(env.admin.clientId, `parallel-${i}`, `10.1.${i}.1`)),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(95);
      expect(hashes).toHaveBeenCalledTimes(5);
    } finally {
      hashes.mockRestore();
      clock.advance(600_000);
    }
  });
});
