/**
 * The delivery engine sending from its own thread (src/delivery/sending-thread.ts), on both
 * databases: deliveries arrive and are recorded, a stop mid-request hands the lease back uncounted,
 * and a thread that dies mid-request loses nothing (the attempt fails as retryable and the delivery
 * is sent again from a new thread). The requests' own behaviour is dispatcher.test.ts's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryEngine } from '../../src/delivery/engine.js';
import { createSendingThread, type SendingThread } from '../../src/delivery/sending-thread.js';
import { createLogger } from '../../src/shared/logger.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import {
  appendEvents,
  insertHook,
  listAttempts,
  listDeliveries,
  waitForDeliveries,
} from '../helpers/builders.js';
import { describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { LOOPBACK_TARGETS, useDeliveryHarness, withEngine } from './support.js';

const THREAD_ON = { IDHOOKS_DELIVERY_THREAD: 'true' };

describeEachDialect('sending thread', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  const threadOf = (env: TestEnv) => {
    const { sender, dispatcher } = env.container.delivery;
    expect(sender).not.toBe(dispatcher);
    return sender as SendingThread;
  };

  it('delivers and records every event, each request once', async () => {
    const env = await harness.env(THREAD_ON);
    threadOf(env);
    const receiver = await harness.receiver();
    receiver.respondWith({ status: 202, body: 'thanks' });
    const { db } = env.container.database;
    await insertHook(db, { url: receiver.url });
    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, 30);
      await waitForDeliveries(db, ['succeeded'], { timeoutMs: 10_000 });
    });
    expect(receiver.requests).toHaveLength(30);
    const ids = receiver.requests.map((request) => request.headers['webhook-id']);
    expect(new Set(ids).size).toBe(30);
    const attempts = await listAttempts(db);
    expect(attempts).toHaveLength(30);
    expect(
      attempts.every((attempt) => attempt.responseStatus === 202 && attempt.responseBody === 'thanks'),
    ).toBe(true);
  });

  it('stop() mid-request aborts it in the thread and hands the lease back uncounted', async () => {
    // A timeout far beyond the test's bounds: only the abort can end the request in time.
    const env = await harness.env({ ...THREAD_ON, IDHOOKS_DELIVERY_TIMEOUT_MS: '25000' });
    const receiver = await harness.receiver();
    receiver.respondWith({ status: 200, delayMs: 30_000 });
    const { db } = env.container.database;
    await insertHook(db, { url: receiver.url });
    const engine = harness.track(
      createDeliveryEngine({
        deliveries: env.container.repos.deliveries,
        sender: threadOf(env),
        config: env.container.config.delivery,
        clock: env.container.clock,
        logger: env.container.logger,
        workerId: 'stopping-node',
        tuning: { shutdownGraceMs: 100 },
      }),
    );
    await engine.start();
    await appendEvents(env.container, 1);
    engine.wake();
    await receiver.waitFor(1, 10_000);
    const stoppedAt = Date.now();
    await engine.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(5_000); // aborted, not waited out (30 s)
    // The thread aborted its request too: closing it waits for none still in flight.
    const closedAt = Date.now();
    await threadOf(env).close();
    expect(Date.now() - closedAt).toBeLessThan(5_000);
    expect((await listDeliveries(db))[0]).toMatchObject({ status: 'pending', lockedBy: null, attempts: 0 });
    expect(await listAttempts(db)).toEqual([]);
  });

  it('a thread that dies mid-request: the attempt fails as retryable and a new thread sends it again', async () => {
    const env = await harness.env(THREAD_ON);
    const thread = threadOf(env);
    const receiver = await harness.receiver();
    receiver.respondWith({ status: 200, delayMs: 30_000 });
    const { db } = env.container.database;
    await insertHook(db, { url: receiver.url });
    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, 1);
      await receiver.waitFor(1, 10_000);
      receiver.respondWith({ status: 200 });
      await thread.terminate();
      await waitForDeliveries(db, ['succeeded'], { timeoutMs: 10_000 });
    });
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = receiver.requests;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    const attempts = await listAttempts(db);
    expect(attempts.map((attempt) => attempt.isSuccess)).toEqual([false, true]);
    expect(attempts[0]!.error).toMatch(/sending thread ended/);
    expect((await listDeliveries(db))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  });
});

describe('sending thread, on its own', () => {
  let receiver: Receiver | undefined;
  let thread: SendingThread | undefined;
  afterEach(async () => {
    await thread?.close();
    await receiver?.close();
  });
  const start = async () => {
    receiver = await startReceiver();
    thread = createSendingThread({
      timeoutMs: 2_000,
      allowPrivateTargets: LOOPBACK_TARGETS,
      logLevel: 'silent',
      logger: createLogger('silent'),
    });
    return { receiver, thread };
  };
  const request = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{}' });

  it('does not send a request whose caller aborted before it left, even with no thread yet to tell', async () => {
    const { receiver, thread } = await start();
    const controller = new AbortController();
    const result = thread.send(request(receiver.url), { signal: controller.signal });
    controller.abort(new Error('stopping'));
    expect((await result).outcome).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringMatching(/stopping/),
    });
    expect((await thread.send(request(receiver.url))).outcome).toMatchObject({ ok: true });
    expect(receiver.requests).toHaveLength(1);
  });

  it('after close(), answers every request as not sent and starts no thread', async () => {
    const { receiver, thread } = await start();
    expect((await thread.send(request(receiver.url))).outcome).toMatchObject({ ok: true });
    const queued = thread.send(request(receiver.url)); // queued, not yet posted when close() begins
    await thread.close();
    const late = await thread.send(request(receiver.url));
    for (const result of [await queued, late]) {
      expect(result.outcome).toMatchObject({
        ok: false,
        retryable: true,
        error: 'the webhook sender is closed',
      });
    }
    expect(receiver.requests).toHaveLength(1);
  });
});
