import { expect, it } from 'vitest';
import type { DeliveryResponse } from '../../src/http/routes/hook-logs.js';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import { expectRejected, expectStatus } from '../helpers/api.js';
import { eventually, listAttempts, listDeliveries, waitForDeliveries } from '../helpers/builders.js';
import type { Receiver } from '../helpers/receiver.js';
import { describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { sleep, useDeliveryHarness, withEngine } from './support.js';

/** FAST_DELIVERY_ENV's schedule has three retries: four attempts, then `failed`. */
const ATTEMPTS_PER_RUN = 4;

describeEachDialect('resend and recover', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  async function setUp(): Promise<{ env: TestEnv; receiver: Receiver; hook: HookResponse }> {
    const env = await harness.env();
    const receiver = await harness.receiver();
    const hook = await expectStatus<HookResponse>(
      await env.api('POST', '/api/hooks', {
        events: ['User.Created'],
        config: { url: `${receiver.url}/hook` },
      }),
      201,
    );
    return { env, receiver, hook };
  }

  /** Creates users one by one, a few ms apart, so their deliveries have distinct creation times. */
  async function createUsers(env: TestEnv, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await expectStatus(await env.api('POST', '/api/users', { username: `replay_${i}` }), 200);
      await sleep(5);
    }
  }

  const deliveriesOf = async (env: TestEnv, hookId: string) =>
    expectStatus<DeliveryResponse[]>(
      await env.api('GET', `/api/hooks/${hookId}/deliveries?page_size=100&includeAttempts=1`),
      200,
    );

  it('resends a failed delivery as a new attempt of the same delivery, with a fresh schedule', async () => {
    const { env, receiver, hook } = await setUp();
    const { db } = env.container.database;
    receiver.respondWith({ status: 500, body: 'down' });
    await withEngine(env.container.delivery.engine, async () => {
      await createUsers(env, 1);
      const [failed] = await waitForDeliveries(db, ['failed']);
      expect(failed!.attempts).toBe(ATTEMPTS_PER_RUN);
      const firstBodies = receiver.requests.map((request) => request.body);

      // Still failing: a resend gets the whole schedule again, not one last try.
      const resent = await expectStatus<DeliveryResponse>(
        await env.api('POST', `/api/hooks/${hook.id}/deliveries/${failed!.id}/resend`),
        202,
      );
      expect(resent).toMatchObject({
        id: failed!.id,
        hookId: hook.id,
        status: expect.stringMatching(/pending|sending|failed/),
      });
      await eventually(async () => {
        const [row] = await listDeliveries(db);
        return row!.status === 'failed' && row!.attempts === 2 * ATTEMPTS_PER_RUN ? row : undefined;
      });

      receiver.respondWith({ status: 204 });
      await expectStatus(await env.api('POST', `/api/hooks/${hook.id}/deliveries/${failed!.id}/resend`), 202);
      const [done] = await waitForDeliveries(db, ['succeeded']);
      expect(done!.attempts).toBe(2 * ATTEMPTS_PER_RUN + 1);

      const attempts = await listAttempts(db, failed!.id);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(attempts.at(-1)).toMatchObject({ isSuccess: true, responseStatus: 204 });
      // Same delivery, same webhook-id and the same bytes on every attempt.
      expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([failed!.id]));
      expect(new Set(receiver.requests.map((r) => r.body))).toEqual(new Set(firstBodies));
    });
  });

  it('resends a succeeded delivery, and shows the new attempt in the API', async () => {
    const { env, receiver, hook } = await setUp();
    const { db } = env.container.database;
    await withEngine(env.container.delivery.engine, async () => {
      await createUsers(env, 1);
      const [delivered] = await waitForDeliveries(db, ['succeeded']);
      await expectStatus(
        await env.api('POST', `/api/hooks/${hook.id}/deliveries/${delivered!.id}/resend`),
        202,
      );
      await receiver.waitFor(2, 5_000);
      const view = await eventually(async () => {
        const [d] = await deliveriesOf(env, hook.id);
        return d!.status === 'succeeded' && d!.attemptCount === 2 ? d : undefined;
      });
      expect(view.attempts!.map((a) => [a.attempt, a.result])).toEqual([
        [1, 'Success'],
        [2, 'Success'],
      ]);
    });
  });

  it('recovers the failed deliveries created in a time range, and only those', async () => {
    const { env, receiver, hook } = await setUp();
    const { db } = env.container.database;
    receiver.respondWith({ status: 503 });
    await withEngine(env.container.delivery.engine, async () => {
      await createUsers(env, 3);
      await waitForDeliveries(db, ['failed']);
      const [newest, middle, oldest] = await deliveriesOf(env, hook.id);
      receiver.respondWith({ status: 200 });

      const recovered = await expectStatus<{ recovered: number }>(
        await env.api('POST', `/api/hooks/${hook.id}/deliveries/recover`, {
          since: middle!.createdAt,
          until: middle!.createdAt,
        }),
        202,
      );
      expect(recovered).toEqual({ recovered: 1 });
      await eventually(async () => {
        const rows = await listDeliveries(db);
        return rows.find((row) => row.id === middle!.id)?.status === 'succeeded' ? rows : undefined;
      });
      const statuses = Object.fromEntries((await listDeliveries(db)).map((row) => [row.id, row.status]));
      expect(statuses).toEqual({ [oldest!.id]: 'failed', [middle!.id]: 'succeeded', [newest!.id]: 'failed' });

      // Without `until`: everything failed since `since`, up to now.
      expect(
        await expectStatus(
          await env.api('POST', `/api/hooks/${hook.id}/deliveries/recover`, { since: oldest!.createdAt }),
          202,
        ),
      ).toEqual({ recovered: 2 });
      await waitForDeliveries(db, ['succeeded']);
      const attempts = await listAttempts(db);
      expect(attempts.filter((a) => a.isSuccess)).toHaveLength(3);
      expect(attempts.filter((a) => a.isSuccess).every((a) => a.attempt === ATTEMPTS_PER_RUN + 1)).toBe(true);

      // Nothing failed any more: a second recovery finds nothing.
      expect(
        await expectStatus(
          await env.api('POST', `/api/hooks/${hook.id}/deliveries/recover`, { since: 0 }),
          202,
        ),
      ).toEqual({ recovered: 0 });
    });
  });

  it('refuses bad resend and recover requests with a clear error and changes nothing', async () => {
    const { env, receiver, hook } = await setUp();
    const { db } = env.container.database;
    receiver.respondWith({ status: 500 });
    const other = await expectStatus<HookResponse>(
      await env.api('POST', '/api/hooks', {
        events: ['User.Deleted'],
        config: { url: `${receiver.url}/other` },
      }),
      201,
    );
    await withEngine(env.container.delivery.engine, async () => {
      await createUsers(env, 1);
      await waitForDeliveries(db, ['failed']);
    });
    const before = await listDeliveries(db);
    const [delivery] = before;
    const attemptsBefore = (await listAttempts(db)).length;

    const base = `/api/hooks/${hook.id}/deliveries`;
    await expectRejected(
      await env.api('POST', `${base}/dlv_missing/resend`),
      404,
      'entity.not_exists_with_id',
    );
    await expectRejected(
      await env.api('POST', `/api/hooks/nohook/deliveries/${delivery!.id}/resend`),
      404,
      'entity.not_exists_with_id',
    );
    // A delivery of another hook is not found under this one.
    await expectRejected(
      await env.api('POST', `/api/hooks/${other.id}/deliveries/${delivery!.id}/resend`),
      404,
      'entity.not_exists_with_id',
    );
    await expectRejected(
      await env.api('POST', `/api/hooks/nohook/deliveries/recover`, { since: 0 }),
      404,
      'entity.not_exists_with_id',
    );
    for (const body of [
      {},
      { since: 'yesterday' },
      { since: -1 },
      { since: 1.5 },
      { since: 0, until: null },
      { since: 0, extra: true },
      [],
      'null',
    ]) {
      await expectRejected(await env.api('POST', `${base}/recover`, body), 400, 'guard.invalid_input');
    }
    await expectRejected(await env.api('POST', `${base}/recover`, '{"since":'), 400, 'request.invalid_json');
    await expectRejected(
      await env.api('POST', `${base}/recover`, { since: 2_000, until: 1_000 }),
      400,
      'log.invalid_time_window',
    );

    await expectStatus(await env.api('PATCH', `/api/hooks/${hook.id}`, { enabled: false }), 200);
    await expectRejected(await env.api('POST', `${base}/${delivery!.id}/resend`), 409, 'hook.disabled');
    await expectRejected(await env.api('POST', `${base}/recover`, { since: 0 }), 409, 'hook.disabled');

    expect(await listDeliveries(db)).toEqual(before);
    expect(await listAttempts(db)).toHaveLength(attemptsBefore);
  });

  it('refuses to resend a delivery while a node is sending it', async () => {
    const { env, receiver, hook } = await setUp();
    const { db } = env.container.database;
    receiver.respondWith({ status: 200, delayMs: 1_500 });
    await withEngine(env.container.delivery.engine, async () => {
      await createUsers(env, 1);
      await receiver.waitFor(1, 5_000);
      const [sending] = await listDeliveries(db);
      expect(sending!.status).toBe('sending');
      await expectRejected(
        await env.api('POST', `/api/hooks/${hook.id}/deliveries/${sending!.id}/resend`),
        409,
        'delivery.in_progress',
      );
      const [after] = await waitForDeliveries(db, ['succeeded']);
      expect(after!.attempts).toBe(1);
    });
  });
});
