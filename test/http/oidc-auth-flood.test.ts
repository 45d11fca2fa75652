import { afterAll, beforeAll, expect, it } from 'vitest';
import { countRows, expectStatus } from '../helpers/api.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Issue 13's flood limit meets issue 12's provider: a cookie-less `GET /oidc/auth` stores a provider
 * interaction, so new authorization requests are limited per source address like the hosted pages'
 * first posts; over the limit nothing is stored.
 */
describeEachDialect('/oidc/auth: new authorization requests limited per address', (dialect) => {
  const clock = createManualClock(Date.now());
  const CALLBACK = 'http://127.0.0.1:4478/callback';
  let env: TestEnv;
  let clientId: string;

  beforeAll(async () => {
    env = await createTestEnv(dialect, {
      clock,
      env: { IDHOOKS_TRUST_PROXY: 'true', IDHOOKS_INTERACTION_RATE_LIMIT: '3' },
    });
    const app = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/applications', {
        name: 'Flood web app',
        type: 'Traditional',
        oidcClientMetadata: { redirectUris: [CALLBACK], postLogoutRedirectUris: [] },
      }),
      200,
    );
    clientId = app.id;
  });
  afterAll(() => env?.close());

  const authorize = (ip: string) =>
    env.app.request(
      `/oidc/auth?${new URLSearchParams({
        client_id: clientId,
        redirect_uri: CALLBACK,
        response_type: 'code',
        scope: 'openid',
        state: 'flood-state',
      }).toString()}`,
      { headers: { 'x-forwarded-for': ip } },
    );

  it('answers 429 with Retry-After past the limit and stores no interaction for it', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await authorize('10.7.0.1');
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toContain(`/sign-in?app_id=${clientId}`);
    }
    const before = await countRows(env, 'oidcModelInstances');
    const refused = await authorize('10.7.0.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'slow_down', code: 'request.too_many_requests' });
    expect(await countRows(env, 'oidcModelInstances')).toBe(before);
    // Another address is unaffected; the window passes for the first one.
    expect((await authorize('10.7.0.2')).status).toBe(303);
    clock.advance(61_000);
    expect((await authorize('10.7.0.1')).status).toBe(303);
  });
});
