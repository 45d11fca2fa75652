/**
 * What a receiver gets for the Management API calls Logto was captured answering
 * (test/fixtures/captures/user-*.json): the same payload keys in the same order, the same values
 * where they do not depend on ids or time, the same headers in the same order, and a signature a
 * receiver can check. The only differences are the additions in docs/compatibility.md#additions (the Standard Webhooks
 * headers) and the fetch-only `accept-encoding` (see src/domain/headers.ts).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { whsecOf } from '../../src/domain/signing.js';
import type { ReceivedRequest } from '../helpers/receiver.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from './support.js';

interface Capture {
  rawHeaders: string[];
  bodyRaw: string;
}

const capture = (name: string): Capture =>
  JSON.parse(readFileSync(new URL(`../fixtures/captures/${name}.json`, import.meta.url), 'utf8')) as Capture;

/** Header names in wire order, lowercased. */
const headerNames = (rawHeaders: string[]) =>
  rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());

/** Every object's keys, depth first, so nested order is compared too. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [
    `${prefix}${key}`,
    ...keyPaths(child, `${prefix}${key}.`),
  ]);
}

const STANDARD_WEBHOOKS_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

describeEachDialect('Logto conformance of delivered requests', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  describe('User.Created, User.Data.Updated and User.Deleted as Logto sends them', () => {
    it('match the captures in keys, values, header order and signature', async () => {
      // app.request() has no socket: the client address comes from a trusted X-Forwarded-For instead.
      const env = await harness.env({ IDHOOKS_TRUST_PROXY: 'true' });
      const receiver = await harness.receiver();
      const created = await env.api('POST', '/api/hooks', {
        name: 'conformance',
        events: ['User.Created', 'User.Data.Updated', 'User.Deleted'],
        config: { url: `${receiver.url}/hook`, headers: { 'x-custom-header': 'hello' } },
      });
      expect(created.status).toBe(201);
      const hook = (await created.json()) as { id: string; signingKey: string };
      const curl = { 'user-agent': 'curl/7.88.1', 'x-forwarded-for': '127.0.0.1' };

      let received: ReceivedRequest[] = [];
      await withEngine(env.container.delivery.engine, async () => {
        const user = (await (
          await env.api(
            'POST',
            '/api/users',
            {
              username: 'webhook_probe_4',
              primaryEmail: 'probe4@example.com',
              name: 'Probe Four',
              customData: { plan: 'free' },
            },
            curl,
          )
        ).json()) as { id: string };
        await receiver.waitFor(1);
        await env.api('PATCH', `/api/users/${user.id}`, { name: 'Probe One Renamed' }, curl);
        await receiver.waitFor(2);
        await env.api('DELETE', `/api/users/${user.id}`, undefined, curl);
        received = await receiver.waitFor(3);
      });

      const cases = [
        { request: received[0]!, capture: capture('user-created'), path: '/users' },
        { request: received[1]!, capture: capture('user-data-updated'), path: '/users/:userId' },
        { request: received[2]!, capture: capture('user-deleted'), path: '/users/:userId' },
      ];
      for (const { request, capture: logto, path } of cases) {
        const ours = JSON.parse(request.body) as Record<string, unknown>;
        const theirs = JSON.parse(logto.bodyRaw) as Record<string, unknown>;
        expect(keyPaths(ours)).toEqual(keyPaths(theirs));
        for (const key of ['event', 'userAgent', 'ip', 'method', 'status', 'matchedRoute'] as const) {
          expect(ours[key], key).toEqual(theirs[key]);
        }
        expect(ours.matchedRoute).toBe(path);
        expect(ours.hookId).toBe(hook.id);
        expect(ours.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

        const expectedHeaders = headerNames(logto.rawHeaders).filter((name) => name !== 'accept-encoding');
        const ourHeaders = headerNames(request.rawHeaders);
        expect(ourHeaders.filter((name) => !STANDARD_WEBHOOKS_HEADERS.includes(name))).toEqual(
          expectedHeaders,
        );
        expect(ourHeaders).toEqual(expect.arrayContaining(STANDARD_WEBHOOKS_HEADERS));
        expect(request.headers['user-agent']).toBe('Logto (https://logto.io/)');
        expect(request.headers['x-custom-header']).toBe('hello');

        const hex = createHmac('sha256', hook.signingKey).update(request.body).digest('hex');
        expect(request.headers['logto-signature-sha-256']).toBe(hex);
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
        expect(() => new Webhook(whsecOf(hook.signingKey)).verify(request.body, headers)).not.toThrow();
      }
      // The same delivery id across retries lets receivers de-duplicate; here, three deliveries.
      expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(3);
    });
  });
});
