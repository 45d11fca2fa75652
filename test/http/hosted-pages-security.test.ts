import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { countRows, expectRejected, expectStatus, snapshotCounts } from '../helpers/api.js';
import { insertSpaApplication, TestBrowser } from '../helpers/experience.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Issue 13 items 3 (login CSRF), 5 (no rows for cookie-less visitors, pruning, per-address rate
 * limit) and 6 (no framing) on the hosted pages and the Experience API.
 */
const PASSWORD = 'Correct-Horse-42';
const ORIGIN = 'http://localhost';
const STATE_TABLES = ['interactions', 'experienceSessions', 'users', 'events'] as const;

describeEachDialect('hosted pages: CSRF, framing, lazy state and flood limits', (dialect) => {
  const clock = createManualClock(Date.parse('2026-12-01T09:00:00.000Z'));
  let env: TestEnv;
  let appId: string;
  const browser = (ip = '127.0.0.1') =>
    new TestBrowser(env.app, { forwardedFor: ip, beforeRequest: () => clock.advance(10) });

  beforeAll(async () => {
    env = await createTestEnv(dialect, {
      clock,
      env: { IDHOOKS_TRUST_PROXY: 'true', IDHOOKS_INTERACTION_RATE_LIMIT: '5' },
    });
    appId = (await insertSpaApplication(env.container)).id;
  });
  afterAll(() => env?.close());

  /** A fresh address per test keeps the per-address rate limit out of the other tests. */
  let nextIp = 1;
  const freshIp = () => `10.20.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;

  it('writes nothing for cookie-less page views, however many', async () => {
    const before = await snapshotCounts(env, STATE_TABLES);
    for (let i = 0; i < 30; i++) {
      for (const path of ['/sign-in', `/sign-in?app_id=${appId}`, '/register', '/forgot-password']) {
        const response = await env.app.request(path, { headers: { 'x-forwarded-for': '10.99.0.1' } });
        expect(response.status, path).toBe(200);
        const cookies = response.headers.getSetCookie().join('\n');
        expect(cookies).not.toMatch(/idhooks_(session|interaction)=/);
      }
    }
    expect(await snapshotCounts(env, STATE_TABLES)).toEqual(before);
  });

  it('refuses a cross-site sign-in or sign-up form with 403 and changes nothing', async () => {
    const victim = browser(freshIp());
    expect((await victim.get(`/register?app_id=${appId}`)).status).toBe(200);
    const before = await snapshotCounts(env, STATE_TABLES);
    const fields = { username: 'csrf_victim', password: PASSWORD };
    const crossSite: Record<string, string>[] = [
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of crossSite) {
      for (const path of ['/register', '/sign-in', '/forgot-password', '/sign-out']) {
        const response = await victim.form(path, fields, headers);
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(response.headers.getSetCookie().join('\n')).not.toMatch(/idhooks_(session|interaction)=/);
      }
    }
    expect(await snapshotCounts(env, STATE_TABLES)).toEqual(before);
  });

  it('refuses a form without this browser’s token, or with another browser’s', async () => {
    const attacker = browser(freshIp());
    expect((await attacker.get('/register')).status).toBe(200);
    const attackerToken = attacker.csrfToken ?? '';
    const victim = browser(freshIp());
    expect((await victim.get('/register')).status).toBe(200);
    const before = await snapshotCounts(env, STATE_TABLES);
    const fields = { username: 'token_victim', password: PASSWORD };
    const post = (token: string | undefined) =>
      env.app.request('/register', {
        method: 'POST',
        headers: {
          cookie: [...victim.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          'content-type': 'application/x-www-form-urlencoded',
          origin: ORIGIN,
        },
        body: new URLSearchParams({ ...fields, ...(token === undefined ? {} : { _csrf: token }) }).toString(),
      });
    expect((await post(undefined)).status).toBe(403);
    expect((await post('')).status).toBe(403);
    expect((await post(attackerToken)).status).toBe(403);
    expect((await post(`${victim.csrfToken ?? ''}x`)).status).toBe(403);
    expect(await snapshotCounts(env, STATE_TABLES)).toEqual(before);
    // The victim's own page token works, from its own origin.
    expect(
      (await victim.form('/register', fields, { origin: ORIGIN, 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(303);
  });

  it('gives every form of an interaction a token of that interaction', async () => {
    const b = browser(freshIp());
    await b.get('/forgot-password');
    const pageToken = b.csrfToken;
    // The first post starts the interaction; the code page it shows carries that interaction's token.
    const response = await b.form('/forgot-password', { email: 'nobody@example.com' });
    expect(response.status).toBe(200);
    expect(b.csrfToken).toBeDefined();
    expect(b.csrfToken).not.toBe(pageToken);
    const again = await b.form('/forgot-password/verify', {
      email: 'nobody@example.com',
      verificationId: 'x',
      code: '000000',
    });
    expect(again.status).not.toBe(403);
  });

  it('refuses cross-site Experience API calls with 403 request.cross_site_refused', async () => {
    const b = browser(freshIp());
    const before = await snapshotCounts(env, STATE_TABLES);
    await expectRejected(
      await b.request(
        'PUT',
        '/api/experience',
        { interactionEvent: 'SignIn' },
        { origin: 'http://evil.example' },
      ),
      403,
      'request.cross_site_refused',
    );
    await expectRejected(
      await b.request(
        'POST',
        '/api/experience/verification/password',
        { identifier: { type: 'username', value: 'x' }, password: 'y' },
        { 'sec-fetch-site': 'cross-site' },
      ),
      403,
      'request.cross_site_refused',
    );
    expect(await snapshotCounts(env, STATE_TABLES)).toEqual(before);
    await expectStatus(
      await b.request('PUT', '/api/experience', { interactionEvent: 'SignIn' }, { origin: ORIGIN }),
      204,
    );
  });

  it('forbids framing of every hosted page (X-Frame-Options and frame-ancestors)', async () => {
    const b = browser(freshIp());
    const responses = [
      await b.get('/sign-in'),
      await b.get('/register'),
      await b.get('/forgot-password'),
      await b.get('/sign-in?app_id=unknown-app'),
      await b.form('/sign-in', { identifier: 'nobody', password: 'wrong-password' }),
      await b.form('/sign-in', { identifier: 'nobody', password: 'x' }, { origin: 'http://evil.example' }),
    ];
    for (const response of responses) {
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('limits new interactions per source address (429 with Retry-After), writing nothing for the refused', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      await expectStatus(await browser(ip).put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    }
    const before = await snapshotCounts(env, STATE_TABLES);
    const refused = await browser(ip).put('/api/experience', { interactionEvent: 'SignIn' });
    await expectRejected(refused, 429, 'request.too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const visitor = browser(ip);
    expect((await visitor.get('/sign-in')).status).toBe(200);
    const page = await visitor.form('/sign-in', { identifier: 'someone', password: 'whatever-1' });
    expect(page.status).toBe(429);
    expect(await snapshotCounts(env, STATE_TABLES)).toEqual(before);
    // Another address is not affected; a minute later this one may start again.
    await expectStatus(await browser(freshIp()).put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    clock.advance(61_000);
    await expectStatus(await browser(ip).put('/api/experience', { interactionEvent: 'SignIn' }), 204);
  });

  it('prunes abandoned interactions and anonymous sessions once their TTL has passed', async () => {
    const b = browser(freshIp());
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    const session = await env.container.database.db
      .selectFrom('experienceSessions')
      .select(['createdAt', 'expiresAt'])
      .orderBy('createdAt', 'desc')
      .executeTakeFirstOrThrow();
    // An anonymous session lives as long as an interaction (3600 s), not the 14-day session TTL.
    expect(Number(session.expiresAt) - Number(session.createdAt)).toBe(3_600_000);
    expect(await countRows(env, 'interactions')).toBeGreaterThan(0);
    clock.advance(3_600_000 + 5 * 60_000);
    await expectStatus(await browser(freshIp()).put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    // Only the interaction and session just started remain.
    expect(await countRows(env, 'interactions')).toBe(1);
    const anonymous = await env.container.database.db
      .selectFrom('experienceSessions')
      .select('id')
      .where('userId', 'is', null)
      .execute();
    expect(anonymous).toHaveLength(1);
  });
});
