/**
 * Scenario 3: a healthy endpoint beside bad ones, all subscribed to the same events: one that hangs
 * past the timeout, one whose port is closed, one that resets the connection, one that answers 500,
 * and one that answers 200 with bytes a database may refuse to store (NUL). The healthy hook must
 * keep delivering at once and exactly once, and a hanging endpoint may hold no more than its own
 * per-hook share of requests.
 */
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import type { Db } from '../../src/storage/db.js';
import { insertHook } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { commitBurst, until, useScenario } from './support.js';

const FIRST_BURST = 400;
const SECOND_BURST = 100;
const HOOK_MAX_IN_FLIGHT = 8;
const TIMEOUT_MS = 2_000;
const SERVER_ENV = {
  IDHOOKS_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
  IDHOOKS_HOOK_MAX_IN_FLIGHT: String(HOOK_MAX_IN_FLIGHT),
  IDHOOKS_DELIVERY_CONCURRENCY: '64',
  // Failing hooks retry fast and often, so they keep pressing on the engine the whole time.
  IDHOOKS_RETRY_SCHEDULE: '0.1,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2',
};

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Most attempts of one hook in flight at once, from the engine's own record of each attempt
 * (start and duration). The receiver cannot tell: it learns of a request the engine abandoned at
 * its timeout only some time later, while the engine may already have started the next one.
 */
