import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { HOUR_MS } from '../../src/storage/repos/delivery-logs.js';
import { insertHook } from '../helpers/builders.js';
import { insertHistory } from '../helpers/history.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/** The console chart's data: attempts per hour by outcome, on both dialects. */
describeEachDialect('delivery logs: hourly attempt counts', (dialect) => {
  // 10:30 UTC, so "now" is inside an hour and the current bucket is partial.
  const now = Date.parse('2026-03-02T10:30:00.000Z');
  const clock = createManualClock(now);
  let env: TestEnv;
  let hookId: string;
  let otherHookId: string;
  const hour = (iso: string) => Date.parse(iso);

  beforeAll(async () => {
    env = await createTestEnv(dialect, { clock });
    const db = env.container.database.db;
    hookId = (await insertHook(db, { url: 'http://127.0.0.1:9/a', now })).id;
    otherHookId = (await insertHook(db, { url: 'http://127.0.0.1:9/b', now })).id;
    const attempts = [
      // Exactly on an hour boundary: belongs to the hour it starts.
      { startedAt: hour('2026-03-02T09:00:00.000Z'), isSuccess: true, status: 200 },
      { startedAt: hour('2026-03-02T09:59:59.999Z'), isSuccess: false, status: 500 },
      { startedAt: hour('2026-03-02T10:10:00.000Z'), isSuccess: false, error: 'connect ECONNREFUSED' },
      { startedAt: hour('2026-03-02T10:20:00.000Z'), isSuccess: true, status: 204 },
      { startedAt: hour('2026-03-02T10:25:00.000Z'), isSuccess: true, status: 200 },
      // 23 full hours ago: the oldest bucket of a 24-hour chart.
      { startedAt: hour('2026-03-01T11:05:00.000Z'), isSuccess: true, status: 200 },
      // 24 hours ago: outside the chart.
      { startedAt: hour('2026-03-01T10:45:00.000Z'), isSuccess: false, status: 500 },
    ];
    for (const attempt of attempts) await insertHistory(db, hookId, { attempts: [attempt] });
    await insertHistory(db, otherHookId, {
      attempts: [{ startedAt: hour('2026-03-02T10:15:00.000Z'), isSuccess: false, status: 500 }],
    });
  });
  afterAll(() => env.close());

  it('counts successes and failures per hour of one hook, oldest hour first', async () => {
    const counts = await env.container.repos.deliveryLogs.hourlyAttemptCounts(hookId, {
      from: hour('2026-03-01T11:00:00.000Z'),
      to: hour('2026-03-02T11:00:00.000Z'),
    });
    expect(counts).toEqual([
      { hourStart: hour('2026-03-01T11:00:00.000Z'), successCount: 1, failureCount: 0 },
      { hourStart: hour('2026-03-02T09:00:00.000Z'), successCount: 1, failureCount: 1 },
      { hourStart: hour('2026-03-02T10:00:00.000Z'), successCount: 2, failureCount: 1 },
    ]);
    for (const count of counts) expect(count.hourStart % HOUR_MS).toBe(0);
  });

  it('the service fills 24 hourly buckets ending with the current hour', async () => {
    const activity = await env.container.services.hookLogs.hourlyActivity(hookId);
    expect(activity).toHaveLength(24);
    expect(activity[0]).toEqual({
      hourStart: hour('2026-03-01T11:00:00.000Z'),
      successCount: 1,
      failureCount: 0,
    });
    expect(activity.at(-1)).toEqual({
      hourStart: hour('2026-03-02T10:00:00.000Z'),
      successCount: 2,
      failureCount: 1,
    });
    const totals = activity.reduce(
      (sum, bucket) => ({ ok: sum.ok + bucket.successCount, failed: sum.failed + bucket.failureCount }),
      { ok: 0, failed: 0 },
    );
    expect(totals).toEqual({ ok: 4, failed: 2 });
    expect(await env.container.services.hookLogs.hourlyActivity(otherHookId)).toContainEqual({
      hourStart: hour('2026-03-02T10:00:00.000Z'),
      successCount: 0,
      failureCount: 1,
    });
  });
});
