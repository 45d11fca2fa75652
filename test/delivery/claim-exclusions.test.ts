import { expect, it } from 'vitest';
import { appendEvents, insertHook } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { useDeliveryHarness } from './support.js';

const URL = 'http://127.0.0.1:9/never-called';
const HOOKS = 60;

/**
 * The claim takes its excluded hooks as one parameter (an array on PostgreSQL, a JSON array on
 * SQLite) in a statement whose text never changes: the list's length and its contents must not
 * matter to which deliveries are left alone.
 */
describeEachDialect('claim: excluded hooks', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  it('leaves exactly the excluded hooks, whether none, one, fifty or all are excluded', async () => {
    const env = await harness.env();
    const { db } = env.container.database;
    const { repos, clock } = env.container;
    const hooks: string[] = [];
    for (let i = 0; i < HOOKS; i++) hooks.push((await insertHook(db, { url: URL })).id);
    await appendEvents(env.container, 2);

    const unknown = ['no-such-hook', `o'dd "id", [x]`];
    const cases: [number, string[]][] = [
      [0, []],
      [0, unknown],
      [1, hooks.slice(0, 1)],
      [50, [...unknown, ...hooks.slice(0, 50).reverse()]],
      [HOOKS, hooks],
    ];
    for (const [count, excludeHookIds] of cases) {
      const now = clock.now();
      const claimed = await repos.deliveries.claimDue({
        now,
        limit: 1_000,
        perHookLimit: 10,
        workerId: 'node-a',
        leaseUntil: now + 30_000,
        excludeHookIds,
      });
      const label = `${excludeHookIds.length} ids excluded`;
      expect(new Set(claimed.map((c) => c.hookId)), label).toEqual(new Set(hooks.slice(count)));
      expect(claimed, label).toHaveLength(2 * (HOOKS - count));
      await repos.deliveries.releaseLeases(
        claimed.map((c) => c.id),
        'node-a',
        now,
      );
    }
  });
});