async function peakInFlight(db: Db, hookId: string): Promise<number> {
  const attempts = await db
    .selectFrom('deliveryAttempts')
    .select(['startedAt', 'durationMs'])
    .where('hookId', '=', hookId)
    .execute();
  // The start is wall-clock milliseconds and the duration a rounded monotonic measure, so an end
  // can read a millisecond or two late; a hook over its cap would overlap by a whole timeout.
  const slackMs = 5;
  const edges = attempts
    .flatMap(({ startedAt, durationMs }) => [
      { at: Number(startedAt), step: 1 },
      { at: Number(startedAt) + Number(durationMs) - slackMs, step: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let open = 0;
  let peak = 0;
  for (const { step } of edges) peak = Math.max(peak, (open += step));
  return peak;
}

async function statusesByHook(db: Db): Promise<Map<string, Record<string, number>>> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['hookId', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['hookId', 'status'])
    .execute();
  const byHook = new Map<string, Record<string, number>>();
  for (const { hookId, status, n } of rows)
    byHook.set(hookId, { ...byHook.get(hookId), [status]: Number(n) });
  return byHook;
}

describeEachDialect('slow and dead endpoints', (dialect) => {
  const setUp = useScenario(dialect);

  it('keeps the healthy hook delivering at once and exactly once', async () => {
    const scenario = await setUp();
    const { receiver } = scenario;
    const server = await scenario.startServer({ env: SERVER_ENV });
    receiver.behave('/slow', { kind: 'slow', ms: 60_000 });
    receiver.behave('/reset', { kind: 'reset' });
    receiver.behave('/error', { kind: 'status', status: 500 });
    receiver.behave('/nul', { kind: 'ok', body: 'accepted\u0000\u0000 with NUL bytes' });
    const db = scenario.db();
    const hooks = {
      healthy: await insertHook(db, { url: `${receiver.url}/healthy`, name: 'healthy' }),
      slow: await insertHook(db, { url: `${receiver.url}/slow`, name: 'slow' }),
      closed: await insertHook(db, { url: `http://127.0.0.1:${await closedPort()}/closed`, name: 'closed' }),
      reset: await insertHook(db, { url: `${receiver.url}/reset`, name: 'reset' }),
      error: await insertHook(db, { url: `${receiver.url}/error`, name: 'error' }),
      nul: await insertHook(db, { url: `${receiver.url}/nul`, name: 'nul' }),
    };

    const firstAt = Date.now();
    await commitBurst(scenario.container(), FIRST_BURST);
    await until(
      'the healthy hook got the first burst',
      () => (receiver.arrivalsOn('/healthy').length >= FIRST_BURST ? true : undefined),
      {
        timeoutMs: 15_000,
        intervalMs: 10,
      },
    );
    const firstBurstMs = Date.now() - firstAt;

    // The hanging endpoint now holds every request it may; the healthy one must not notice.
    await until(
      'the slow hook saturated',
      () => ((receiver.peakOpen.get('/slow') ?? 0) >= HOOK_MAX_IN_FLIGHT ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    const secondAt = Date.now();
    await commitBurst(scenario.container(), SECOND_BURST);
    const total = FIRST_BURST + SECOND_BURST;
    await until(
      'the healthy hook got the second burst',
      () => (receiver.arrivalsOn('/healthy').length >= total ? true : undefined),
      {
        timeoutMs: 5_000,
        intervalMs: 10,
      },
    );
    const secondBurstMs = Date.now() - secondAt;
    await until(
      'the healthy and NUL hooks recorded every success',
      async () => {
        const byHook = await statusesByHook(db);
        const done = (id: string) => byHook.get(id)?.succeeded === total;
        return done(hooks.healthy.id) && done(hooks.nul.id) ? byHook : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await until(
      'the hanging hook’s first timeouts recorded',
      async () => {
        const row = await db
          .selectFrom('deliveryAttempts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('hookId', '=', hooks.slow.id)
          .executeTakeFirstOrThrow();
        return Number(row.n) >= HOOK_MAX_IN_FLIGHT ? true : undefined;
      },
      { timeoutMs: 4 * TIMEOUT_MS, intervalMs: 100 },
    );
    expect(server.process.child.exitCode, server.process.stderr()).toBeNull();
    const byHook = await statusesByHook(db);
    expect(await server.kill('SIGTERM'), 'stops cleanly with requests hanging').toBe(0);
    const slowPeak = await peakInFlight(db, hooks.slow.id);

    const healthy = receiver.arrivalsOn('/healthy');
    const healthyIds = new Set(healthy.map((arrival) => arrival.webhookId));
    const nul = receiver.arrivalsOn('/nul');
    const open = Object.fromEntries(receiver.peakOpen);
    console.info(
      `[${dialect}] slow and dead endpoints: healthy hook got ${FIRST_BURST} in ${firstBurstMs} ms, then ` +
        `${SECOND_BURST} more in ${secondBurstMs} ms with the slow hook saturated; slow hook's peak ` +
        `attempts in flight ${slowPeak}; peak open requests at the receiver ${JSON.stringify(open)}; statuses ${JSON.stringify(Object.fromEntries([...Object.entries(hooks)].map(([name, hook]) => [name, byHook.get(hook.id)])))}`,
    );

    expect(healthy, 'the healthy hook got each delivery exactly once').toHaveLength(total);
    expect(healthyIds.size).toBe(total);
    expect(nul, 'a 200 with NUL bytes is a success, recorded once').toHaveLength(total);
    expect(slowPeak, 'a hanging hook holds only its own share').toBeLessThanOrEqual(HOOK_MAX_IN_FLIGHT);
    for (const name of ['slow', 'closed', 'reset', 'error'] as const) {
      expect(byHook.get(hooks[name].id)?.succeeded ?? 0, `${name} never succeeds`).toBe(0);
    }
    const attempts = await db
      .selectFrom('deliveryAttempts')
      .select(['hookId', 'error', 'responseStatus'])
      .where('hookId', 'in', [hooks.slow.id, hooks.closed.id, hooks.reset.id, hooks.error.id])
      .execute();
    const errorsOf = (id: string) => new Set(attempts.filter((a) => a.hookId === id).map((a) => a.error));
    expect([...errorsOf(hooks.slow.id)]).toEqual([`timed out after ${TIMEOUT_MS} ms`]);
    expect([...errorsOf(hooks.closed.id)].every((error) => /ECONNREFUSED/.test(error ?? ''))).toBe(true);
    expect(errorsOf(hooks.reset.id).size).toBeGreaterThan(0);
    expect([...errorsOf(hooks.error.id)]).toEqual(['HTTP 500']);
  });
});
