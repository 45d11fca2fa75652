import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { expectRejected, expectStatus, snapshotCounts } from '../helpers/api.js';
import { insertSpaApplication, TestBrowser } from '../helpers/experience.js';

/**
 * Bad input on the Experience API: wrong, expired and reused codes, tampered or missing cookies,
 * a missing interaction, and steps that do not belong to the interaction's event. Each is a clear
 * Logto-coded error and changes nothing (users, events, sessions stay as they were).
 */

const PASSWORD = 'Correct-Horse-42';
const EMAIL = { type: 'email', value: 'codes@example.com' };
const TABLES = ['users', 'events', 'experienceSessions'] as const;

describeEachDialect('Experience API errors', (dialect) => {
  let env: TestEnv;
  let mail: Receiver;
  let appId: string;
  const clock = createManualClock();
  const browser = () => new TestBrowser(env.app, { beforeRequest: () => clock.advance(1000) });
  const lastCode = () =>
    (JSON.parse(mail.requests.at(-1)?.body ?? '{}') as { payload?: { code: string } }).payload?.code ?? '';

  beforeAll(async () => {
    mail = await startReceiver();
    env = await createTestEnv(dialect, { clock, env: { IDHOOKS_EMAIL_CONNECTOR_URL: `${mail.url}/email` } });
    appId = (await insertSpaApplication(env.container)).id;
  });
  afterAll(async () => {
    await env?.close();
    await mail?.close();
  });

  /** Runs `work`, then asserts no user, event or session was created or removed by it. */
  async function expectNothingChanged(work: () => Promise<void>) {
    const before = await snapshotCounts(env, TABLES);
    await work();
    expect(await snapshotCounts(env, TABLES)).toEqual(before);
  }

  async function sendCode(b: TestBrowser, event = 'Register') {
    await expectStatus(await b.put('/api/experience', { interactionEvent: event }), 204);
    return expectStatus<{ verificationId: string }>(
      await b.post('/api/experience/verification/verification-code', {
        identifier: EMAIL,
        interactionEvent: event,
      }),
      200,
    );
  }

  const verify = (b: TestBrowser, verificationId: string, code: string, identifier = EMAIL) =>
    b.post('/api/experience/verification/verification-code/verify', { identifier, verificationId, code });

  it('refuses every route without an interaction cookie, or with a tampered one (404 session.not_found)', async () => {
    const b = browser();
    const calls = [
      () =>
        b.post('/api/experience/verification/password', {
          identifier: { type: 'username', value: 'a_b' },
          password: 'x',
        }),
      () =>
        b.post('/api/experience/verification/new-password-identity', {
          identifier: { type: 'username', value: 'a_b' },
          password: PASSWORD,
        }),
      () =>
        b.post('/api/experience/verification/verification-code', {
          identifier: EMAIL,
          interactionEvent: 'SignIn',
        }),
      () => verify(b, 'x', '123456'),
      () => b.post('/api/experience/identification', { verificationId: 'x' }),
      () => b.post('/api/experience/profile', { type: 'username', value: 'a_b' }),
      () => b.put('/api/experience/profile/password', { password: PASSWORD }),
      () => b.post('/api/experience/submit', {}),
    ];
    await expectNothingChanged(async () => {
      for (const call of calls) await expectRejected(await call(), 404, 'session.not_found');
    });
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    await expectNothingChanged(async () => {
      const token = b.cookies.get('idhooks_interaction') ?? '';
      b.cookies.set('idhooks_interaction', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
      for (const call of calls) await expectRejected(await call(), 404, 'session.not_found');
    });
    expect(mail.requests).toHaveLength(0);
  });

  it('needs PUT /api/experience before any step: opening a page starts nothing (404 session.not_found)', async () => {
    const b = browser();
    expect((await b.get(`/sign-in?app_id=${appId}`)).status).toBe(200);
    await expectRejected(
      await b.post('/api/experience/verification/password', {
        identifier: { type: 'username', value: 'a_b' },
        password: 'x',
      }),
      404,
      'session.not_found',
    );
    await expectRejected(await b.post('/api/experience/submit', {}), 404, 'session.not_found');
  });

  it('rejects steps of another interaction event', async () => {
    const b = browser();
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    await expectNothingChanged(async () => {
      await expectRejected(
        await b.post('/api/experience/verification/new-password-identity', {
          identifier: { type: 'username', value: 'x_y' },
          password: PASSWORD,
        }),
        400,
        'session.invalid_interaction_type',
      );
      await expectRejected(
        await b.put('/api/experience/profile/password', { password: PASSWORD }),
        400,
        'session.invalid_interaction_type',
      );
      await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
      await expectRejected(
        await b.post('/api/experience/verification/password', {
          identifier: { type: 'username', value: 'x_y' },
          password: PASSWORD,
        }),
        400,
        'session.invalid_interaction_type',
      );
      await expectStatus(await b.put('/api/experience', { interactionEvent: 'ForgotPassword' }), 204);
      await expectRejected(
        await b.post('/api/experience/profile', { type: 'username', value: 'x_y' }),
        400,
        'session.not_supported_for_forgot_password',
      );
      await expectRejected(await b.post('/api/experience/submit', {}), 404, 'session.identifier_not_found');
      await expectRejected(
        await b.put('/api/experience', { interactionEvent: 'Bogus' }),
        400,
        'guard.invalid_input',
      );
    });
  });

  it('refuses wrong, expired and reused codes, and codes of another interaction', async () => {
    const b = browser();
    const { verificationId } = await sendCode(b);
    const code = lastCode();
    const wrong = code === '000000' ? '111111' : '000000';
    const other = browser();
    await expectStatus(await other.put('/api/experience', { interactionEvent: 'Register' }), 204);
    await expectNothingChanged(async () => {
      await expectRejected(await verify(b, verificationId, wrong), 400, 'verification_code.code_mismatch');
      await expectRejected(
        await verify(b, verificationId, code, { type: 'email', value: 'other@example.com' }),
        400,
        'verification_code.email_mismatch',
      );
      await expectRejected(
        await verify(b, 'not-a-verification', code),
        404,
        'session.verification_session_not_found',
      );
      // An unverified code cannot identify anyone.
      await expectRejected(
        await b.post('/api/experience/identification', { verificationId }),
        400,
        'session.verification_failed',
      );
      // Another browser's interaction cannot use this verification id or code.
      await expectRejected(
        await verify(other, verificationId, code),
        404,
        'session.verification_session_not_found',
      );
    });
    await expectStatus(await verify(b, verificationId, code), 200);
    await expectRejected(await verify(b, verificationId, code), 400, 'verification_code.not_found');

    // Expired: a fresh code, then past IDHOOKS_CODE_TTL_SECONDS (600 s).
    const second = await sendCode(b);
    const secondCode = lastCode();
    clock.advance(601_000);
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    await expectRejected(
      await verify(b, second.verificationId, secondCode),
      404,
      'session.verification_session_not_found',
    );
  });

  it('refuses an expired code in a live interaction, and a code after 10 wrong tries', async () => {
    const b = browser();
    const { verificationId } = await sendCode(b);
    const code = lastCode();
    clock.advance(600_000);
    await expectRejected(await verify(b, verificationId, code), 400, 'verification_code.expired');

    const fresh = await sendCode(b);
    const good = lastCode();
    const wrong = good === '000000' ? '111111' : '000000';
    for (let i = 0; i < 10; i++)
      await expectRejected(
        await verify(b, fresh.verificationId, wrong),
        400,
        'verification_code.code_mismatch',
      );
    await expectRejected(
      await verify(b, fresh.verificationId, good),
      400,
      'verification_code.exceed_max_try',
    );
  });

  it('uses a verified record once, and submits once', async () => {
    const b = browser();
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    const identity = await expectStatus<{ verificationId: string }>(
      await b.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: 'once_user' },
        password: PASSWORD,
      }),
      200,
    );
    await expectRejected(
      await b.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: 'once_user' },
        password: '12345678',
      }),
      422,
      'password.rejected',
    );
    await expectStatus(await b.post('/api/experience/identification', identity), 201);
    await expectNothingChanged(async () => {
      await expectRejected(
        await b.post('/api/experience/identification', identity),
        400,
        'session.verification_failed',
      );
    });
    const cookie = b.cookies.get('idhooks_interaction') ?? '';
    await expectStatus(await b.post('/api/experience/submit', {}), 200);
    await expectNothingChanged(async () => {
      b.cookies.set('idhooks_interaction', cookie);
      await expectRejected(await b.post('/api/experience/submit', {}), 404, 'session.not_found');
    });
    const again = browser();
    await expectStatus(await again.put('/api/experience', { interactionEvent: 'Register' }), 204);
    await expectRejected(
      await again.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: 'once_user' },
        password: PASSWORD,
      }),
      422,
      'user.username_already_in_use',
    );
  });

  it('reveals nothing about unknown emails when resetting, until the code proves the mailbox', async () => {
    const b = browser();
    const { verificationId } = await sendCode(b, 'ForgotPassword');
    expect(JSON.parse(mail.requests.at(-1)?.body ?? '{}')).toMatchObject({
      to: EMAIL.value,
      type: 'ForgotPassword',
    });
    await expectStatus(await verify(b, verificationId, lastCode()), 200);
    await expectRejected(
      await b.post('/api/experience/identification', { verificationId }),
      404,
      'user.user_not_exist',
    );
  });

  it('answers hosted pages for unknown applications with a 404 page, and needs no token for them', async () => {
    const b = browser();
    const page = await b.get('/sign-in?app_id=does-not-exist');
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).toContain('Unknown application');
    expect(html.startsWith('<!DOCTYPE html><html lang="en">'), 'standards mode, not quirks').toBe(true);
    const admin = await b.get(`/sign-in?app_id=${env.admin.clientId}`);
    expect(admin.status).toBe(404);
  });
});
