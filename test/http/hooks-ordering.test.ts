/**
 * `config.ordering` through the hooks API (an idhooks addition): accepted and returned, refused
 * with `{ code, message }` and nothing changed when invalid; and the deliveries API showing a
 * delivery that waits on its key (docs/compatibility.md#additions).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveryResponse } from '../../src/http/routes/hook-logs.js';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import { expectRejected, expectStatus, expectUnchanged } from '../helpers/api.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

describeEachDialect('hooks API: per-key ordering', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(dialect, { env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' } });
  });
  afterAll(async () => {
    await env.close();
  });
  const url = 'http://127.0.0.1:9/hook';

  it('accepts perKey and none, returns them, and leaves the default unordered', async () => {
    const ordered = await expectStatus<HookResponse>(
      await env.api('POST', '/api/hooks', {
        events: ['User.Data.Updated'],
        config: { url, ordering: 'perKey' },
      }),
      201,
    );
    expect(ordered.config).toEqual({ url, ordering: 'perKey' });
    const plain = await expectStatus<HookResponse>(
      await env.api('POST', '/api/hooks', { events: ['User.Created'], config: { url } }),
      201,
    );
    expect(plain.config).toEqual({ url });
    const patched = await expectStatus<HookResponse>(
      await env.api('PATCH', `/api/hooks/${ordered.id}`, { config: { url, ordering: 'none' } }),
      200,
    );
    expect(patched.config).toEqual({ url, ordering: 'none' });
    await env.api('DELETE', `/api/hooks/${ordered.id}`);
    await env.api('DELETE', `/api/hooks/${plain.id}`);
  });

  it('rejects a bad ordering on create and update with 400 and changes nothing', async () => {
    const hook = await expectStatus<HookResponse>(
      await env.api('POST', '/api/hooks', { events: ['User.Created'], config: { url, ordering: 'perKey' } }),
      201,
    );
    for (const ordering of ['PerKey', 'per-key', 'fifo', '', null, 1, true, { key: 'user' }]) {
      await expectUnchanged(env, ['hooks', 'hookSubscriptions'], async () => {
        const created = await expectRejected(
          await env.api('POST', '/api/hooks', { events: ['User.Created'], config: { url, ordering } }),
          400,
          'guard.invalid_input',
        );
        expect(JSON.stringify(created.data)).toContain('config.ordering');
        await expectRejected(
          await env.api('PATCH', `/api/hooks/${hook.id}`, { name: 'changed', config: { url, ordering } }),
          400,
          'guard.invalid_input',
        );
      });
    }
    expect(await expectStatus<HookResponse>(await env.api('GET', `/api/hooks/${hook.id}`), 200)).toEqual(
      hook,
    );
    await env.api('DELETE', `/api/hooks/${hook.id}`);
  });

  it('shows the key of each delivery and which one a waiting delivery waits on', async () => {
    const hook = await expectStatus<HookResponse>(
      await env.api('POST', '/api/hooks', {
        events: ['User.Data.Updated'],
        config: { url, ordering: 'perKey' },
      }),
      201,
    );
    const user = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/users', { username: `ordered_${dialect}` }),
      200,
    );
    // No engine runs here: every delivery stays pending, the first one heads its key.
    for (const name of ['First', 'Second', 'Third']) {
      await expectStatus(await env.api('PATCH', `/api/users/${user.id}`, { name }), 200);
    }
    const list = await expectStatus<DeliveryResponse[]>(
      await env.api('GET', `/api/hooks/${hook.id}/deliveries`),
      200,
    );
    const [third, second, first] = list; // newest first
    expect(list.map((d) => d.orderingKey)).toEqual([`user:${user.id}`, `user:${user.id}`, `user:${user.id}`]);
    expect([first!.waitingOn, second!.waitingOn, third!.waitingOn]).toEqual([null, first!.id, first!.id]);
    const one = await expectStatus<DeliveryResponse>(
      await env.api('GET', `/api/hooks/${hook.id}/deliveries/${second!.id}`),
      200,
    );
    expect(one).toMatchObject({ status: 'pending', orderingKey: `user:${user.id}`, waitingOn: first!.id });
    await env.api('DELETE', `/api/hooks/${hook.id}`);
  });
});
