/**
 * Blocking hooks' cost (issue 15): how much a sign-in waits for `PreSignIn` when one blocking hook's
 * receiver answers at once, and when that hook's circuit breaker is open (no call; the open policy
 * queues the skipped notice). Measured in one process on the flow's own step (the service call the
 * Experience API awaits before its transaction), so the password hash of a full sign-in does not
 * drown the milliseconds being measured. The receiver runs in the same process, so its own work is
 * counted too: the figures are an upper bound.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/index.js';
import { createContainer } from '../src/container.js';
import { preSignInEvent } from '../src/domain/blocking-payloads.js';
import { createManualClock } from '../src/shared/clock.js';
import { insertHook } from '../test/helpers/builders.js';
import type { BenchDatabase } from './databases.js';

export interface BlockingLatency {
  /** Without any blocking hook: the subscription lookup alone. */
  readonly noHook: { p50: number; p99: number };
  readonly answering: { p50: number; p99: number };
  readonly breakerOpen: { p50: number; p99: number };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function blockingSignInLatency(db: BenchDatabase, calls: number): Promise<BlockingLatency> {
  let isFailing = false;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (isFailing) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"decision":"allow"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pre-sign-in`;
  // A clock that does not move keeps the breaker open for the whole measurement.
  const clock = createManualClock(Date.now());
  const container = createContainer(
    loadConfig({
      DATABASE_URL: db.url,
      IDHOOKS_LOG_LEVEL: 'silent',
      IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
    }),
    { clock },
  );
  try {
    await container.init();
    const service = container.services.blockingHooks;
    const ctx = {
      interactionEvent: 'SignIn' as const,
      userAgent: 'bench',
      ip: '127.0.0.1',
      sessionId: 'bench-session',
      application: undefined,
    };
    const user = {
      id: 'benchuser001',
      username: 'bench',
      primaryEmail: null,
      primaryPhone: null,
      name: null,
      avatar: null,
      customData: {},
      identities: {},
      lastSignInAt: null,
      createdAt: clock.now(),
      updatedAt: clock.now(),
      profile: {},
      applicationId: null,
      isSuspended: false,
      hasPassword: true,
    };
    const measure = async (n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        await service.approve(preSignInEvent(ctx, clock.now(), user as never));
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      return { p50: percentile(times, 50), p99: percentile(times, 99) };
    };
    await measure(Math.min(200, calls));
    const noHook = await measure(calls);
    const hook = await insertHook(container.database.db, { url, events: ['PreSignIn'] });
    await measure(Math.min(200, calls)); // warm the connection and the code paths
    const answering = await measure(calls);
    isFailing = true;
    for (let i = 0; i < 5; i++) await service.approve(preSignInEvent(ctx, clock.now(), user as never));
    if (service.circuitOf(hook.id).phase !== 'open') throw new Error('the breaker did not open');
    const breakerOpen = await measure(calls);
    return { noHook, answering, breakerOpen };
  } finally {
    await container.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
