/**
 * Shared set-up of delivery tests: a test environment per test, loopback receivers, and the leak
 * check (graphile's `_allWorkerPools`): a test that leaves a delivery engine running fails, so one
 * test's engine can never deliver into the next test's receiver or keep the process alive.
 */
import { afterEach } from 'vitest';
import type { Env } from '../../src/config/index.js';
import type { DeliveryEngine } from '../../src/delivery/engine.js';
import type { Clock } from '../../src/shared/clock.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, type Dialect, type TestEnv } from '../helpers/test-db.js';

/** Tests deliver to receivers on loopback only, which the SSRF guard must be told to allow. */
export const LOOPBACK_TARGETS = '127.0.0.1/32,::1/128';

/**
 * Short schedules and timeouts so that retries happen within a test. The poll is deliberately slow:
 * every first attempt must come from the in-process wake-up, not from polling.
 */
export const FAST_DELIVERY_ENV: Env = {
  IDHOOKS_ALLOW_PRIVATE_TARGETS: LOOPBACK_TARGETS,
  IDHOOKS_RETRY_SCHEDULE: '0.05,0.05,0.05',
  IDHOOKS_DELIVERY_TIMEOUT_MS: '2000',
  IDHOOKS_DELIVERY_POLL_MS: '60000',
};

export interface DeliveryHarness {
  /** A fresh database and container with FAST_DELIVERY_ENV plus `env`. */
  env(env?: Env, options?: { clock?: Clock }): Promise<TestEnv>;
  receiver(options?: { host?: '127.0.0.1' | '::1' }): Promise<Receiver>;
  /** Registers an engine built by the test itself for the leak check. */
  track(engine: DeliveryEngine): DeliveryEngine;
}

/** Call inside a describe block: everything created through the harness is closed after each test. */
export function useDeliveryHarness(dialect: Dialect): DeliveryHarness {
  let envs: TestEnv[] = [];
  let receivers: Receiver[] = [];
  let engines: DeliveryEngine[] = [];

  afterEach(async () => {
    const all = [...engines, ...envs.map((env) => env.container.delivery.engine)];
    const leaked = all.filter((engine) => engine.isRunning);
    for (const engine of leaked) await engine.stop();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await Promise.all(envs.map((env) => env.close()));
    [envs, receivers, engines] = [[], [], []];
    if (leaked.length > 0) {
      throw new Error(
        `${leaked.length} delivery engine(s) left running; stop every engine a test starts (withEngine does)`,
      );
    }
  });

  return {
    async env(env = {}, options = {}) {
      const created = await createTestEnv(dialect, {
        env: { ...FAST_DELIVERY_ENV, ...env },
        clock: options.clock,
      });
      envs.push(created);
      return created;
    },
    async receiver(options = {}) {
      const receiver = await startReceiver(options);
      receivers.push(receiver);
      return receiver;
    },
    track(engine) {
      engines.push(engine);
      return engine;
    },
  };
}

/** Runs `body` with the engine started, and always stops it afterwards. */
export async function withEngine<T>(engine: DeliveryEngine, body: () => Promise<T>): Promise<T> {
  await engine.start();
  try {
    return await body();
  } finally {
    await engine.stop();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
