/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are parsed JSON, read field by field in assertions */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import type { EventType } from '../../src/domain/events.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { eventually, insertHook } from '../helpers/builders.js';
import { expectStatus } from '../helpers/api.js';
import { insertSpaApplication, listEvents, TestBrowser } from '../helpers/experience.js';

/**
 * The new-device sign-in rule (`PostSignInFromNewDevice`, issue 17) through the Experience API, on
 * both dialects, with an injected clock: a device cookie or a network (IPv4 /24) not seen for the
 * user in the last 90 days adds the event beside `PostSignIn`, in the same commit.
 */

const DAY = 86_400_000;
const PASSWORD = 'Correct-Horse-42';
const DEVICE_COOKIE = 'idhooks_device';
const EVENTS: EventType[] = ['PostRegister', 'PostSignIn', 'PostSignInFromNewDevice'];

describeEachDialect('new-device sign-in', (dialect) => {
  let env: TestEnv;
  let hooks: Receiver;
  let appId: string;
  const clock = createManualClock(Date.parse('2026-01-10T08:00:00.000Z'));
  const browser = (forwardedFor: string) =>
    new TestBrowser(env.app, { forwardedFor, beforeRequest: () => clock.advance(1000) });

  beforeAll(async () => {
    hooks = await startReceiver();
    env = await createTestEnv(dialect, {
      clock,
      env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32', IDHOOKS_TRUST_PROXY: 'true' },
    });
    await insertHook(env.container.database.db, {
      url: `${hooks.url}/hook`,
      events: EVENTS,
      now: clock.now(),
    });
    appId = (await insertSpaApplication(env.container)).id;
    await env.container.delivery.engine.start();
  });
  afterAll(async () => {
    await env?.close();
    await hooks?.close();
  });

  const eventCount = async () => (await listEvents(env.container)).length;
  const eventsSince = async (count: number) => (await listEvents(env.container)).slice(count);
  const sightings = () =>
    env.container.database.db
      .selectFrom('signInSightings')
      .select(['userId', 'kind', 'value', 'lastSeenAt'])
      .orderBy('kind')
      .execute();

  async function register(b: TestBrowser, username: string) {
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    const { verificationId } = await expectStatus<{ verificationId: string }>(
      await b.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: username },
        password: PASSWORD,
      }),
      200,
    );
    await expectStatus(await b.post('/api/experience/identification', { verificationId }), 201);
    await expectStatus(await b.post('/api/experience/submit', {}), 200);
  }

  /** The Experience API sign-in steps; the submit response, or undefined when the password is refused. */
  async function submitSignIn(b: TestBrowser, username: string, password = PASSWORD) {
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    const verify = await b.post('/api/experience/verification/password', {
      identifier: { type: 'username', value: username },
      password,
    });
    if (verify.status !== 200) return undefined;
    const { verificationId } = (await verify.json()) as { verificationId: string };
    await expectStatus(await b.post('/api/experience/identification', { verificationId }), 204);
    const response = await b.post('/api/experience/submit', {});
    expect(response.status).toBe(200);
    return response;
  }

  /** Signs in and returns the event types it committed, with the new-device payload if any. */
  async function signIn(b: TestBrowser, username: string, password = PASSWORD) {
    const before = await eventCount();
    expect((await b.get(`/sign-in?app_id=${appId}`)).status).toBe(200);
    await submitSignIn(b, username, password);
    const events = await eventsSince(before);
    return {
      types: events.map((e) => e.type),
      signIn: events.find((e) => e.type === 'PostSignIn')?.payload as Record<string, any> | undefined,
      newDevice: events.find((e) => e.type === 'PostSignInFromNewDevice')?.payload as
        Record<string, any> | undefined,
    };
  }

  it('sets a long-lived HttpOnly device cookie at registration and stores only its hash and the /24', async () => {
    const b = browser('203.0.113.7');
    const before = await eventCount();
    await register(b, 'device_owner');
    expect((await eventsSince(before)).map((e) => e.type)).toEqual(['User.Created', 'PostRegister']);
    const token = b.cookies.get(DEVICE_COOKIE) ?? '';
    expect(token).toMatch(/^[\w-]{43}$/);
    const rows = await sightings();
    expect(rows.map((r) => r.kind)).toEqual(['device', 'network']);
    expect(rows[0]?.value).toMatch(/^[\da-f]{64}$/);
    expect(rows[0]?.value).not.toContain(token);
    expect(rows[1]?.value).toBe('203.0.113.0/24');
    expect(JSON.stringify(rows)).not.toContain('203.0.113.7');
    // The cookie's attributes, as the browser gets them again on each sign-in.
    const submitted = (await submitSignIn(b, 'device_owner'))?.headers.getSetCookie() ?? [];
    const cookie = submitted.find((line) => line.startsWith(`${DEVICE_COOKIE}=`)) ?? '';
    expect(cookie).toMatch(/Max-Age=34560000/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toContain(`${DEVICE_COOKIE}=${token}`);
  });

  it('is quiet for a known device and network at 89 days, and fires again at 91', async () => {
    const b = browser('198.51.100.20');
    await register(b, 'returning_user');
    expect((await signIn(b, 'returning_user')).types).toEqual(['PostSignIn']);
    clock.advance(89 * DAY);
    // Another address in the same /24 is the same network.
    const sameNet = new TestBrowser(env.app, {
      forwardedFor: '198.51.100.77',
      beforeRequest: () => clock.advance(1000),
    });
    for (const [name, value] of b.cookies) if (name === DEVICE_COOKIE) sameNet.cookies.set(name, value);
    const at89 = await signIn(sameNet, 'returning_user');
    expect(at89.types).toEqual(['PostSignIn']);
    clock.advance(91 * DAY);
    // The same browser, from another network: the device is no longer known either.
    const moved = new TestBrowser(env.app, {
      forwardedFor: '198.51.101.5',
      beforeRequest: () => clock.advance(1000),
    });
    moved.cookies.set(DEVICE_COOKIE, sameNet.cookies.get(DEVICE_COOKIE) ?? '');
    const at91 = await signIn(moved, 'returning_user');
    expect(at91.types).toEqual(['PostSignIn', 'PostSignInFromNewDevice']);
    expect(at91.newDevice?.device).toEqual({ isNewDevice: true, isNewNetwork: true, lastSeenAt: null });
    // The 91-day-old network row is pruned; the device row was refreshed, the new network added.
    const userId = at91.signIn?.userId as string;
    const rows = (await sightings()).filter((row) => row.userId === userId);
    expect(rows.map((row) => row.value)).not.toContain('198.51.100.0/24');
    expect(rows.map((row) => row.kind)).toEqual(['device', 'network']);
    for (const row of rows) expect(Number(row.lastSeenAt)).toBeGreaterThan(clock.now() - DAY);
  });

  it('tells a new browser on a known network from a known browser on a new network', async () => {
    const home = browser('192.0.2.10');
    await register(home, 'traveller');
    const registeredAt = clock.now();
    // A second browser at home: new device, known network.
    const laptop = browser('192.0.2.11');
    const first = await signIn(laptop, 'traveller');
    expect(first.types).toEqual(['PostSignIn', 'PostSignInFromNewDevice']);
    expect(first.newDevice?.device).toEqual({ isNewDevice: true, isNewNetwork: false, lastSeenAt: null });
    // The first browser, abroad: known device (last seen at registration), new network.
    clock.advance(3 * DAY);
    const abroad = new TestBrowser(env.app, {
      forwardedFor: '2001:db8:42:1::5',
      beforeRequest: () => clock.advance(1000),
    });
    abroad.cookies.set(DEVICE_COOKIE, home.cookies.get(DEVICE_COOKIE) ?? '');
    const away = await signIn(abroad, 'traveller');
    expect(away.types).toEqual(['PostSignIn', 'PostSignInFromNewDevice']);
    const lastSeenAt = new Date(registeredAt).toISOString();
    expect(away.newDevice?.device).toEqual({ isNewDevice: false, isNewNetwork: true, lastSeenAt });
    // Same /48 later: known.
    const sameSite = new TestBrowser(env.app, { forwardedFor: '2001:db8:42:ff::9' });
    sameSite.cookies.set(DEVICE_COOKIE, home.cookies.get(DEVICE_COOKIE) ?? '');
    expect((await signIn(sameSite, 'traveller')).types).toEqual(['PostSignIn']);
  });

  it("carries PostSignIn's payload key for key, plus device, and is delivered signed like it", async () => {
    const b = browser('203.0.113.50');
    await register(b, 'payload_user');
    const stranger = browser('203.0.113.51');
    const { signIn: signInPayload, newDevice } = await signIn(stranger, 'payload_user');
    expect(Object.keys(newDevice ?? {})).toEqual([...Object.keys(signInPayload ?? {}), 'device']);
    expect(newDevice).toEqual({
      ...signInPayload,
      event: 'PostSignInFromNewDevice',
      device: { isNewDevice: true, isNewNetwork: false, lastSeenAt: null },
    });
    const request = await eventually(
      async () =>
        hooks.requests.find((r) => {
          const body = JSON.parse(r.body) as Record<string, any>;
          return body.event === 'PostSignInFromNewDevice' && body.userId === newDevice?.userId;
        }),
      { what: 'the PostSignInFromNewDevice delivery' },
    );
    const delivered = JSON.parse(request.body) as Record<string, any>;
    expect(Object.keys(delivered)).toEqual([...Object.keys(newDevice ?? {}), 'hookId']);
    expect(delivered.userIp).toBe('203.0.113.51');
    expect(request.headers['logto-signature-sha-256']).toMatch(/^[\da-f]{64}$/);
    console.info(`${dialect}: PostSignInFromNewDevice delivered: ${request.body}`);
  });

  it('replaces a forged device cookie, and records nothing for a failed sign-in', async () => {
    const b = browser('203.0.113.60');
    await register(b, 'forged_user');
    const forged = browser('203.0.113.60');
    forged.cookies.set(DEVICE_COOKIE, 'not-a-device-id');
    const result = await signIn(forged, 'forged_user');
    expect(result.newDevice?.device.isNewDevice).toBe(true);
    expect(forged.cookies.get(DEVICE_COOKIE)).toMatch(/^[\w-]{43}$/);
    const before = (await sightings()).length;
    const wrong = browser('192.0.2.200');
    const failed = await signIn(wrong, 'forged_user', 'Wrong-Password-1');
    expect(failed.types).toEqual([]);
    expect(await sightings()).toHaveLength(before);
    expect(wrong.cookies.has(DEVICE_COOKIE)).toBe(false);
  });

  it("prunes other users' sightings once they are older than 90 days", async () => {
    const b = browser('203.0.113.70');
    await register(b, 'gone_quiet');
    const quietId = (await listEvents(env.container)).at(-1)?.payload.userId as string;
    expect((await sightings()).filter((row) => row.userId === quietId)).toHaveLength(2);
    clock.advance(91 * DAY);
    const other = browser('203.0.113.71');
    await register(other, 'still_active');
    expect((await sightings()).filter((row) => row.userId === quietId)).toEqual([]);
    for (const row of await sightings())
      expect(Number(row.lastSeenAt)).toBeGreaterThanOrEqual(clock.now() - 90 * DAY);
  });

  it("forgets a user's devices and networks with the user", async () => {
    const b = browser('203.0.113.80');
    await register(b, 'leaving_user');
    const userId = (await listEvents(env.container)).at(-1)?.payload.userId as string;
    expect((await sightings()).filter((row) => row.userId === userId)).toHaveLength(2);
    await expectStatus(await env.api('DELETE', `/api/users/${userId}`), 204);
    expect((await sightings()).filter((row) => row.userId === userId)).toEqual([]);
  });

  it('applies to the hosted sign-in page too', async () => {
    await register(browser('203.0.113.90'), 'page_user');
    const before = await eventCount();
    const b = browser('203.0.113.91');
    expect((await b.get(`/sign-in?app_id=${appId}`)).status).toBe(200);
    const response = await b.form('/sign-in', { identifier: 'page_user', password: PASSWORD });
    expect(response.status).toBe(303);
    const events = await eventsSince(before);
    expect(events.map((e) => e.type)).toEqual(['PostSignIn', 'PostSignInFromNewDevice']);
    expect(events[1]?.payload.device).toEqual({ isNewDevice: true, isNewNetwork: false, lastSeenAt: null });
    expect(b.cookies.get(DEVICE_COOKIE)).toMatch(/^[\w-]{43}$/);
    // The renewed session cookie came with the same redirect: the browser is signed in.
    const names = response.headers.getSetCookie().map((line) => line.slice(0, line.indexOf('=')));
    expect(names).toEqual(expect.arrayContaining(['idhooks_session', DEVICE_COOKIE]));
    expect((await b.get('/account')).status).toBe(200);
    // The cookie now names a known device.
    expect((await signIn(b, 'page_user')).types).toEqual(['PostSignIn']);
  });
});
