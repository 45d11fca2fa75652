import { expect, it } from 'vitest';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import { createManualClock } from '../../src/shared/clock.js';
import { expectRejected, expectStatus } from '../helpers/api.js';
import { waitForDeliveries } from '../helpers/builders.js';
import { describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from '../delivery/support.js';

/** Sample values by series (`name{labels}` exactly as exposed). */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

async function scrape(env: TestEnv, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await env.app.request('/metrics', { headers });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(text);
}

describeEachDialect('GET /metrics', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  const createHook = async (env: TestEnv, url: string, events = ['User.Created']) =>
    expectStatus<HookResponse>(await env.api('POST', '/api/hooks', { events, config: { url } }), 201);

  it('counts events, attempts by outcome and their durations, and shows the queue', async () => {
    const env = await harness.env();
    const ok = await harness.receiver();
    const down = await harness.receiver();
    down.respondWith({ status: 500 });
    await createHook(env, `${ok.url}/a`);
    await createHook(env, `${down.url}/b`);
    await withEngine(env.container.delivery.engine, async () => {
      for (const username of ['m1', 'm2']) {
        await expectStatus(await env.api('POST', '/api/users', { username }), 200);
      }
      await waitForDeliveries(env.container.database.db, ['succeeded', 'failed']);
    });

    const samples = await scrape(env);
    expect(samples.get('idhooks_events_appended_total{event="User.Created"}')).toBe(2);
    // Two deliveries to the healthy hook; two to the failing one, four attempts each (3 retries).
    expect(samples.get('idhooks_delivery_attempts_total{outcome="succeeded"}')).toBe(2);
    expect(samples.get('idhooks_delivery_attempts_total{outcome="retrying"}')).toBe(6);
    expect(samples.get('idhooks_delivery_attempts_total{outcome="failed"}')).toBe(2);
    expect(samples.get('idhooks_delivery_attempt_duration_seconds_count')).toBe(10);
    expect(samples.get('idhooks_delivery_attempt_duration_seconds_bucket{le="+Inf"}')).toBe(10);
    expect(samples.get('idhooks_deliveries_pending')).toBe(0);
    expect(samples.get('idhooks_deliveries_sending')).toBe(0);
    expect(samples.get('idhooks_oldest_due_delivery_age_seconds')).toBe(0);
  });

  it('shows per-hook requests in flight while an endpoint hangs', async () => {
    const env = await harness.env({ IDHOOKS_HOOK_MAX_IN_FLIGHT: '2' });
    const slow = await harness.receiver();
    slow.respondWith({ status: 200, delayMs: 1_000 });
    const hook = await createHook(env, `${slow.url}/slow`);
    await withEngine(env.container.delivery.engine, async () => {
      for (const username of ['f1', 'f2', 'f3']) {
        await expectStatus(await env.api('POST', '/api/users', { username }), 200);
      }
      await slow.waitFor(2, 5_000);
      const samples = await scrape(env);
      expect(samples.get(`idhooks_hook_in_flight_requests{hook_id="${hook.id}"}`)).toBe(2);
      expect(samples.get('idhooks_deliveries_sending')).toBeGreaterThanOrEqual(2);
    });
  });

  it('reports how long the oldest due delivery has waited', async () => {
    const clock = createManualClock(Date.parse('2026-11-29T10:00:00.000Z'));
    const env = await harness.env({}, { clock });
    const receiver = await harness.receiver();
    await createHook(env, `${receiver.url}/late`);
    // No engine runs: the deliveries stay due.
    for (const username of ['o1', 'o2']) {
      await expectStatus(await env.api('POST', '/api/users', { username }), 200);
      clock.advance(10_000);
    }
    clock.advance(20_000);
    const samples = await scrape(env);
    expect(samples.get('idhooks_deliveries_pending')).toBe(2);
    expect(samples.get('idhooks_oldest_due_delivery_age_seconds')).toBe(40);
    expect(samples.has('idhooks_process_resident_memory_bytes'), 'process metrics are the server’s').toBe(
      false,
    );
  });

  it('requires the bearer token when IDHOOKS_METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789';
    const env = await harness.env({ IDHOOKS_METRICS_TOKEN: token });
    await expectRejected(await env.app.request('/metrics'), 401, 'auth.authorization_header_missing');
    await expectRejected(
      await env.app.request('/metrics', { headers: { authorization: `Basic ${token}` } }),
      401,
      'auth.authorization_token_type_not_supported',
    );
    await expectRejected(
      await env.app.request('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456780' } }),
      401,
      'auth.unauthorized',
    );
    await expectRejected(
      await env.app.request('/metrics', { headers: { authorization: 'Bearer short' } }),
      401,
      'auth.unauthorized',
    );
    // The Management API token is not the metrics token.
    await expectRejected(
      await env.app.request('/metrics', { headers: { authorization: `Bearer ${await env.token()}` } }),
      401,
      'auth.unauthorized',
    );
    const samples = await scrape(env, { authorization: `Bearer ${token}` });
    expect(samples.has('idhooks_deliveries_pending')).toBe(true);
  });
});
