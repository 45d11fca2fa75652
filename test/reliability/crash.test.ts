/**
 * Scenario 1: a burst of 10,000 events, the server SIGKILLed halfway through delivering them, then
 * restarted. Every delivery must reach the receiver, and the only duplicates allowed are deliveries
 * that were leased (`sending`) at the kill: their request may have landed while the result never
 * committed, so at-least-once delivery has to send them again. Anything else sent twice would mean
 * a recorded success was lost.
 */
import { expect, it } from 'vitest';
import { insertHook } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { commitBurst, leasedIds, statusCounts, until, useScenario, waitForAllSucceeded } from './support.js';

const EVENTS = 10_000;
const KILL_AT = EVENTS / 2;
/** Leased plus sent-but-unrecorded deliveries never exceed this, so neither do a crash's duplicates. */
const CONCURRENCY = 256;

/**
 * A 3 s timeout keeps the lease short (2 × timeout + 5 s = 11 s), so on PostgreSQL, where a
 * restarted node must wait for a dead node's leases to expire, the scenario waits seconds, not the
 * default 25 s. The schedule only matters if the loaded machine makes an attempt fail.
 */
const SERVER_ENV = {
  IDHOOKS_DELIVERY_CONCURRENCY: String(CONCURRENCY),
  IDHOOKS_DELIVERY_TIMEOUT_MS: '3000',
  IDHOOKS_RETRY_SCHEDULE: '0.2,0.5,1,2,2,2',
  IDHOOKS_DELIVERY_POLL_MS: '100',
};

describeEachDialect('crash mid-burst', (dialect) => {
  const setUp = useScenario(dialect);

  it('delivers every event after a SIGKILL halfway, duplicating only what was in flight', async () => {
    const scenario = await setUp();
    const { receiver } = scenario;
    const first = await scenario.startServer({ env: SERVER_ENV });
    await insertHook(scenario.db(), { url: `${receiver.url}/hook` });

    // The burst is committed from the test process, through the same runInTransaction path every
    // service write takes, rather than as 10,000 POST /api/users: on two shared cores the API
    // manages ~500 events/s, which would spend most of the time budget producing events, and a
    // kill would also cut API requests mid-flight, blurring what "every event" means. The server
    // delivers while the burst is still being committed, as it would under real load.
    const burst = commitBurst(scenario.container(), EVENTS);
    await until('half the burst delivered', () => (receiver.counts.size >= KILL_AT ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 5,
    });
    expect(await first.kill('SIGKILL')).toBeNull();
    const deliveredAtKill = receiver.counts.size;
    // Read once the process is gone: these leases can never be completed by it.
    const inFlightAtKill = await leasedIds(scenario.db());
    await burst;

    if (dialect === 'postgres') {
      // Several nodes share a PostgreSQL queue, so a restarted node cannot tell a dead node's
      // leases from a live one's: they are re-queued once expired. Start after that, so the
      // start-up reap takes them at once instead of the 30-second maintenance interval.
      await until(
        'the dead server’s leases expired',
        async () => {
          const row = await scenario
            .db()
            .selectFrom('deliveries')
            .select((eb) => eb.fn.max('lockedUntil').as('until'))
            .where('status', '=', 'sending')
            .executeTakeFirst();
          return Number(row?.until ?? 0) < Date.now() ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
    }
    const second = await scenario.startServer({ env: SERVER_ENV });
    const final = await waitForAllSucceeded(scenario.db(), EVENTS, 120_000);
    expect(await second.kill('SIGTERM'), 'the restarted server stops cleanly').toBe(0);

    const deliveries = await scenario.db().selectFrom('deliveries').select('id').execute();
    const missing = deliveries.filter(({ id }) => !receiver.counts.has(id));
    const duplicatedIds = receiver.duplicatedIds();
    const outsideInFlight = duplicatedIds.filter((id) => !inFlightAtKill.has(id));
    console.info(
      `[${dialect}] crash: ${EVENTS} events; ${deliveredAtKill} delivered at the kill, ` +
        `${inFlightAtKill.size} leased at the kill; after restart ${receiver.arrivals.length} requests, ` +
        `${receiver.counts.size} unique, ${receiver.duplicates()} duplicates`,
    );

    expect(deliveredAtKill, 'the kill came mid-delivery').toBeLessThan(EVENTS);
    expect(final).toMatchObject({ total: EVENTS, succeeded: EVENTS });
    expect(await statusCounts(scenario.db())).toMatchObject({ succeeded: EVENTS, sending: 0, pending: 0 });
    expect(missing, 'every delivery reached the receiver').toEqual([]);
    expect(receiver.counts.size, 'nothing but our deliveries arrived').toBe(EVENTS);
    expect(inFlightAtKill.size, 'leases held at once are bounded by the concurrency').toBeLessThanOrEqual(
      CONCURRENCY,
    );
    expect(receiver.duplicates()).toBeLessThanOrEqual(inFlightAtKill.size);
    expect(outsideInFlight, 'only deliveries leased at the kill were sent twice').toEqual([]);
    expect(Math.max(0, ...receiver.counts.values()), 'none sent more than twice').toBeLessThanOrEqual(2);
  });
});
