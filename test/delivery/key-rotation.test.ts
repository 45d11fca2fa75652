/**
 * Regenerating a signing key keeps the old one signing `webhook-signature` for the grace period,
 * so a receiver that has not yet learnt the new key keeps verifying; the injected clock walks
 * through the 24 h grace without waiting.
 */
import { createHmac } from 'node:crypto';
import { expect, it } from 'vitest';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import { createManualClock } from '../../src/shared/clock.js';
import { expectStatus } from '../helpers/api.js';
import type { ReceivedRequest } from '../helpers/receiver.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from './support.js';

const HOUR_MS = 60 * 60 * 1000;

/** Standard Webhooks verification with a given key, without the 5-minute check on the injected time. */
function verifiesWith(request: ReceivedRequest, signingKey: string): boolean {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  const expected = createHmac('sha256', Buffer.from(signingKey, 'utf8'))
    .update(`${id}.${timestamp}.${request.body}`)
    .digest('base64');
  return String(request.headers['webhook-signature'])
    .split(' ')
    .some((signature) => signature === `v1,${expected}`);
}

const logtoSignature = (request: ReceivedRequest, signingKey: string) =>
  createHmac('sha256', signingKey).update(request.body).digest('hex');

describeEachDialect('signing key rotation', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  it('the old key verifies until its grace ends; the Logto header uses the new key at once', async () => {
    const clock = createManualClock(Date.now());
    const env = await harness.env({}, { clock });
    const receiver = await harness.receiver();
    const call = async (method: string, path: string, body?: unknown) =>
      env.api(method, path, body, { authorization: `Bearer ${await env.token()}` });
    let users = 0;
    const deliverOne = async (count: number) => {
      await expectStatus(await call('POST', '/api/users', { username: `rotation_${users++}` }), 200);
      const requests = await receiver.waitFor(count, 5_000);
      return requests[count - 1]!;
    };

    const created = await expectStatus<HookResponse>(
      await call('POST', '/api/hooks', { events: ['User.Created'], config: { url: `${receiver.url}/hook` } }),
      201,
    );
    const oldKey = created.signingKey;
    await withEngine(env.container.delivery.engine, async () => {
      const before = await deliverOne(1);
      expect(verifiesWith(before, oldKey)).toBe(true);
      expect(String(before.headers['webhook-signature']).split(' ')).toHaveLength(1);

      const rotated = await expectStatus<HookResponse>(
        await call('PATCH', `/api/hooks/${created.id}/signing-key`),
        200,
      );
      const newKey = rotated.signingKey;
      expect(newKey).not.toBe(oldKey);

      clock.advance(23 * HOUR_MS);
      const during = await deliverOne(2);
      expect(verifiesWith(during, oldKey), 'a receiver knowing only the old key still verifies').toBe(true);
      expect(verifiesWith(during, newKey)).toBe(true);
      expect(during.headers['logto-signature-sha-256']).toBe(logtoSignature(during, newKey));

      clock.advance(HOUR_MS + 1);
      const after = await deliverOne(3);
      expect(verifiesWith(after, oldKey), 'the grace is over').toBe(false);
      expect(verifiesWith(after, newKey)).toBe(true);
      expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    });
  });
});
