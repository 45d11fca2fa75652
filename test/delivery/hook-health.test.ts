import { expect, it } from 'vitest';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import { createManualClock, type ManualClock } from '../../src/shared/clock.js';
import { expectStatus } from '../helpers/api.js';
import { eventually, listDeliveries } from '../helpers/builders.js';
import type { Receiver } from '../helpers/receiver.js';
import { describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from './support.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

describeEachDialect('endpoint health: auto-disable', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  interface Setup {
    env: TestEnv;
    clock: ManualClock;
    failing: Receiver;
    watcher: Receiver;
    hook: HookResponse;
    watcherHook: HookResponse;
  }

  /** A hook on User.Created whose endpoint fails, and a healthy hook subscribed to Hook.Disabled. */
  async function setUp(env: Record<string, string> = {}): Promise<Setup> {
    const clock = createManualClock(Date.parse('2026-11-02T09:00:00.000Z'));
    const testEnv = await harness.env(env, { clock });
    const failing = await harness.receiver();
    const watcher = await harness.receiver();
    failing.respondWith({ status: 500, body: 'down for maintenance' });
    const hook = await expectStatus<HookResponse>(
      await testEnv.api('POST', '/api/hooks', {
        name: 'Billing sync',
        events: ['User.Created'],
        config: { url: `${failing.url}/hook`, headers: { authorization: 'Bearer receiver-secret' } },
      }),
      201,
    );
    const watcherHook = await expectStatus<HookResponse>(
      await testEnv.api('POST', '/api/hooks', {
        name: 'Ops alerts',
        events: ['Hook.Disabled'],
        config: { url: `${watcher.url}/ops` },
      }),
      201,
    );
    return { env: testEnv, clock, failing, watcher, hook, watcherHook };
  }

  /** The API with a token minted now: the manual clock jumps days, past any cached token's expiry. */
  const call = async (env: TestEnv, method: string, path: string, body?: unknown) =>
    env.api(method, path, body, { authorization: `Bearer ${await env.token()}` });

  let users = 0;
  /** One User.Created, and waits until the failing endpoint has received `total` requests. */
  async function failOnce({ env, failing }: Setup, total: number): Promise<void> {
    await expectStatus(await call(env, 'POST', '/api/users', { username: `health_${users++}` }), 200);
    await failing.waitFor(total, 5_000);
    await eventually(async () => {
      const rows = await listDeliveries(env.container.database.db);
      return rows.every((row) => row.status !== 'sending') ? rows : undefined;
    });
  }

  const hookOf = async (env: TestEnv, id: string) =>
    expectStatus<HookResponse>(await call(env, 'GET', `/api/hooks/${id}`), 200);

  it('disables a hook whose attempts all failed for 5 days, and delivers Hook.Disabled to its subscribers', async () => {
    const setup = await setUp();
    const { env, clock, watcher, hook, watcherHook, failing } = setup;
    const engine = env.container.delivery.engine;
    await withEngine(engine, async () => {
      const start = clock.now();
      await failOnce(setup, 1);

      // Failing for 4 days is not yet the window.
      clock.advance(4 * DAY_MS);
      await failOnce(setup, 3); // the new event, and the first one's retry, now due
      await engine.runMaintenance();
      expect((await hookOf(env, hook.id)).enabled).toBe(true);

      clock.advance(DAY_MS + MINUTE_MS);
      const before = failing.requests.length;
      await failOnce(setup, before + 3);
      await engine.runMaintenance();
      expect((await hookOf(env, hook.id)).enabled).toBe(false);

      const [notice] = await watcher.waitFor(1, 5_000);
      const body = JSON.parse(notice!.body) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['event', 'createdAt', 'data', 'hookId']);
      expect(body).toEqual({
        event: 'Hook.Disabled',
        createdAt: new Date(clock.now()).toISOString(),
        data: {
          id: hook.id,
          name: 'Billing sync',
          url: `${failing.url}/hook`,
          enabled: false,
          reason: 'failing',
          failingSince: expect.any(Number),
          lastFailureAt: expect.any(Number),
          disableAfterSeconds: 432_000,
        },
        hookId: watcherHook.id,
      });
      const data = body.data as { failingSince: number; lastFailureAt: number };
      expect(data.failingSince).toBeGreaterThanOrEqual(start);
      expect(data.failingSince).toBeLessThan(start + MINUTE_MS);
      expect(data.lastFailureAt - data.failingSince).toBeGreaterThanOrEqual(5 * DAY_MS);
      // No secret of the disabled hook in the notice.
      expect(notice!.body).not.toContain('receiver-secret');
      expect(notice!.body).not.toContain(hook.signingKey);

      // A second check does nothing more: one event per disablement.
      await engine.runMaintenance();
      const events = await env.container.database.db.selectFrom('events').select('type').execute();
      expect(events.filter((e) => e.type === 'Hook.Disabled')).toHaveLength(1);
    });
  });

  it('keeps deliveries of a disabled hook waiting and resumes them when it is enabled again', async () => {
    const setup = await setUp();
    const { env, clock, failing, hook } = setup;
    const engine = env.container.delivery.engine;
    const { db } = env.container.database;
    await withEngine(engine, async () => {
      await failOnce(setup, 1);
      clock.advance(5 * DAY_MS + MINUTE_MS);
      await failOnce(setup, 3);
      await engine.runMaintenance();
      expect((await hookOf(env, hook.id)).enabled).toBe(false);

      // While disabled: nothing is sent, due deliveries wait; new events do not queue for it (as Logto).
      clock.advance(MINUTE_MS);
      const sent = failing.requests.length;
      engine.wake();
      await expectStatus(await call(env, 'POST', '/api/users', { username: 'while_disabled' }), 200);
      const waiting = (await listDeliveries(db, hook.id)).filter((row) => row.status === 'pending');
      expect(waiting.length).toBeGreaterThan(0);
      expect(failing.requests.length).toBe(sent);

      failing.respondWith({ status: 200 });
      await expectStatus(await call(env, 'PATCH', `/api/hooks/${hook.id}`, { enabled: true }), 200);
      engine.wake();
      await eventually(async () => {
        const rows = await listDeliveries(db, hook.id);
        return rows.every((row) => row.status === 'succeeded') ? rows : undefined;
      });
      // Enabling starts health afresh: the old run of failures does not disable it again.
      clock.advance(MINUTE_MS);
      await engine.runMaintenance();
      expect((await hookOf(env, hook.id)).enabled).toBe(true);
    });
  });

  it('a success within the window keeps the hook enabled; 0 turns auto-disable off', async () => {
    const setup = await setUp();
    const { env, clock, failing, hook } = setup;
    const engine = env.container.delivery.engine;
    await withEngine(engine, async () => {
      await failOnce(setup, 1);
      clock.advance(3 * DAY_MS);
      failing.respondWith({ status: 200 });
      await failOnce(setup, 3); // both deliveries succeed now
      failing.respondWith({ status: 500 });
      clock.advance(2 * DAY_MS + MINUTE_MS);
      await failOnce(setup, 4);
      await engine.runMaintenance();
      expect((await hookOf(env, hook.id)).enabled).toBe(true);
    });

    const off = await setUp({ IDHOOKS_HOOK_DISABLE_AFTER_SECONDS: '0' });
    await withEngine(off.env.container.delivery.engine, async () => {
      await failOnce(off, 1);
      off.clock.advance(30 * DAY_MS);
      await failOnce(off, 3);
      await off.env.container.delivery.engine.runMaintenance();
      expect((await hookOf(off.env, off.hook.id)).enabled).toBe(true);
    });
  });
});
