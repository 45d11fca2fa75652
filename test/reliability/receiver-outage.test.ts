/**
 * Scenario 2: the receiver goes down while events keep coming (first its port refuses connections,
 * then it is up but answers 503), then comes back. With a short retry schedule from config, every
 * delivery must end `succeeded`, none `failed` (dropped), each must be accepted exactly once, and
 * each failed try must be in the delivery's recorded attempts.
 */
import { expect, it } from 'vitest';
import { insertHook, listAttempts } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { childToken } from '../delivery/child-process.js';
import { sleep, statusCounts, until, useScenario, waitForAllSucceeded } from './support.js';

const BEFORE_OUTAGE = 50;
const DURING_OUTAGE = 150;
const REFUSED_MS = 2_000;
const UNAVAILABLE_MS = 1_500;
const OUTAGE_MS = REFUSED_MS + UNAVAILABLE_MS;
/**
 * Ten retries, 0.2 s growing to 1.5 s (± 20 % jitter): about 10 s of retrying in all, well past
 * the outage, so a delivery that gives up before the receiver is back is a bug, not bad luck.
 */
const RETRY_SCHEDULE = '0.2,0.4,0.8,1,1.5,1.5,1.5,1.5,1.5,1.5';

describeEachDialect('receiver outage', (dialect) => {
  const setUp = useScenario(dialect);

  it('retries through the outage and delivers everything once the receiver is back', async () => {
    const scenario = await setUp();
    const { receiver } = scenario;
    const server = await scenario.startServer({ env: { IDHOOKS_RETRY_SCHEDULE: RETRY_SCHEDULE } });
    await insertHook(scenario.db(), {
      url: `${receiver.url}/hook`,
      events: ['User.Created', 'User.Data.Updated'],
    });
    const token = await childToken(server.port);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // Real Management API writes, so the whole path (route, service, transaction, wake-up) is under test.
    const createUsers = async (from: number, count: number) => {
      const statuses = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const response = await fetch(`${server.base}/api/users`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ username: `outage_${from + i}` }),
          });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      expect(statuses.every((status) => status === 200)).toBe(true);
    };

    await createUsers(0, BEFORE_OUTAGE);
    await until(
      'the first events delivered',
      () => (receiver.counts.size >= BEFORE_OUTAGE ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );

    await receiver.stop();
    const outageStartedAt = Date.now();
    await createUsers(BEFORE_OUTAGE, DURING_OUTAGE);
    await sleep(Math.max(0, REFUSED_MS - (Date.now() - outageStartedAt)));
    receiver.behave('/hook', { kind: 'status', status: 503 });
    await receiver.restart();
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStartedAt)));
    const duringOutage = await statusCounts(scenario.db());
    receiver.behave('/hook', { kind: 'ok' });

    const total = BEFORE_OUTAGE + DURING_OUTAGE;
    await waitForAllSucceeded(scenario.db(), total, 30_000);
    const drainedAfterMs = Date.now() - outageStartedAt - OUTAGE_MS;
    expect(await server.kill('SIGTERM')).toBe(0);

    const deliveries = await scenario.db().selectFrom('deliveries').selectAll().execute();
    const attempts = await listAttempts(scenario.db());
    const attemptsOf = new Map<string, typeof attempts>();
    for (const attempt of attempts)
      attemptsOf.set(attempt.deliveryId, [...(attemptsOf.get(attempt.deliveryId) ?? []), attempt]);
    const retried = deliveries.filter((delivery) => delivery.attempts > 1);
    const refused = attempts.filter((attempt) => /ECONNREFUSED/.test(attempt.error ?? '')).length;
    const unavailable = attempts.filter((attempt) => attempt.responseStatus === 503).length;
    const accepted = new Map<string, number>();
    for (const arrival of receiver.arrivals) {
      if (arrival.status === 200) accepted.set(arrival.webhookId, (accepted.get(arrival.webhookId) ?? 0) + 1);
    }
    console.info(
      `[${dialect}] receiver outage of ${OUTAGE_MS} ms: ${DURING_OUTAGE} deliveries queued during it ` +
        `(${JSON.stringify(duringOutage)} at its end); drained ${drainedAfterMs} ms after it; ` +
        `${attempts.length} attempts for ${total} deliveries (${refused} refused, ${unavailable} answered 503)`,
    );

    expect(duringOutage.failed, 'nothing gave up during the outage').toBe(0);
    expect(retried.length, 'every delivery queued in the outage was retried').toBeGreaterThanOrEqual(
      DURING_OUTAGE,
    );
    expect(refused, 'the port was closed').toBeGreaterThan(0);
    expect(unavailable, 'then it answered 503').toBeGreaterThan(0);
    expect(
      deliveries.filter((delivery) => accepted.get(delivery.id) !== 1),
      'every delivery accepted exactly once',
    ).toEqual([]);
    expect(accepted.size).toBe(total);
    for (const delivery of deliveries) {
      const recorded = attemptsOf.get(delivery.id) ?? [];
      // Every try is on record: the failures with their error, then the one success, last.
      expect(recorded.map((a) => a.attempt)).toEqual(recorded.map((_, i) => i + 1));
      expect(recorded).toHaveLength(delivery.attempts);
      expect(recorded.at(-1)).toMatchObject({ isSuccess: true, responseStatus: 200 });
      for (const failed of recorded.slice(0, -1)) {
        expect(failed.isSuccess).toBe(false);
        if (failed.responseStatus === null) expect(failed.error).toMatch(/ECONNREFUSED/);
        else expect(failed).toMatchObject({ responseStatus: 503, error: 'HTTP 503' });
        expect(failed.nextAttemptAt).toBeGreaterThan(failed.startedAt);
      }
    }
  });
});
