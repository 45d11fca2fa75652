import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/shared/clock.js';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import type { DeliveryResponse, HookLogResponse } from '../../src/http/routes/hook-logs.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { insertHistory, type DeliverySpec } from '../helpers/history.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describeEachDialect('Hooks API: recent logs, stats and deliveries', (dialect) => {
  let env: TestEnv;
  let clock: ManualClock;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ validateEvents: true });
    clock = createManualClock(Date.now());
    env = await createTestEnv(dialect, {
      clock,
      env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32,::1/128' },
    });
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });

  const db = () => env.container.database.db;
  const json = async <T>(response: Response) => (await response.json()) as T;
  const createHook = async () => {
    const response = await env.api('POST', '/api/hooks', {
      events: ['User.Created', 'User.Deleted'],
      config: { url: `${receiver.url}/hook` },
    });
    expect(response.status).toBe(201);
    return json<HookResponse>(response);
  };
  const expectRejected = async (response: Response, status: number, code: string) => {
    const body = await json<{ code: string }>(response);
    expect({ status: response.status, code: body.code }).toEqual({ status, code });
  };

  /** History as the engine records it, with a masked-looking Authorization header to check masking. */
  const insertDelivery = (hookId: string, spec: DeliverySpec) =>
    insertHistory(db(), hookId, spec, {
      requestUrl: `${receiver.url}/hook`,
      requestHeaders: {
        'logto-signature-sha-256': 'abc',
        'user-agent': 'Logto (https://logto.io/)',
        Authorization: 'Bearer s3cret',
        'content-type': 'application/json',
      },
      responseHeaders: { 'set-cookie': 'sid=1', 'x-ok': '1' },
    });

  describe('recent-logs', () => {
    let hook: HookResponse;
    let now: number;
    let retried: Awaited<ReturnType<typeof insertDelivery>>;
    beforeAll(async () => {
      hook = await createHook();
      now = clock.now();
      retried = await insertDelivery(hook.id, {
        payload: { event: 'User.Created', createdAt: 'x', data: { id: 'u1', customData: { apiKey: 'k' } } },
        attempts: [
          {
            startedAt: now - 3000,
            isSuccess: false,
            status: 500,
            body: 'oops',
            error: 'HTTP 500',
            nextAttemptAt: now - 2000,
          },
          { startedAt: now - 2000, isSuccess: true, status: 200, body: '{"ok":true,"access_token":"t"}' },
        ],
      });
      await insertDelivery(hook.id, {
        event: 'User.Deleted',
        attempts: [
          {
            startedAt: now - 1000,
            isSuccess: false,
            error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
          },
        ],
      });
      await insertDelivery(hook.id, {
        attempts: [{ startedAt: now - DAY_MS - 1, isSuccess: true, status: 204 }],
      });
    });

    it('returns one Logto log row per attempt of the last 24 hours, newest first', async () => {
      const response = await env.api('GET', `/api/hooks/${hook.id}/recent-logs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('Total-Number')).toBe('3');
      expect(response.headers.get('Total-Number-Is-Capped')).toBeNull();
      const logs = await json<HookLogResponse[]>(response);
      expect(logs.map((log) => log.createdAt)).toEqual([now - 1000, now - 2000, now - 3000]);

      const [networkError, success, serverError] = logs as [
        HookLogResponse,
        HookLogResponse,
        HookLogResponse,
      ];
      expect(networkError).toEqual({
        id: expect.stringMatching(/^att_/),
        key: 'TriggerHook.User.Deleted',
        payload: {
          key: 'TriggerHook.User.Deleted',
          result: 'Error',
          hookId: hook.id,
          hookRequest: { body: expect.objectContaining({ event: 'User.Deleted', hookId: hook.id }) },
          error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
        },
        createdAt: now - 1000,
      });
      expect(Object.keys(networkError)).toEqual(['id', 'key', 'payload', 'createdAt']);

      expect(success.id).toBe(retried.attemptIds[1]);
      expect(success.payload).toEqual({
        key: 'TriggerHook.User.Created',
        result: 'Success',
        hookId: hook.id,
        // The exact body sent, hookId last, with secrets masked for display (docs/compatibility.md#hooks-and-their-log).
        hookRequest: {
          body: {
            event: 'User.Created',
            createdAt: 'x',
            data: { id: 'u1', customData: { apiKey: '******' } },
            hookId: hook.id,
          },
        },
        response: { statusCode: 200, body: { ok: true, access_token: '******' } },
      });
      expect(Object.keys(success.payload.hookRequest.body as object)).toEqual([
        'event',
        'createdAt',
        'data',
        'hookId',
      ]);
      expect(serverError.payload).toMatchObject({
        result: 'Error',
        response: { statusCode: 500, body: 'oops' },
        error: 'HTTP 500',
      });
    });

    it('filters by exact logKey and by an inclusive time window', async () => {
      const get = async (query: string) =>
        json<HookLogResponse[]>(await env.api('GET', `/api/hooks/${hook.id}/recent-logs?${query}`));
      expect((await get('logKey=TriggerHook.User.Deleted')).map((l) => l.key)).toEqual([
        'TriggerHook.User.Deleted',
      ]);
      expect(await get('logKey=User.Deleted')).toEqual([]);
      expect(await get('logKey=TriggerHook.User')).toEqual([]);
      expect(await get('logKey=TriggerHook.Role.Created')).toEqual([]);

      const window = await get(`start_time=${now - 3000}&end_time=${now - 2000}`);
      expect(window.map((l) => l.createdAt)).toEqual([now - 2000, now - 3000]);
      // With only one bound, the 24-hour default does not apply.
      expect((await get(`start_time=${now - DAY_MS - 1}`)).map((l) => l.createdAt)).toHaveLength(4);
      expect((await get(`end_time=${now - DAY_MS - 1}`)).map((l) => l.createdAt)).toEqual([now - DAY_MS - 1]);
      expect(await get(`start_time=${now}&end_time=${now}`)).toEqual([]);
    });

    it('paginates with defaults and Link headers', async () => {
      const response = await env.api('GET', `/api/hooks/${hook.id}/recent-logs?page=2&page_size=1`);
      expect(response.headers.get('Total-Number')).toBe('3');
      const link = response.headers.get('Link') ?? '';
      expect(link).toContain('rel="prev"');
      expect(link).toContain('page=3&page_size=1>; rel="next"');
      expect((await json<HookLogResponse[]>(response)).map((l) => l.createdAt)).toEqual([now - 2000]);
    });

    it('answers an empty page for a hook that does not exist, as Logto does', async () => {
      const response = await env.api('GET', '/api/hooks/no-such-hook/recent-logs');
      expect(response.status).toBe(200);
      expect(response.headers.get('Total-Number')).toBe('0');
      expect(await json(response)).toEqual([]);
    });

    it('rejects bad pagination and time windows', async () => {
      const path = `/api/hooks/${hook.id}/recent-logs`;
      for (const query of ['page_size=101', 'page=0', 'page_size=x']) {
        await expectRejected(await env.api('GET', `${path}?${query}`), 400, 'guard.invalid_pagination');
      }
      for (const query of ['start_time=abc', 'end_time=Infinity', 'start_time=', 'end_time=NaN']) {
        await expectRejected(await env.api('GET', `${path}?${query}`), 400, 'guard.invalid_input');
      }
      await expectRejected(
        await env.api('GET', `${path}?start_time=${now}&end_time=${now - 1}`),
        400,
        'log.invalid_time_window',
      );
    });

    it('caps the count above 10 000 matches when asked to', async () => {
      const capped = await createHook();
      const { deliveryId } = await insertDelivery(capped.id, { attempts: [] });
      const rows = Array.from({ length: 10_002 }, (_, i) => ({
        id: `att_cap${String(i).padStart(6, '0')}${capped.id.slice(0, 8)}`,
        deliveryId,
        hookId: capped.id,
        eventType: 'User.Created',
        attempt: i + 1,
        isSuccess: 1 as const,
        startedAt: now - 10_000 + (i % 5000),
        durationMs: 1,
        requestUrl: `${receiver.url}/hook`,
        requestHeaders: '{}',
      }));
      for (let i = 0; i < rows.length; i += 1000) {
        await db()
          .insertInto('deliveryAttempts')
          .values(rows.slice(i, i + 1000))
          .execute();
      }
      const path = `/api/hooks/${capped.id}/recent-logs`;
      const cappedResponse = await env.api('GET', `${path}?enableCap=TRUE&page=2&page_size=5`);
      expect(cappedResponse.headers.get('Total-Number')).toBe('10001');
      expect(cappedResponse.headers.get('Total-Number-Is-Capped')).toBe('true');
      const link = cappedResponse.headers.get('Link') ?? '';
      expect(link).toContain('rel="first"');
      expect(link).toContain('rel="prev"');
      expect(link).not.toContain('rel="next"');
      expect(link).not.toContain('rel="last"');
      expect(await json<unknown[]>(cappedResponse)).toHaveLength(5);

      for (const query of ['', 'enableCap=false', 'enableCap=on']) {
        const full = await env.api('GET', `${path}?${query}`);
        expect(full.headers.get('Total-Number'), query).toBe('10002');
        expect(full.headers.get('Total-Number-Is-Capped')).toBeNull();
      }
    });
  });

  describe('executionStats', () => {
    it('counts attempts of the last 24 hours (strictly), and the successful ones', async () => {
      const hook = await createHook();
      const idle = await createHook();
      const now = clock.now();
      await insertDelivery(hook.id, {
        attempts: [
          { startedAt: now - DAY_MS, isSuccess: true, status: 200 }, // exactly a day old: out
          { startedAt: now - DAY_MS + 1, isSuccess: false, status: 500, error: 'HTTP 500' },
          { startedAt: now - 10, isSuccess: true, status: 200 },
        ],
      });
      await insertDelivery(hook.id, {
        event: 'User.Deleted',
        attempts: [{ startedAt: now, isSuccess: false, error: 'x' }],
      });

      const single = await json<HookResponse>(
        await env.api('GET', `/api/hooks/${hook.id}?includeExecutionStats=1`),
      );
      expect(single.executionStats).toEqual({ requestCount: 3, successCount: 1 });
      const list = await json<HookResponse[]>(await env.api('GET', '/api/hooks?includeExecutionStats=yes'));
      expect(list.find((h) => h.id === hook.id)?.executionStats).toEqual({
        requestCount: 3,
        successCount: 1,
      });
      expect(list.find((h) => h.id === idle.id)?.executionStats).toEqual({
        requestCount: 0,
        successCount: 0,
      });

      clock.advance(11);
      const later = await json<HookResponse>(
        await env.api('GET', `/api/hooks/${hook.id}?includeExecutionStats=1`),
      );
      expect(later.executionStats).toEqual({ requestCount: 2, successCount: 1 });
    });
  });

  describe('deliveries', () => {
    let hook: HookResponse;
    let first: Awaited<ReturnType<typeof insertDelivery>>;
    let second: Awaited<ReturnType<typeof insertDelivery>>;
    let pending: Awaited<ReturnType<typeof insertDelivery>>;
    let now: number;
    beforeAll(async () => {
      hook = await createHook();
      now = clock.now();
      first = await insertDelivery(hook.id, {
        createdAt: now - 5000,
        attempts: [
          {
            startedAt: now - 5000,
            isSuccess: false,
            status: 503,
            body: 'busy',
            error: 'HTTP 503',
            nextAttemptAt: now - 4000,
          },
          { startedAt: now - 4000, isSuccess: true, status: 200, body: 'ok' },
        ],
      });
      second = await insertDelivery(hook.id, {
        event: 'User.Deleted',
        createdAt: now - 3000,
        attempts: [
          {
            startedAt: now - 3000,
            isSuccess: false,
            error: 'timed out after 10000 ms',
            nextAttemptAt: now + 60_000,
          },
        ],
        status: 'pending',
      });
      await db()
        .updateTable('deliveries')
        .set({ nextAttemptAt: now + 60_000 })
        .where('id', '=', second.deliveryId)
        .execute();
      pending = await insertDelivery(hook.id, { createdAt: now - 1000, status: 'pending', attempts: [] });
    });

    it('lists deliveries newest first, filtered by event, status and time', async () => {
      const response = await env.api('GET', `/api/hooks/${hook.id}/deliveries`);
      expect(response.status).toBe(200);
      expect(response.headers.get('Total-Number')).toBe('3');
      const list = await json<DeliveryResponse[]>(response);
      expect(list.map((d) => d.id)).toEqual([pending.deliveryId, second.deliveryId, first.deliveryId]);
      expect(list[2]).toEqual({
        id: first.deliveryId,
        hookId: hook.id,
        eventId: first.eventId,
        event: 'User.Created',
        status: 'succeeded',
        attemptCount: 2,
        nextAttemptAt: null,
        lastResponseStatus: 200,
        lastError: null,
        createdAt: now - 5000,
        updatedAt: now - 4000,
        completedAt: now - 4000,
        orderingKey: null,
        waitingOn: null,
      });
      expect(list[1]).toMatchObject({
        status: 'pending',
        nextAttemptAt: now + 60_000,
        lastError: 'timed out after 10000 ms',
      });

      const get = async (query: string) =>
        (
          await json<DeliveryResponse[]>(await env.api('GET', `/api/hooks/${hook.id}/deliveries?${query}`))
        ).map((d) => d.id);
      expect(await get('event=User.Deleted')).toEqual([second.deliveryId]);
      expect(await get('status=pending')).toEqual([pending.deliveryId, second.deliveryId]);
      expect(await get('status=failed')).toEqual([]);
      expect(await get(`start_time=${now - 3000}&end_time=${now - 1001}`)).toEqual([second.deliveryId]);
      expect(await get('page=2&page_size=2')).toEqual([first.deliveryId]);
    });

    it('includes every attempt on request, in order, with masked headers and exact bodies', async () => {
      const list = await json<DeliveryResponse[]>(
        await env.api('GET', `/api/hooks/${hook.id}/deliveries?includeAttempts=yes&event=User.Created`),
      );
      expect(list.map((d) => d.attempts?.length)).toEqual([0, 2]);
      const detail = await json<DeliveryResponse>(
        await env.api('GET', `/api/hooks/${hook.id}/deliveries/${first.deliveryId}`),
      );
      expect(detail).toEqual(list[1]);
      const body = `${JSON.stringify(first.payload).slice(0, -1)},"hookId":"${hook.id}"}`;
      expect(detail.attempts).toEqual([
        {
          id: first.attemptIds[0],
          attempt: 1,
          result: 'Error',
          startedAt: now - 5000,
          durationMs: 12,
          request: {
            url: `${receiver.url}/hook`,
            headers: {
              'logto-signature-sha-256': 'abc',
              'user-agent': 'Logto (https://logto.io/)',
              Authorization: '******',
              'content-type': 'application/json',
            },
            body,
          },
          response: { status: 503, headers: { 'set-cookie': '******', 'x-ok': '1' }, body: 'busy' },
          error: 'HTTP 503',
          nextAttemptAt: now - 4000,
        },
        expect.objectContaining({
          id: first.attemptIds[1],
          attempt: 2,
          result: 'Success',
          error: null,
          nextAttemptAt: null,
        }),
      ]);
      const timedOut = await json<DeliveryResponse>(
        await env.api('GET', `/api/hooks/${hook.id}/deliveries/${second.deliveryId}`),
      );
      expect(timedOut.attempts?.[0]).toMatchObject({ response: null, error: 'timed out after 10000 ms' });
    });

    it('scopes deliveries by hook and rejects bad queries', async () => {
      const other = await createHook();
      await expectRejected(
        await env.api('GET', `/api/hooks/${other.id}/deliveries/${first.deliveryId}`),
        404,
        'entity.not_exists_with_id',
      );
      await expectRejected(
        await env.api('GET', `/api/hooks/${hook.id}/deliveries/dlv_nope`),
        404,
        'entity.not_exists_with_id',
      );
      const path = `/api/hooks/${hook.id}/deliveries`;
      await expectRejected(await env.api('GET', `${path}?status=dead`), 400, 'guard.invalid_input');
      await expectRejected(await env.api('GET', `${path}?event=Nope`), 400, 'guard.invalid_input');
      await expectRejected(await env.api('GET', `${path}?start_time=soon`), 400, 'guard.invalid_input');
      await expectRejected(
        await env.api('GET', `${path}?start_time=2&end_time=1`),
        400,
        'log.invalid_time_window',
      );
      await expectRejected(await env.api('GET', `${path}?page_size=500`), 400, 'guard.invalid_pagination');
    });

    it('keeps a deleted hook readable as history', async () => {
      const doomed = await createHook();
      const { deliveryId } = await insertDelivery(doomed.id, { status: 'pending', attempts: [] });
      expect((await env.api('DELETE', `/api/hooks/${doomed.id}`)).status).toBe(204);
      const detail = await json<DeliveryResponse>(
        await env.api('GET', `/api/hooks/${doomed.id}/deliveries/${deliveryId}`),
      );
      expect(detail).toMatchObject({
        status: 'failed',
        lastError: 'The hook was deleted.',
        nextAttemptAt: null,
      });
    });
  });
});
