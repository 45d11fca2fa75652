import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { insertHook, setHookEnabled } from '../helpers/builders.js';
import { insertHistory } from '../helpers/history.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/** The console bugs of issue 18: held deliveries, the resend wording, and live statuses. */
describeEachDialect('console: delivery states and live status', (dialect) => {
  const now = Date.parse('2026-03-02T10:30:00.000Z');
  const clock = createManualClock(now);
  let env: TestEnv;
  let client: ConsoleClient;
  const db = () => env.container.database.db;

  beforeAll(async () => {
    env = await createTestEnv(dialect, { clock });
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  async function retryingDelivery() {
    const id = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'retrying', now })).id;
    const { deliveryId } = await insertHistory(db(), id, {
      status: 'pending',
      attempts: [{ startedAt: now - 60_000, isSuccess: false, status: 503, nextAttemptAt: now + 300_000 }],
    });
    return { id, deliveryId };
  }

  it('says a disabled webhook’s waiting deliveries are held, not that a retry is scheduled', async () => {
    const { id, deliveryId } = await retryingDelivery();
    const path = `/console/webhooks/${id}/recent-requests/${deliveryId}`;
    expect(testIdText(await client.page(path), 'delivery-state')).toBe('Retry scheduled');
    await setHookEnabled(db(), id, false);
    const delivery = await client.page(path);
    expect(testIdText(delivery, 'delivery-state')).toBe('Held (webhook disabled)');
    expect(testIdText(delivery, 'next-attempt-at')).toBe('Held until the webhook is reactivated');
    expect(delivery).not.toContain('Next attempt scheduled for');
    expect(delivery).not.toContain('Retry scheduled');
    const list = await client.page(`/console/webhooks/${id}/recent-requests`);
    expect(testIdText(list, 'delivery-state')).toBe('Held (webhook disabled)');
  });

  it('marks open deliveries for the live script and answers its poll with the same tag texts', async () => {
    const { id, deliveryId } = await retryingDelivery();
    const { deliveryId: doneId } = await insertHistory(db(), id, {
      attempts: [{ startedAt: now - 30_000, isSuccess: true, status: 200 }],
    });
    const list = await client.page(`/console/webhooks/${id}/recent-requests`);
    expect(list).toContain(`data-live-status="/console/webhooks/${id}/delivery-status"`);
    expect(list).toContain(`<tr data-delivery-id="${deliveryId}" data-open="true">`);
    expect(list).toContain(`<tr data-delivery-id="${doneId}">`);
    const response = await client.get(
      `/console/webhooks/${id}/delivery-status?ids=${deliveryId},${doneId},unknown-id`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { deliveries: Array<Record<string, unknown>> };
    expect(body.deliveries).toEqual([
      {
        id: deliveryId,
        status: 'pending',
        attemptCount: 1,
        isOpen: true,
        state: { text: 'Retry scheduled', tone: 'info' },
        response: { text: '503', tone: 'err' },
      },
      {
        id: doneId,
        status: 'succeeded',
        attemptCount: 1,
        isOpen: false,
        state: { text: 'Succeeded', tone: 'ok' },
        response: { text: '200', tone: 'ok' },
      },
    ]);
    // Another hook's delivery is not this hook's to report.
    const other = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'other', now })).id;
    const foreign = await client.get(`/console/webhooks/${other}/delivery-status?ids=${deliveryId}`);
    expect(((await foreign.json()) as { deliveries: unknown[] }).deliveries).toEqual([]);
    const tooMany = Array.from({ length: 21 }, (_, i) => `d${i}`).join(',');
    expect((await client.get(`/console/webhooks/${id}/delivery-status?ids=${tooMany}`)).status).toBe(400);
  });

  it('allows the poll in the page’s CSP and still works without a script (no live marker needed)', async () => {
    const response = await client.get('/console/webhooks');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('does not say "reload to see it" next to a notice that promises the attempt below', async () => {
    const { id, deliveryId } = await retryingDelivery();
    const path = `/console/webhooks/${id}/recent-requests/${deliveryId}`;
    const resent = await client.post(`${path}/resend`);
    expect(resent.status).toBe(303);
    const html = await client.page(`${path}?notice=resent`);
    expect(testIdText(html, 'notice')).toBe(
      'The delivery has been queued to be sent again; its new attempt is listed below once sent.',
    );
    expect(html).not.toContain('reload to see it');
    expect(html).toContain('data-live-delivery=');
  });
});
