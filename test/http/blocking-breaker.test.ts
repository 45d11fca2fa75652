import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { expectRejected, expectStatus } from '../helpers/api.js';
import {
  answer,
  createHook,
  deleteHook,
  deliveriesOf,
  registerIdentify,
  routeAnswers,
} from '../helpers/blocking.js';
import { eventually } from '../helpers/builders.js';
import { TestBrowser } from '../helpers/experience.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * A blocking hook's circuit breaker (issue 15) with an injected clock: 5 failures in a row open it,
 * calls are then skipped for 30 s with the policy applied at once, one trial decides, and
 * Hook.CircuitOpened / Hook.CircuitClosed reach the hooks subscribed to them.
 */
describeEachDialect('Blocking hooks: circuit breaker', (dialect) => {
  let env: TestEnv;
  let receiver: Receiver;
  let watcher: Receiver;
  const clock = createManualClock(Date.parse('2026-12-01T10:00:00.000Z'));
  const created: string[] = [];
  let n = 0;
  const register = () =>
    registerIdentify(new TestBrowser(env.app, { forwardedFor: '127.0.0.1' }), `breaker_${dialect}_${++n}`);
  const calls = (path: string) => receiver.requests.filter((r) => r.url === `/${path}`).length;
  const circuitEvents = () =>
    watcher.requests.map((r) => JSON.parse(r.body) as { event: string; data: { id: string } });

  beforeAll(async () => {
    receiver = await startReceiver({ validateEvents: true });
    watcher = await startReceiver({ validateEvents: true });
    env = await createTestEnv(dialect, {
      clock,
      env: {
        IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
        IDHOOKS_TRUST_PROXY: 'true',
        IDHOOKS_DELIVERY_POLL_MS: '50',
      },
    });
    const watching = await createHook(env, `${watcher.url}/circuit`, [
      'Hook.CircuitOpened',
      'Hook.CircuitClosed',
    ]);
    expect(watching.id).toBeTruthy();
    await env.container.delivery.engine.start();
  });
  afterEach(async () => {
    while (created.length > 0) await deleteHook(env, created.pop()!);
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
    await watcher?.close();
  });

  it('opens after 5 failures, skips for 30 s, reopens on a failed trial and closes on a good one', async () => {
    let isHealthy = false;
    const h = await createHook(env, `${receiver.url}/closed`, ['PreRegister'], { failurePolicy: 'closed' });
    created.push(h.id);
    routeAnswers(receiver, {
      closed: () => (isHealthy ? answer({ decision: 'allow' }) : answer('down', 500)),
    });
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await expectRejected(await register(), 503, 'hook.unavailable');
    }
    expect(calls('closed')).toBe(5);
    const opened = await eventually(async () =>
      circuitEvents().find((e) => e.event === 'Hook.CircuitOpened'),
    );
    expect(opened.data).toMatchObject({
      id: h.id,
      url: `${receiver.url}/closed`,
      retryAt: clock.now() + 30_000,
    });
    expect(env.container.services.blockingHooks.circuitOf(h.id).phase).toBe('open');

    // Open: the policy applies at once, without a call.
    clock.advance(29_999);
    const started = Date.now();
    await expectRejected(await register(), 503, 'hook.unavailable');
    expect(Date.now() - started).toBeLessThan(500);
    expect(calls('closed')).toBe(5);

    // Half-open: one trial; it fails, so the breaker opens again for another 30 s.
    clock.advance(1);
    await expectRejected(await register(), 503, 'hook.unavailable');
    expect(calls('closed')).toBe(6);
    clock.advance(1000);
    await expectRejected(await register(), 503, 'hook.unavailable');
    expect(calls('closed')).toBe(6);

    // The next trial succeeds: closed again, and the watcher hears of it.
    isHealthy = true;
    clock.advance(30_000);
    await expectStatus(await register(), 201);
    expect(calls('closed')).toBe(7);
    expect(env.container.services.blockingHooks.circuitOf(h.id).phase).toBe('closed');
    const closed = await eventually(async () =>
      circuitEvents().find((e) => e.event === 'Hook.CircuitClosed'),
    );
    expect(closed.data).toMatchObject({ id: h.id });
    expect(circuitEvents().filter((e) => e.event === 'Hook.CircuitOpened')).toHaveLength(1);
    await expectStatus(await register(), 201);
    expect(calls('closed')).toBe(8);
    const text = await (await env.app.request('/metrics')).text();
    expect(text).toMatch(/idhooks_blocking_calls_total\{event="PreRegister",outcome="circuit_open"\} 2/);
  });

  it('with the open policy, an open breaker lets the flow through at once and still queues the notice', async () => {
    const h = await createHook(env, `${receiver.url}/open`, ['PreRegister'], { timeoutMs: 200 });
    created.push(h.id);
    routeAnswers(receiver, { open: answer('down', 500) });
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await expectStatus(await register(), 201);
    }
    await expectStatus(await register(), 201);
    // No blocking call was made (the queued notices may still be retried by the engine).
    const records = (await deliveriesOf(env, h.id, 'PreRegister')).filter((d) => d.attempts[0]?.decision);
    expect(records).toHaveLength(5);
    const deliveries = await deliveriesOf(env, h.id, 'PreRegister');
    expect(deliveries.length - records.length).toBe(6);
  });
});
