import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { whsecOf } from '../../src/domain/signing.js';
import { RESPONSE_BODY_LIMIT_BYTES } from '../../src/domain/outbound.js';
import { appendEvents, insertHook, listAttempts, waitForDeliveries } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from './support.js';

const stringHeaders = (headers: Record<string, string | string[] | undefined>) =>
  Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
  );

describeEachDialect('delivery engine', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  describe('happy path', () => {
    it('delivers a Users API change within milliseconds of the commit and records the attempt', async () => {
      const env = await harness.env(); // the poll is 60 s: only the in-process wake-up can explain a fast delivery
      const receiver = await harness.receiver();
      receiver.respondWith({
        status: 200,
        body: 'x'.repeat(RESPONSE_BODY_LIMIT_BYTES + 5_000),
        headers: { 'x-receiver': 'yes' },
      });
      const hook = await insertHook(env.container.database.db, {
        url: `${receiver.url}/hook`,
        headers: { 'X-Custom': 'c1' },
      });
      const { engine } = env.container.delivery;

      await withEngine(engine, async () => {
        const response = await env.api('POST', '/api/users', { username: 'first_delivery' });
        expect(response.status).toBe(200);
        const user = (await response.json()) as { id: string };
        const [request] = await receiver.waitFor(1, 5_000);
        const body = JSON.parse(request!.body) as Record<string, unknown>;
        expect(body).toMatchObject({ event: 'User.Created', data: { id: user.id }, hookId: hook.id });
        expect(Object.keys(body).at(-1)).toBe('hookId');
        expect(request!.headers['x-custom']).toBe('c1');
        expect(request!.headers['user-agent']).toBe('Logto (https://logto.io/)');
        await waitForDeliveries(env.container.database.db, ['succeeded']);
      });

      const [attempt] = await listAttempts(env.container.database.db);
      expect(attempt).toMatchObject({
        hookId: hook.id,
        eventType: 'User.Created',
        attempt: 1,
        isSuccess: true,
        requestUrl: `${receiver.url}/hook`,
        responseStatus: 200,
        error: null,
        nextAttemptAt: null,
      });
      expect(attempt!.requestHeaders).toMatchObject({ 'X-Custom': 'c1', 'content-type': 'application/json' });
      expect(Object.keys(attempt!.requestHeaders)[0]).toBe('logto-signature-sha-256');
      expect(attempt!.responseHeaders).toMatchObject({ 'x-receiver': 'yes' });
      expect(attempt!.responseBody).toHaveLength(RESPONSE_BODY_LIMIT_BYTES);
      expect(attempt!.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('signs the exact body as a receiver verifies it: hex HMAC and Standard Webhooks', async () => {
      const env = await harness.env();
      const receiver = await harness.receiver();
      const oldKey = 'old-signing-key-still-in-grace-00';
      const hook = await insertHook(env.container.database.db, {
        url: receiver.url,
        previousSigningKeys: [
          { key: oldKey, expiresAt: Date.now() + 60_000 },
          { key: 'expired', expiresAt: Date.now() - 1 },
        ],
      });
      await withEngine(env.container.delivery.engine, async () => {
        await appendEvents(env.container, 1);
        await receiver.waitFor(1, 5_000);
      });
      const [request] = receiver.requests;
      const headers = stringHeaders(request!.headers);
      const expected = createHmac('sha256', hook.signingKey).update(request!.body).digest('hex');
      expect(headers['logto-signature-sha-256']).toBe(expected);
      expect(new Webhook(whsecOf(hook.signingKey)).verify(request!.body, headers)).toMatchObject({
        hookId: hook.id,
      });
      expect(
        new Webhook(whsecOf(oldKey)).verify(request!.body, headers),
        'the old key verifies during its grace',
      ).toBeTruthy();
      expect(() => new Webhook(whsecOf('expired')).verify(request!.body, headers)).toThrow();
      const [delivery] = await waitForDeliveries(env.container.database.db, ['succeeded']);
      expect(headers['webhook-id']).toBe(delivery!.id);
    });
  });

  describe('retries', () => {
    it('retries a failed attempt with the same bytes and webhook-id, then succeeds', async () => {
      const env = await harness.env();
      const receiver = await harness.receiver();
      receiver.respondWith((request) => ({ status: receiver.requests.indexOf(request) === 0 ? 503 : 200 }));
      await insertHook(env.container.database.db, { url: receiver.url });
      await withEngine(env.container.delivery.engine, async () => {
        await appendEvents(env.container, 1);
        await receiver.waitFor(2, 5_000);
        await waitForDeliveries(env.container.database.db, ['succeeded']);
      });
      const [first, second] = receiver.requests;
      expect(second!.body).toBe(first!.body);
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      const attempts = await listAttempts(env.container.database.db);
      expect(attempts.map((a) => [a.attempt, a.isSuccess, a.responseStatus, a.error])).toEqual([
        [1, false, 503, 'HTTP 503'],
        [2, true, 200, null],
      ]);
      expect(attempts[0]!.nextAttemptAt).toBeGreaterThan(attempts[0]!.startedAt);
    });

    it('ends failed after the last attempt of the schedule', async () => {
      const env = await harness.env();
      const receiver = await harness.receiver();
      receiver.respondWith({ status: 500, body: 'broken' });
      await insertHook(env.container.database.db, { url: receiver.url });
      await withEngine(env.container.delivery.engine, async () => {
        await appendEvents(env.container, 1);
        await waitForDeliveries(env.container.database.db, ['failed']);
      });
      expect(receiver.requests).toHaveLength(4); // the first attempt plus three retries
      const [delivery] = await waitForDeliveries(env.container.database.db, ['failed']);
      expect(delivery).toMatchObject({ attempts: 4, lastStatus: 500, lastError: 'HTTP 500' });
      expect((await listAttempts(env.container.database.db)).map((a) => a.nextAttemptAt === null)).toEqual([
        false,
        false,
        false,
        true,
      ]);
    });

    it('stops at 410 Gone', async () => {
      const env = await harness.env();
      const receiver = await harness.receiver();
      receiver.respondWith({ status: 410 });
      await insertHook(env.container.database.db, { url: receiver.url });
      await withEngine(env.container.delivery.engine, async () => {
        await appendEvents(env.container, 1);
        await waitForDeliveries(env.container.database.db, ['failed']);
      });
      expect(receiver.requests).toHaveLength(1);
      const [delivery] = await waitForDeliveries(env.container.database.db, ['failed']);
      expect(delivery).toMatchObject({ attempts: 1, lastStatus: 410 });
      expect(delivery!.lastError).toMatch(/410 Gone stops retries/);
    });
  });
});
