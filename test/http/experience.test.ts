/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are parsed JSON, read field by field in assertions */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import type { EventType } from '../../src/domain/events.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { insertHook, type HookFixture } from '../helpers/builders.js';
import { expectRejected, expectStatus } from '../helpers/api.js';
import {
  BROWSER_UA,
  capturedBody,
  insertSpaApplication,
  keyShape,
  listEvents,
  TestBrowser,
} from '../helpers/experience.js';

/**
 * The Experience API flows of docs/compatibility.md#sign-in-flows, on both dialects, with a real webhook receiver
 * on 127.0.0.1 and an HTTP email connector pointed at a second loopback receiver. Payload key
 * order is compared with the captures from a real Logto server.
 */

const EXPERIENCE_EVENTS: EventType[] = [
  'User.Created',
  'User.Data.Updated',
  'PostRegister',
  'PostSignIn',
  'PostResetPassword',
  'Identifier.Lockout',
  'Message.RateLimited',
  // idhooks' addition: a browser signing in for the first time is a new device.
  'PostSignInFromNewDevice',
];
const SESSION_ID = /^[\w-]{43}$/;
const PASSWORD = 'Correct-Horse-42';

interface VerificationBody {
  verificationId: string;
}

describeEachDialect('Experience API flows', (dialect) => {
  let env: TestEnv;
  let hooks: Receiver;
  let mail: Receiver;
  let hook: HookFixture;
  let app: { id: string; name: string; description: string | null };
  const clock = createManualClock(Date.parse('2026-11-29T07:31:39.000Z'));
  const browser = (forwardedFor = '127.0.0.1') =>
    new TestBrowser(env.app, { forwardedFor, beforeRequest: () => clock.advance(1000) });

  beforeAll(async () => {
    hooks = await startReceiver({ validateEvents: true });
    mail = await startReceiver();
    env = await createTestEnv(dialect, {
      clock,
      env: {
        IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
        IDHOOKS_TRUST_PROXY: 'true',
        // One request in flight per hook: deliveries then leave in commit order, which the
        // ordering assertion below relies on (with more in flight, arrival order is not promised).
        IDHOOKS_HOOK_MAX_IN_FLIGHT: '1',
        IDHOOKS_LOCKOUT_MAX_ATTEMPTS: '3',
        IDHOOKS_CODE_SEND_LIMIT: '3',
        IDHOOKS_EMAIL_CONNECTOR_URL: `${mail.url}/email`,
        IDHOOKS_EMAIL_CONNECTOR_AUTHORIZATION: 'Bearer mail-token',
      },
    });
    hook = await insertHook(env.container.database.db, {
      url: `${hooks.url}/hook`,
      events: EXPERIENCE_EVENTS,
      now: clock.now(),
    });
    app = await insertSpaApplication(env.container);
    await env.container.delivery.engine.start();
  });
  afterAll(async () => {
    await env?.close();
    await hooks?.close();
    await mail?.close();
  });

  const eventsSince = async (count: number) => (await listEvents(env.container)).slice(count);
  const eventCount = async () => (await listEvents(env.container)).length;
  /** The code the HTTP connector POSTed for `to`, latest first. */
  const lastCode = (to: string) => {
    const body = [...mail.requests].reverse().find((r) => (JSON.parse(r.body) as { to: string }).to === to);
    return (JSON.parse(body?.body ?? '{}') as { payload?: { code: string } }).payload?.code ?? '';
  };

  async function register(b: TestBrowser, username: string) {
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    const { verificationId } = await expectStatus<VerificationBody>(
      await b.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: username },
        password: PASSWORD,
      }),
      200,
    );
    await expectStatus(await b.post('/api/experience/identification', { verificationId }), 201);
    return expectStatus<{ redirectTo: string }>(await b.post('/api/experience/submit', {}), 200);
  }

  /** Opens the application's sign-in page first (as the app redirects there), unless `withoutApp`. */
  async function signIn(
    b: TestBrowser,
    username: string,
    password = PASSWORD,
    profile?: Record<string, unknown>,
    withoutApp = false,
  ) {
    if (!withoutApp) expect((await b.get(`/sign-in?app_id=${app.id}`)).status).toBe(200);
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    const { verificationId } = await expectStatus<VerificationBody>(
      await b.post('/api/experience/verification/password', {
        identifier: { type: 'username', value: username },
        password,
      }),
      200,
    );
    await expectStatus(await b.post('/api/experience/identification', { verificationId }), 204);
    if (profile) await expectStatus(await b.post('/api/experience/profile', profile), 204);
    return expectStatus<{ redirectTo: string }>(await b.post('/api/experience/submit', {}), 200);
  }

  /** A browser that opened `/sign-in?app_id=` first, as an application sends its users. */
  async function browserForApp() {
    const b = browser();
    expect((await b.get(`/sign-in?app_id=${app.id}`)).status).toBe(200);
    return b;
  }

  const expectSameShape = (payload: Record<string, unknown>, capture: string) => {
    const captured = capturedBody(capture);
    if (!captured) return;
    const { hookId: _hookId, ...withoutHookId } = captured;
    expect(keyShape(payload)).toEqual(keyShape(withoutHookId));
  };

  it('registers: 204, 200, 201 (User.Created), 200 (PostRegister), as docs/compatibility.md#sign-in-flows', async () => {
    const before = await eventCount();
    const b = await browserForApp();
    const { redirectTo } = await register(b, 'flows_mx1it51o');
    expect(redirectTo).toBe('http://127.0.0.1:4477/callback');
    const [created, registered, ...rest] = await eventsSince(before);
    expect(rest).toEqual([]);
    expect(created?.type).toBe('User.Created');
    expect(registered?.type).toBe('PostRegister');
    const c = created?.payload as Record<string, any>;
    const r = registered?.payload as Record<string, any>;
    expectSameShape(c, 'experience-1-User.Created.json');
    expectSameShape(r, 'experience-2-PostRegister.json');
    expect(Object.keys(c)).toEqual([
      'event',
      'createdAt',
      'interactionEvent',
      'userAgent',
      'applicationId',
      'sessionId',
      'ip',
      'application',
      'data',
    ]);
    expect(Object.keys(r)).toEqual([
      'event',
      'interactionEvent',
      'createdAt',
      'sessionId',
      'userAgent',
      'userId',
      'userIp',
      'user',
      'application',
    ]);
    expect(c).toMatchObject({
      event: 'User.Created',
      interactionEvent: 'Register',
      userAgent: BROWSER_UA,
      applicationId: app.id,
      ip: '127.0.0.1',
      application: { id: app.id, type: 'SPA', name: 'flows-capture-spa', description: 'flows capture' },
      data: {
        username: 'flows_mx1it51o',
        lastSignInAt: null,
        applicationId: null,
        cimdClientId: null,
        isSuspended: false,
      },
    });
    expect(c.data).not.toHaveProperty('hasPassword');
    expect(c.sessionId).toMatch(SESSION_ID);
    expect(c.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r).toMatchObject({
      event: 'PostRegister',
      interactionEvent: 'Register',
      sessionId: c.sessionId,
      userAgent: BROWSER_UA,
      userId: c.data.id,
      userIp: '127.0.0.1',
      user: { id: c.data.id, applicationId: null },
      application: c.application,
    });
    expect(r.user.lastSignInAt).toBeTypeOf('number');
    expect(r.user.updatedAt).toBe(r.user.lastSignInAt);
    expect(r).not.toHaveProperty('applicationId');
    expect(r).not.toHaveProperty('ip');
    // The interaction is over: its cookie is gone, the session and device cookies stay (and the form
    // cookie behind the sign-in page's anti-CSRF token).
    expect([...b.cookies.keys()].filter((k) => k !== 'idhooks_form')).toEqual([
      'idhooks_session',
      'idhooks_device',
    ]);
  });

  it('signs in: PostSignIn with lastSignInAt updated and applicationId set from the first sign-in', async () => {
    const b = await browserForApp();
    await register(b, 'signin_user');
    const before = await eventCount();
    const other = await browserForApp();
    await signIn(other, 'signin_user');
    const events = await eventsSince(before);
    // `other` never signed in to this user: idhooks adds PostSignInFromNewDevice after PostSignIn.
    expect(events.map((e) => e.type)).toEqual(['PostSignIn', 'PostSignInFromNewDevice']);
    const p = events[0]?.payload as Record<string, any>;
    expectSameShape(p, 'experience-3-PostSignIn.json');
    expect(p).toMatchObject({
      interactionEvent: 'SignIn',
      userIp: '127.0.0.1',
      user: { applicationId: app.id },
    });
    expect(p.user.lastSignInAt).toBe(Date.parse(p.createdAt));
    const user = await env.container.repos.users.findUserById(p.userId);
    expect(user?.lastSignInAt).toBe(p.user.lastSignInAt);
  });

  it('keeps one sessionId across the interactions of a browser session, a new one after sign-out', async () => {
    const b = await browserForApp();
    const before = await eventCount();
    await register(b, 'session_user');
    await signIn(b, 'session_user');
    const ids = (await eventsSince(before)).map((e) => e.payload.sessionId);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(SESSION_ID);
    expect((await b.form('/sign-out', {})).status).toBe(303);
    const after = await eventCount();
    await signIn(b, 'session_user', PASSWORD, undefined, true);
    const [next] = await eventsSince(after);
    expect(next?.payload.sessionId).toMatch(SESSION_ID);
    expect(next?.payload.sessionId).not.toBe(ids[0]);
    // Without the app's page, the interaction has no application.
    expect(next?.payload).not.toHaveProperty('application');
  });

  it('emits User.Data.Updated before PostSignIn when the profile changed, and only then', async () => {
    const b = await browserForApp();
    await register(b, 'profile_user');
    let before = await eventCount();
    await signIn(b, 'profile_user', PASSWORD, {
      type: 'extraProfile',
      values: { name: 'Flows Capture User' },
    });
    const [updated, signedIn, ...rest] = await eventsSince(before);
    expect(rest).toEqual([]);
    expect([updated?.type, signedIn?.type]).toEqual(['User.Data.Updated', 'PostSignIn']);
    expectSameShape(updated?.payload ?? {}, 'experience-4-User.Data.Updated.json');
    expectSameShape(signedIn?.payload ?? {}, 'experience-5-PostSignIn.json');
    const data = updated?.payload.data as Record<string, any>;
    expect(data.name).toBe('Flows Capture User');
    expect(data.lastSignInAt).toBe(data.updatedAt);
    expect(signedIn?.payload.user).toEqual(data);
    before = await eventCount();
    await signIn(b, 'profile_user');
    expect((await eventsSince(before)).map((e) => e.type)).toEqual(['PostSignIn']);
  });

  it('locks an identifier at the threshold and refuses (and reports) every attempt during the lock', async () => {
    const b = await browserForApp();
    await register(b, 'lock_user');
    const attacker = await browserForApp();
    await expectStatus(await attacker.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    const attempt = (password: string) =>
      attacker.post('/api/experience/verification/password', {
        identifier: { type: 'username', value: 'lock_user' },
        password,
      });
    const before = await eventCount();
    await expectRejected(await attempt('wrong-1'), 422, 'session.invalid_credentials');
    await expectRejected(await attempt('wrong-2'), 422, 'session.invalid_credentials');
    expect(await eventsSince(before)).toEqual([]);
    const third = await expectRejected(
      await attempt('wrong-3'),
      400,
      'session.verification_blocked_too_many_attempts',
    );
    expect(third.message).toMatch(/60 minutes/);
    await expectRejected(await attempt(PASSWORD), 400, 'session.verification_blocked_too_many_attempts');
    const lockouts = await eventsSince(before);
    expect(lockouts.map((e) => e.type)).toEqual(['Identifier.Lockout', 'Identifier.Lockout']);
    const p = lockouts[0]?.payload as Record<string, any>;
    expectSameShape(p, 'experience-6-Identifier.Lockout.json');
    expect(Object.keys(p)).toEqual([
      'event',
      'createdAt',
      'interactionEvent',
      'userAgent',
      'applicationId',
      'sessionId',
      'ip',
      'application',
      'type',
      'value',
    ]);
    expect(p).toMatchObject({
      interactionEvent: 'SignIn',
      type: 'username',
      value: 'lock_user',
      applicationId: app.id,
    });
    expect(lockouts[1]?.payload.sessionId).toBe(p.sessionId);
    // The lock ends after IDHOOKS_LOCKOUT_MINUTES; then the right password works again.
    clock.advance(60 * 60_000);
    await expectStatus(await attacker.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    await expectStatus(await attempt(PASSWORD), 200);
  });

  it('locks unknown identifiers the same way, so the lockout reveals nothing', async () => {
    const b = await browserForApp();
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    const attempt = () =>
      b.post('/api/experience/verification/password', {
        identifier: { type: 'username', value: 'nobody_here' },
        password: 'x',
      });
    await expectRejected(await attempt(), 422, 'session.invalid_credentials');
    await expectRejected(await attempt(), 422, 'session.invalid_credentials');
    await expectRejected(await attempt(), 400, 'session.verification_blocked_too_many_attempts');
  });

  it('resets a password by email code: User.Data.Updated then PostResetPassword; the lock is lifted', async () => {
    // A user with an email, registered through profile + code before identification.
    const b = await browserForApp();
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    const identity = await expectStatus<VerificationBody>(
      await b.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: 'reset_user' },
        password: PASSWORD,
      }),
      200,
    );
    const email = { type: 'email', value: 'reset.user@example.com' };
    const sent = await expectStatus<VerificationBody>(
      await b.post('/api/experience/verification/verification-code', {
        identifier: email,
        interactionEvent: 'Register',
      }),
      200,
    );
    const mailed = mail.requests.at(-1);
    expect(mailed?.headers.authorization).toBe('Bearer mail-token');
    expect(JSON.parse(mailed?.body ?? '')).toEqual({
      to: 'reset.user@example.com',
      type: 'Register',
      payload: { code: expect.stringMatching(/^\d{6}$/) },
    });
    await expectStatus(
      await b.post('/api/experience/verification/verification-code/verify', {
        identifier: email,
        verificationId: sent.verificationId,
        code: lastCode(email.value),
      }),
      200,
    );
    await expectStatus(
      await b.post('/api/experience/profile', { type: 'email', verificationId: sent.verificationId }),
      204,
    );
    let before = await eventCount();
    await expectStatus(await b.post('/api/experience/identification', identity), 201);
    const [created] = await eventsSince(before);
    expect(created?.payload.data).toMatchObject({
      username: 'reset_user',
      primaryEmail: 'reset.user@example.com',
    });
    await expectStatus(await b.post('/api/experience/submit', {}), 200);

    // Lock the username, then reset by email.
    const attacker = browser();
    await expectStatus(await attacker.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    for (let i = 0; i < 3; i++) {
      await attacker.post('/api/experience/verification/password', {
        identifier: { type: 'username', value: 'reset_user' },
        password: 'wrong',
      });
    }
    const r = await browserForApp();
    await expectStatus(await r.put('/api/experience', { interactionEvent: 'ForgotPassword' }), 204);
    const code = await expectStatus<VerificationBody>(
      await r.post('/api/experience/verification/verification-code', {
        identifier: email,
        interactionEvent: 'ForgotPassword',
      }),
      200,
    );
    expect(JSON.parse(mail.requests.at(-1)?.body ?? '').type).toBe('ForgotPassword');
    await expectStatus(
      await r.post('/api/experience/verification/verification-code/verify', {
        identifier: email,
        verificationId: code.verificationId,
        code: lastCode(email.value),
      }),
      200,
    );
    await expectStatus(await r.post('/api/experience/identification', code), 204);
    await expectRejected(
      await r.put('/api/experience/profile/password', { password: PASSWORD }),
      422,
      'user.same_password',
    );
    const rejected = await expectRejected(
      await r.put('/api/experience/profile/password', { password: 'reset_user_pw' }),
      422,
      'password.rejected',
    );
    expect(rejected.data).toEqual({ issues: [{ code: 'password_rejected.restricted.user_info' }] });
    await expectStatus(
      await r.put('/api/experience/profile/password', { password: 'Brand-New-Pass-7' }),
      204,
    );
    before = await eventCount();
    const { redirectTo } = await expectStatus<{ redirectTo: string }>(
      await r.post('/api/experience/submit', {}),
      200,
    );
    expect(redirectTo).toBe(`http://localhost:3001/sign-in?app_id=${app.id}`);
    const events = await eventsSince(before);
    expect(events.map((e) => e.type)).toEqual(['User.Data.Updated', 'PostResetPassword']);
    expect(events[1]?.payload).toMatchObject({
      event: 'PostResetPassword',
      interactionEvent: 'ForgotPassword',
      userIp: '127.0.0.1',
    });
    expect(Object.keys(events[1]?.payload ?? {})).toEqual([
      'event',
      'interactionEvent',
      'createdAt',
      'sessionId',
      'userAgent',
      'userId',
      'userIp',
      'user',
      'application',
    ]);
    expect(events[0]?.payload).toMatchObject({
      interactionEvent: 'ForgotPassword',
      data: { username: 'reset_user' },
    });
    expect(events[1]?.payload.user).toMatchObject({
      lastSignInAt: (events[0]?.payload.data as any).lastSignInAt,
    });
    // The old password no longer works; the new one does, at once (the reset lifted the lock).
    const s = browser();
    await expectStatus(await s.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    await expectRejected(
      await s.post('/api/experience/verification/password', {
        identifier: { type: 'username', value: 'reset_user' },
        password: PASSWORD,
      }),
      422,
      'session.invalid_credentials',
    );
    await signIn(browser(), 'reset_user', 'Brand-New-Pass-7');
    // Email identifiers sign in too, case-insensitively.
    const e = browser();
    await expectStatus(await e.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    await expectStatus(
      await e.post('/api/experience/verification/password', {
        identifier: { type: 'email', value: 'Reset.User@example.com' },
        password: 'Brand-New-Pass-7',
      }),
      200,
    );
  });

  it('limits codes per recipient: 429 request.message_rate_limited and Message.RateLimited', async () => {
    const b = await browserForApp();
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    const send = () =>
      b.post('/api/experience/verification/verification-code', {
        identifier: { type: 'email', value: 'limited@example.com' },
        interactionEvent: 'Register',
      });
    for (let i = 0; i < 3; i++) await expectStatus(await send(), 200);
    const before = await eventCount();
    await expectRejected(await send(), 429, 'request.message_rate_limited');
    const [limited, ...rest] = await eventsSince(before);
    expect(rest).toEqual([]);
    expect(Object.keys(limited?.payload ?? {})).toEqual([
      'event',
      'createdAt',
      'interactionEvent',
      'userAgent',
      'applicationId',
      'sessionId',
      'ip',
      'application',
      'action',
      'recipient',
    ]);
    expect(limited?.payload).toMatchObject({
      event: 'Message.RateLimited',
      interactionEvent: 'Register',
      action: 'VerificationCodeSend',
      recipient: 'limited@example.com',
    });
  });

  it('delivers every event to the receiver, signed, with hookId last, in order of occurrence', async () => {
    const events = await listEvents(env.container);
    const received = await hooks.waitFor(events.length, 15_000);
    const sign = (body: string) => createHmac('sha256', hook.signingKey).update(body).digest('hex');
    for (const request of received) {
      expect(request.headers['logto-signature-sha-256']).toBe(sign(request.body));
      expect(Object.keys(JSON.parse(request.body)).at(-1)).toBe('hookId');
    }
    // Events of one commit share a timestamp and may arrive in either order; across commits, in order.
    const group = (bodies: string[]) =>
      bodies.map((body) => {
        const { hookId: _h, ...payload } = JSON.parse(body) as Record<string, unknown>;
        return { at: payload.createdAt as string, json: JSON.stringify(payload) };
      });
    const sent = group(received.map((r) => r.body));
    const expected = events.map((e) => ({
      at: e.payload.createdAt as string,
      json: JSON.stringify(e.payload),
    }));
    expect(sent.map((s) => s.at)).toEqual(expected.map((e) => e.at));
    expect([...sent.map((s) => s.json)].sort()).toEqual([...expected.map((e) => e.json)].sort());
  });
});

describe('Experience API without a trusted proxy', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('sqlite');
  });
  afterAll(async () => env?.close());

  it('ignores X-Forwarded-For and needs no Management API token', async () => {
    const b = new TestBrowser(env.app, { forwardedFor: '203.0.113.7' });
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    const { verificationId } = await expectStatus<VerificationBody>(
      await b.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: 'proxy_user' },
        password: PASSWORD,
      }),
      200,
    );
    await expectStatus(await b.post('/api/experience/identification', { verificationId }), 201);
    const [created] = await listEvents(env.container);
    // app.request() has no socket, so without a trusted proxy there is no address at all.
    expect(created?.payload).not.toHaveProperty('ip');
    expect(created?.payload).not.toHaveProperty('application');
    expect(created?.payload).not.toHaveProperty('applicationId');
    expect((await env.app.request('/api/users')).status).toBe(401);
  });
});
