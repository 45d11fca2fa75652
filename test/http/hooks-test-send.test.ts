import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/shared/clock.js';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';

/** Logto's own test send, captured from a real server (contract/captures). */
const CAPTURE = JSON.parse(
  readFileSync(new URL('../fixtures/captures/test-send-user-created.json', import.meta.url), 'utf8'),
) as { bodyRaw: string; rawHeaders: string[] };

/** A loopback port with nothing listening: bind one, note it, close it. */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What a receiver does: HMAC-SHA256 of the raw body with the signing key, lowercase hex. */
const expectedLogtoSignature = (signingKey: string, rawBody: string) =>
  createHmac('sha256', signingKey).update(rawBody).digest('hex');

const whsec = (signingKey: string) => `whsec_${Buffer.from(signingKey).toString('base64')}`;

const headerNames = (request: ReceivedRequest) => request.rawHeaders.filter((_, i) => i % 2 === 0);

describeEachDialect('Hooks API: test send', (dialect) => {
  let env: TestEnv;
  let clock: ManualClock;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    clock = createManualClock(Date.now());
    env = await createTestEnv(dialect, {
      clock,
      env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32,::1/128' },
    });
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });
  afterEach(() => {
    receiver.requests.length = 0;
    receiver.respondWith({ status: 200, body: 'ok' });
  });

  const db = () => env.container.database.db;
  const json = async <T>(response: Response) => (await response.json()) as T;
  const create = async (body: Record<string, unknown>) => {
    const response = await env.api('POST', '/api/hooks', body);
    expect(response.status, await response.clone().text()).toBe(201);
    return json<HookResponse>(response);
  };
  const history = async () =>
    JSON.stringify([
      await db().selectFrom('deliveries').selectAll().orderBy('id').execute(),
      await db().selectFrom('deliveryAttempts').selectAll().orderBy('id').execute(),
      await db().selectFrom('events').selectAll().orderBy('id').execute(),
    ]);
  const sendTest = (hookId: string, body: unknown) => env.api('POST', `/api/hooks/${hookId}/test`, body);

  describe('happy path', () => {
    it("sends Logto's test payload, byte for byte, signed as a receiver checks it", async () => {
      const hook = await create({ events: ['User.Created'], config: { url: `${receiver.url}/saved` } });
      const before = await history();
      const response = await sendTest(hook.id, {
        events: ['User.Created'],
        config: { url: `${receiver.url}/test-endpoint` },
      });
      expect(response.status, await response.clone().text()).toBe(204);
      expect(receiver.requests).toHaveLength(1);
      const [request] = receiver.requests as [ReceivedRequest];
      expect(request).toMatchObject({ method: 'POST', url: '/test-endpoint' });

      // The captured body with this hook's id and this moment's time is exactly what we sent.
      const captured = JSON.parse(CAPTURE.bodyRaw) as Record<string, unknown>;
      const expected = { ...captured, hookId: hook.id, createdAt: new Date(clock.now()).toISOString() };
      expect(request.body).toBe(JSON.stringify(expected));
      expect(Object.keys(JSON.parse(request.body) as object)).toEqual(Object.keys(captured));

      expect(request.headers['logto-signature-sha-256']).toBe(
        expectedLogtoSignature(hook.signingKey, request.body),
      );
      expect(request.headers['user-agent']).toBe('Logto (https://logto.io/)');
      expect(request.headers['content-type']).toBe('application/json');
      const names = headerNames(request);
      const captureOrder = ['logto-signature-sha-256', 'user-agent', 'content-type'];
      expect(names.filter((n) => captureOrder.includes(n))).toEqual(captureOrder);
      expect(names.indexOf('content-type')).toBeLessThan(names.indexOf('webhook-id'));

      expect(request.headers['webhook-id']).toMatch(/^msg_test_[0-9a-z]{21}$/);
      expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
      expect(
        new Webhook(whsec(hook.signingKey)).verify(request.body, request.headers as Record<string, string>),
      ).toEqual(expected);
      // Test sends are not recorded anywhere (docs/events.md#test-payloads).
      expect(await history()).toBe(before);
    });

    it('uses the unsaved config from the body, works for disabled hooks, one request per event', async () => {
      const hook = await create({
        events: ['User.Deleted'],
        config: { url: `${receiver.url}/saved`, headers: { 'X-Saved': '1' } },
        enabled: false,
      });
      const response = await sendTest(hook.id, {
        events: ['PostSignIn', 'User.Created', 'PostSignIn'],
        config: {
          url: `${receiver.url}/unsaved`,
          headers: { 'X-Trace': 'abc', 'User-Agent': 'custom-agent' },
        },
      });
      expect(response.status).toBe(204);
      expect(receiver.requests).toHaveLength(2);
      const byEvent = new Map(
        receiver.requests.map((r) => [(JSON.parse(r.body) as { event: string }).event, r]),
      );
      expect([...byEvent.keys()].sort()).toEqual(['PostSignIn', 'User.Created']);
      for (const request of receiver.requests) {
        expect(request.url).toBe('/unsaved');
        expect(request.headers).toMatchObject({ 'x-trace': 'abc', 'user-agent': 'custom-agent' });
        expect(request.headers['x-saved']).toBeUndefined();
        expect(request.headers['logto-signature-sha-256']).toBe(
          expectedLogtoSignature(hook.signingKey, request.body),
        );
      }
      const ids = receiver.requests.map((r) => r.headers['webhook-id']);
      expect(new Set(ids).size).toBe(2);
      const signIn = JSON.parse(byEvent.get('PostSignIn')!.body) as Record<string, unknown>;
      expect(Object.keys(signIn)).toEqual([
        'event',
        'hookId',
        'createdAt',
        'userAgent',
        'sessionId',
        'userIp',
        'userId',
        'user',
        'application',
      ]);
      // The stored hook is untouched by a test send.
      expect(await json(await env.api('GET', `/api/hooks/${hook.id}`))).toEqual(hook);
    });

    it('signs webhook-signature with the previous key too while its grace lasts', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: `${receiver.url}/x` } });
      const rotated = await json<HookResponse>(await env.api('PATCH', `/api/hooks/${hook.id}/signing-key`));
      expect(
        (await sendTest(hook.id, { events: ['Role.Created'], config: { url: `${receiver.url}/x` } })).status,
      ).toBe(204);
      const [request] = receiver.requests as [ReceivedRequest];
      const headers = request.headers as Record<string, string>;
      expect(headers['logto-signature-sha-256']).toBe(
        expectedLogtoSignature(rotated.signingKey, request.body),
      );
      expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
      // A receiver that only knows the old key still verifies; so does one with the new key.
      expect(() => new Webhook(whsec(hook.signingKey)).verify(request.body, headers)).not.toThrow();
      expect(() => new Webhook(whsec(rotated.signingKey)).verify(request.body, headers)).not.toThrow();
    });
  });

  describe('failures', () => {
    it('answers 422 endpoint_responded_with_error with the status and body the endpoint sent', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: `${receiver.url}/x` } });
      receiver.respondWith({ status: 500, body: 'boom: database down' });
      const before = await history();
      const response = await sendTest(hook.id, {
        events: ['User.Created'],
        config: { url: `${receiver.url}/x` },
      });
      expect(response.status).toBe(422);
      expect(await json(response)).toEqual({
        code: 'hook.endpoint_responded_with_error',
        message: 'Endpoint responded with error.',
        data: { responseStatus: 500, responseBody: 'boom: database down' },
      });
      expect(await history()).toBe(before);
    });

    it('reports the first failure in event order when only some requests fail', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: `${receiver.url}/x` } });
      receiver.respondWith((request) =>
        request.body.includes('"User.Deleted"') ? { status: 404, body: 'no such route' } : { status: 200 },
      );
      const response = await sendTest(hook.id, {
        events: ['User.Created', 'User.Deleted'],
        config: { url: `${receiver.url}/x` },
      });
      expect(response.status).toBe(422);
      expect(await json(response)).toMatchObject({
        data: { responseStatus: 404, responseBody: 'no such route' },
      });
      expect(receiver.requests).toHaveLength(2);
    });

    it('answers 422 send_test_payload_failed when nothing listens (loopback only)', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: `${receiver.url}/x` } });
      const port = await closedLoopbackPort();
      const response = await sendTest(hook.id, {
        events: ['User.Created'],
        config: { url: `http://127.0.0.1:${port}/nobody-home` },
      });
      expect(response.status).toBe(422);
      const body = await json<{ code: string; message: string }>(response);
      expect(body.code).toBe('hook.send_test_payload_failed');
      expect(body.message).toMatch(/^Failed to send test payload: .*ECONNREFUSED/);
    });

    it('refuses a loopback address outside the allow list, as deliveries do', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: `${receiver.url}/x` } });
      // 127.0.0.2 is loopback but not in 127.0.0.1/32: the SSRF guard must refuse it. Even if the
      // guard were broken, the request would stay on this machine.
      const port = Number(new URL(receiver.url).port);
      const response = await sendTest(hook.id, {
        events: ['User.Created'],
        config: { url: `http://127.0.0.2:${port}/x` },
      });
      expect(response.status).toBe(422);
      const body = await json<{ code: string; message: string }>(response);
      expect(body.code).toBe('hook.send_test_payload_failed');
      expect(body.message).toMatch(/^Failed to send test payload: refused: .*127\.0\.0\.2.*loopback/);
      expect(receiver.requests).toHaveLength(0);
    });
  });
});
