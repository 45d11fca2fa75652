import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertHook } from '../helpers/builders.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { keyedPayload, makePerKey } from '../delivery/ordering-support.js';

/** A perKey hook's delivery waiting for its key, as the console shows it (docs/events.md#ordering-keys). */
describeEachDialect('console: deliveries waiting on their key', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  it('shows the waiting state, the key and the delivery it waits on', async () => {
    const { db } = env.container.database;
    const url = 'http://127.0.0.1:9/ordered';
    const hook = await insertHook(db, { url, name: 'ordered', events: ['User.Data.Updated'] });
    await makePerKey(db, hook.id, url);
    // No engine runs: both stay pending, the first heads the key.
    for (const n of [0, 1]) {
      await db
        .transaction()
        .execute((tx) =>
          env.container.repos.events.appendEvent(
            tx,
            { type: 'User.Data.Updated', payload: keyedPayload('u1', n) },
            env.container.clock.now(),
          ),
        );
    }
    const [first, second] = await db
      .selectFrom('deliveries')
      .select('id')
      .where('hookId', '=', hook.id)
      .orderBy('orderingSeq')
      .execute();
    const page = (id: string) => client.page(`/console/webhooks/${hook.id}/recent-requests/${id}`);
    const head = await page(first!.id);
    expect(testIdText(head, 'delivery-state')).toBe('Pending');
    expect(testIdText(head, 'ordering-key')).toBe('user:u1');
    expect(head).not.toContain('data-testid="waiting-on"');
    const waiting = await page(second!.id);
    expect(testIdText(waiting, 'delivery-state')).toBe('Waiting on its key');
    expect(waiting).toContain(`href="/console/webhooks/${hook.id}/recent-requests/${first!.id}"`);
    const list = await client.page(`/console/webhooks/${hook.id}/recent-requests`);
    expect(list).toContain('Waiting on its key');
  });

  it('saving the settings form keeps the delivery order set through the API', async () => {
    const { db } = env.container.database;
    const url = 'http://127.0.0.1:9/kept';
    const hook = await insertHook(db, { url, name: 'kept', events: ['User.Data.Updated'] });
    await makePerKey(db, hook.id, url);
    const response = await client.post(`/console/webhooks/${hook.id}/settings`, [
      ['name', 'Renamed'],
      ['url', `${url}/renamed`],
      ['events', 'User.Data.Updated'],
    ]);
    expect(response.status).toBe(303);
    const saved = await env.container.services.hooks.getHook(hook.id, { includeExecutionStats: false });
    expect(saved.config).toEqual({ url: `${url}/renamed`, ordering: 'perKey' });
  });
});
