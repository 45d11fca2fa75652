/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are parsed JSON, read field by field */
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyLogtoSignature, whsecOf } from '../../src/domain/signing.js';
import { expectRejected, expectStatus } from '../helpers/api.js';
import {
  answer,
  createHook,
  deleteHook,
  deliveriesOf,
  registerIdentify,
  routeAnswers,
  signInSubmit,
  startTricklingServer,
} from '../helpers/blocking.js';
import { listEvents, TestBrowser } from '../helpers/experience.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { eventually } from '../helpers/builders.js';
import { signInToConsole, testIdText } from '../helpers/console.js';

/**
 * Blocking hooks (issue 15) in the Experience API: each decision, each failure under both policies,
 * parallel hooks, the skipped notice arriving once the receiver is back, and what is recorded.
 */
describeEachDialect('Blocking hooks: PreRegister and PreSignIn', (dialect) => {
  let env: TestEnv;
  let receiver: Receiver;
  const created: string[] = [];
  let n = 0;
  const browser = () => new TestBrowser(env.app, { forwardedFor: '127.0.0.1' });
  const uniqueName = (prefix: string) => `${prefix}_${dialect}_${++n}`;

  beforeAll(async () => {
    receiver = await startReceiver({ validateEvents: true });
    env = await createTestEnv(dialect, {
      env: {
        IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
        IDHOOKS_TRUST_PROXY: 'true',
        IDHOOKS_RETRY_SCHEDULE: '1,1,1',
        IDHOOKS_DELIVERY_POLL_MS: '50',
      },
    });
    await env.container.delivery.engine.start();
  });
  afterEach(async () => {
    while (created.length > 0) await deleteHook(env, created.pop()!);
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  const hook = async (path: string, events: string[], config: Record<string, unknown> = {}) => {
    const made = await createHook(env, `${receiver.url}/${path}`, events, config);
    created.push(made.id);
    return made;
  };
  const userCount = async () =>
    Number(
      (
        await env.container.database.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const userNamed = (username: string) =>
    env.container.database.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();

  it('allow: the user is created; the call is signed with both schemes and recorded with its decision', async () => {
    // The longest deadline: the first call of the file also warms up the connection and the code.
    const h = await hook('allow', ['PreRegister'], { timeoutMs: 5000 });
    routeAnswers(receiver, { allow: answer({ decision: 'allow' }) });
    const before = receiver.requests.length;
    const username = uniqueName('allowed');
    await expectStatus(await registerIdentify(browser(), username), 201);
    expect(await userNamed(username)).toBeDefined();
    const request = receiver.requests[before]!;
    const payload = JSON.parse(request.body);
    expect(Object.keys(payload)).toEqual([
      'event',
      'interactionEvent',
      'createdAt',
      'sessionId',
      'userAgent',
      'userIp',
      'profile',
      'hookId',
    ]);
    expect(payload).toMatchObject({
      event: 'PreRegister',
      interactionEvent: 'Register',
      userIp: '127.0.0.1',
      profile: { username, primaryEmail: null, primaryPhone: null, name: null },
      hookId: h.id,
    });
    const headers = request.headers as Record<string, string>;
    expect(verifyLogtoSignature(h.signingKey, request.body, headers['logto-signature-sha-256']!)).toBe(true);
    expect(() => new Webhook(whsecOf(h.signingKey)).verify(request.body, headers)).not.toThrow();
    const [delivery] = await deliveriesOf(env, h.id, 'PreRegister');
    expect(delivery).toMatchObject({ status: 'succeeded', id: headers['webhook-id'] });
    expect(delivery!.attempts[0]).toMatchObject({
      result: 'Success',
      decision: 'allow',
      response: { status: 200, body: '{"decision":"allow"}' },
      request: { body: request.body },
    });
  });

  it('deny: 403 hook.denied with the receiver message, nothing created, no Post* event', async () => {
    const h = await hook('deny', ['PreRegister']);
    routeAnswers(receiver, {
      deny: answer({ decision: 'deny', message: 'Sign-ups from this network are closed.' }),
    });
    const users = await userCount();
    const events = (await listEvents(env.container)).length;
    const username = uniqueName('denied');
    const body = await expectRejected(await registerIdentify(browser(), username), 403, 'hook.denied');
    expect(body.message).toBe('Sign-ups from this network are closed.');
    expect(await userCount()).toBe(users);
    // Only the record of the call was written: no User.Created, no PostRegister.
    const newEvents = (await listEvents(env.container)).slice(events).map((e: any) => e.type);
    expect(newEvents).toEqual(['PreRegister']);
    const [delivery] = await deliveriesOf(env, h.id, 'PreRegister');
    expect(delivery!.attempts[0]).toMatchObject({ result: 'Success', decision: 'deny' });
    // The console's delivery page shows the call with its decision.
    const console = await signInToConsole(env);
    const html = await console.page(`/console/webhooks/${h.id}/recent-requests/${delivery!.id}`);
    expect(testIdText(html, 'attempt-decision')).toBe('Decision: deny');
    expect(html).toContain('Sign-ups from this network are closed.');
  });

  it('allow with customData from two hooks, merged in creation order; a third hook denying wins', async () => {
    await hook('first', ['PreRegister']);
    await hook('second', ['PreRegister']);
    routeAnswers(receiver, {
      first: answer({ decision: 'allow', customData: { plan: 'free', source: 'first' } }, 200, 100),
      second: answer({ decision: 'allow', customData: { plan: 'pro' } }),
      third: answer({ decision: 'deny', message: 'Third says no.' }, 200, 100),
    });
    const username = uniqueName('enriched');
    const started = Date.now();
    await expectStatus(await registerIdentify(browser(), username), 201);
    expect((await userNamed(username))?.customData).toBe(JSON.stringify({ plan: 'pro', source: 'first' }));
    await hook('third', ['PreRegister']);
    const body = await expectRejected(
      await registerIdentify(browser(), uniqueName('third')),
      403,
      'hook.denied',
    );
    expect(body.message).toBe('Third says no.');
    // Called in parallel: two 100 ms answers do not add up.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  const failures: Array<[string, () => Promise<{ url: string; close?: () => Promise<void> }>]> = [
    ['a 500', async () => ({ url: 'err500' })],
    ['a timeout', async () => ({ url: 'slow' })],
    ['a body that is not JSON', async () => ({ url: 'text' })],
    ['a wrong type', async () => ({ url: 'wrongtype' })],
    ['customData that is not an object', async () => ({ url: 'badcustom' })],
    ['a huge body', async () => ({ url: 'huge' })],
    ['a slow body', async () => startTricklingServer(40)],
    ['an address the SSRF guard refuses', async () => ({ url: 'http://127.0.0.2:9/refused' })],
  ];
  const failureRoutes = {
    err500: answer({ decision: 'allow' }, 500),
    slow: answer({ decision: 'allow' }, 200, 1500),
    text: answer('allow'),
    wrongtype: answer({ decision: 'allow', customData: 'x' }),
    badcustom: answer({ decision: 'allow', customData: [1, 2] }),
    huge: answer({ decision: 'deny', message: 'x', pad: 'y'.repeat(200_000) }),
  };
  const targetOf = (url: string) => (url.startsWith('http') ? url : `${receiver.url}/${url}`);

  it.each(failures)('%s under the closed policy: 503 hook.unavailable, nothing created', async (_, make) => {
    const target = await make();
    try {
      const h = await createHook(env, targetOf(target.url), ['PreRegister'], {
        failurePolicy: 'closed',
        timeoutMs: 300,
      });
      created.push(h.id);
      routeAnswers(receiver, failureRoutes);
      const users = await userCount();
      const started = Date.now();
      await expectRejected(await registerIdentify(browser(), uniqueName('closed')), 503, 'hook.unavailable');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(await userCount()).toBe(users);
      const [delivery] = await deliveriesOf(env, h.id, 'PreRegister');
      expect(delivery).toMatchObject({ status: 'failed' });
      expect(delivery!.attempts[0]).toMatchObject({ result: 'Error', decision: 'unavailable' });
      expect(delivery!.attempts[0]!.error).toBeTruthy();
    } finally {
      await target.close?.();
    }
  });

  it.each(failures)(
    '%s under the open policy: the flow goes on and a skipped notice is queued',
    async (_, make) => {
      const target = await make();
      try {
        const h = await createHook(env, targetOf(target.url), ['PreRegister'], { timeoutMs: 300 });
        created.push(h.id);
        routeAnswers(receiver, failureRoutes);
        const username = uniqueName('open');
        await expectStatus(await registerIdentify(browser(), username), 201);
        expect(await userNamed(username)).toBeDefined();
        const deliveries = await deliveriesOf(env, h.id, 'PreRegister');
        const call = deliveries.find((d) => d.attempts[0]?.decision === 'skipped');
        expect(call).toMatchObject({ status: 'failed' });
        // The notice: the same payload plus "decision": "skipped", through the durable queue.
        const notice = deliveries.find((d) => d.id !== call!.id);
        expect(notice).toBeDefined();
        const stored = await env.container.database.db
          .selectFrom('events')
          .select('payload')
          .where('id', '=', notice!.eventId)
          .executeTakeFirstOrThrow();
        expect(JSON.parse(stored.payload)).toMatchObject({
          event: 'PreRegister',
          profile: { username },
          decision: 'skipped',
        });
      } finally {
        await target.close?.();
      }
    },
  );

  it('recover leaves failed calls alone: they are history, their notices are deliveries', async () => {
    const h = await hook('err500', ['PreRegister'], { failurePolicy: 'closed' });
    routeAnswers(receiver, failureRoutes);
    await expectRejected(await registerIdentify(browser(), uniqueName('recover')), 503, 'hook.unavailable');
    const recovered = await expectStatus<{ recovered: number }>(
      await env.api('POST', `/api/hooks/${h.id}/deliveries/recover`, { since: 0 }),
      202,
    );
    expect(recovered.recovered).toBe(0);
    expect((await deliveriesOf(env, h.id, 'PreRegister')).map((d) => d.status)).toEqual(['failed']);
  });

  it('refuses to resend the record of a blocking call (409), and leaves it as it was', async () => {
    const h = await hook('err500', ['PreRegister'], { failurePolicy: 'closed' });
    routeAnswers(receiver, failureRoutes);
    await expectRejected(await registerIdentify(browser(), uniqueName('resend')), 503, 'hook.unavailable');
    const [call] = await deliveriesOf(env, h.id, 'PreRegister');
    if (!call) throw new Error('no recorded call');
    const before = receiver.requests.length;
    await expectRejected(
      await env.api('POST', `/api/hooks/${h.id}/deliveries/${call.id}/resend`),
      409,
      'delivery.blocking_call',
    );
    expect((await deliveriesOf(env, h.id, 'PreRegister')).map((d) => [d.id, d.status])).toEqual([
      [call.id, 'failed'],
    ]);
    await new Promise((done) => setTimeout(done, 200));
    expect(receiver.requests.length).toBe(before);
  });

  it('delivers the skipped notice once the receiver is back', async () => {
    let isDown = true;
    const h = await hook('flaky', ['PreRegister'], { timeoutMs: 500 });
    routeAnswers(receiver, {
      flaky: () => (isDown ? answer('down', 503) : answer({ decision: 'allow' })),
    });
    const username = uniqueName('comeback');
    await expectStatus(await registerIdentify(browser(), username), 201);
    // The notice fails while the receiver is down, then arrives on a retry.
    await eventually(async () =>
      receiver.requests.filter((r) => r.url === '/flaky').length >= 2 ? true : undefined,
    );
    isDown = false;
    const arrived = await eventually(
      async () => {
        const deliveries = await deliveriesOf(env, h.id, 'PreRegister');
        return deliveries.find((d) => d.status === 'succeeded' && d.attempts.at(-1)?.decision === undefined);
      },
      { timeoutMs: 15_000, what: 'the skipped notice delivered' },
    );
    expect(arrived.attempts.length).toBeGreaterThan(1);
    const body = JSON.parse(arrived.attempts.at(-1)!.request.body);
    expect(body).toMatchObject({
      event: 'PreRegister',
      decision: 'skipped',
      profile: { username },
      hookId: h.id,
    });
    expect(Object.keys(body).slice(-2)).toEqual(['decision', 'hookId']);
  });

  it('PreSignIn: deny stops the sign-in with no session and no PostSignIn; allow lets it through', async () => {
    const username = uniqueName('signer');
    await expectStatus(await registerIdentify(browser(), username), 201);
    const h = await hook('signin', ['PreSignIn']);
    let isDenying = true;
    routeAnswers(receiver, {
      signin: () =>
        isDenying ? answer({ decision: 'deny', message: 'Not today.' }) : answer({ decision: 'allow' }),
    });
    const events = (await listEvents(env.container)).length;
    const b = browser();
    const body = await expectRejected(await signInSubmit(b, username), 403, 'hook.denied');
    expect(body.message).toBe('Not today.');
    const sessions = await env.container.database.db
      .selectFrom('experienceSessions')
      .select('id')
      .where('userId', '=', JSON.parse(receiver.requests.at(-1)!.body).userId)
      .execute();
    expect(sessions).toEqual([]);
    expect((await listEvents(env.container)).slice(events).map((e: any) => e.type)).toEqual(['PreSignIn']);
    const request = JSON.parse(receiver.requests.at(-1)!.body);
    expect(request).toMatchObject({ event: 'PreSignIn', interactionEvent: 'SignIn', user: { username } });
    expect(request.userId).toBe(request.user.id);
    isDenying = false;
    await expectStatus(await signInSubmit(browser(), username), 200);
    const types = (await listEvents(env.container)).slice(events).map((e: any) => e.type);
    expect(types).toContain('PostSignIn');
    expect((await deliveriesOf(env, h.id, 'PreSignIn')).map((d) => d.attempts[0]?.decision)).toEqual([
      'allow',
      'deny',
    ]);
  });

  it('holds no database transaction open while a call is out', async () => {
    await hook('probe', ['PreRegister'], { timeoutMs: 3000 });
    let probe: Promise<string> | undefined;
    let answeredAt = 0;
    // While the call waits (the answer comes 600 ms later), another request writes. With a
    // transaction open around the call it could not finish first: SQLite has one connection, and
    // on PostgreSQL the open transaction's locks on this test's tables would show.
    receiver.respondWith(() => {
      answeredAt = Date.now() + 600;
      probe = (async () => {
        const response = await env.api('POST', '/api/roles', { name: uniqueName('probe'), description: 'x' });
        const isBeforeAnswer = Date.now() < answeredAt;
        let locks = 0;
        if (dialect === 'postgres') {
          const { rows } = await (env.container.database.pgPool as any).query(
            'select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation ' +
              'join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and l.pid <> pg_backend_pid()',
            [env.database.pgSchema],
          );
          locks = rows[0].n;
        }
        return `${response.status} before answer: ${isBeforeAnswer}, locks: ${locks}`;
      })();
      return answer({ decision: 'deny', message: 'probing' }, 200, 600);
    });
    await expectRejected(await registerIdentify(browser(), uniqueName('probe')), 403, 'hook.denied');
    expect(await probe).toBe('200 before answer: true, locks: 0');
  });

  it('counts calls in /metrics by event and outcome, with a latency histogram', async () => {
    const text = await (await env.app.request('/metrics')).text();
    expect(text).toMatch(/idhooks_blocking_calls_total\{event="PreRegister",outcome="allow"\} \d+/);
    expect(text).toMatch(/idhooks_blocking_calls_total\{event="PreRegister",outcome="deny"\} \d+/);
    expect(text).toMatch(/idhooks_blocking_calls_total\{event="PreRegister",outcome="failure"\} \d+/);
    expect(text).toMatch(/idhooks_blocking_call_duration_seconds_bucket\{le="0.005",event="PreSignIn"\} \d+/);
  });

  describe('hook configuration', () => {
    it.each([
      [{ timeoutMs: 5001 }],
      [{ timeoutMs: 0 }],
      [{ timeoutMs: 1.5 }],
      [{ timeoutMs: '1000' }],
      [{ failurePolicy: 'maybe' }],
      [{ failurePolicy: null }],
    ])('refuses %j with 400 and changes nothing', async (bad) => {
      const h = await hook('config', ['PreRegister'], { timeoutMs: 1000, failurePolicy: 'closed' });
      const hooksBefore = await expectStatus<unknown[]>(await env.api('GET', '/api/hooks'), 200);
      await expectRejected(
        await env.api('POST', '/api/hooks', {
          events: ['PreRegister'],
          config: { url: `${receiver.url}/x`, ...bad },
        }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(
        await env.api('PATCH', `/api/hooks/${h.id}`, { config: { url: `${receiver.url}/x`, ...bad } }),
        400,
        'guard.invalid_input',
      );
      expect(await expectStatus<unknown[]>(await env.api('GET', '/api/hooks'), 200)).toEqual(hooksBefore);
    });

    it('stores and returns timeoutMs and failurePolicy', async () => {
      const h = await hook('config', ['PreSignIn'], { timeoutMs: 5000, failurePolicy: 'closed' });
      expect(h.config).toMatchObject({ timeoutMs: 5000, failurePolicy: 'closed' });
    });
  });
});
