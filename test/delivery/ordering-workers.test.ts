/**
 * Per-key ordering across processes: three worker processes share one PostgreSQL queue of a
 * perKey hook, one is killed with SIGKILL mid-burst. Every delivery still succeeds, none is lost,
 * each key's deliveries arrive in commit order (a delivery the dead node had sent may arrive twice,
 * back to back) and never two of one key at once (docs/architecture.md#per-key-ordering).
 */
import { afterEach, expect, it } from 'vitest';
import { orderingKeyOf } from '../../src/domain/ordering-keys.js';
import { createDatabase, type DatabaseHandle } from '../../src/storage/db.js';
import { createEventsRepo } from '../../src/storage/repos/events.js';
import { eventually, insertHook } from '../helpers/builders.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../helpers/test-db.js';
import { killBusiestWorker, killIfRunning, startServerProcess, type ServerProcess } from './child-process.js';
import { keyedPayload, keyedResponder, makePerKey } from './ordering-support.js';

const KEYS = 10;
const PER_KEY = 100;
const TEST_TIMEOUT_MS = 240_000;

describePostgres('per-key ordering with three workers, one killed mid-burst', () => {
  let database: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  let receiver: Receiver | undefined;
  const workers: ServerProcess[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map(killIfRunning));
    await handle?.destroy();
    await receiver?.close();
    await database?.drop();
    [database, handle, receiver] = [undefined, undefined, undefined];
  });

  it(
    'keeps each key in commit order and loses nothing',
    async () => {
      database = await createTestDatabase('postgres');
      receiver = await startReceiver();
      const responder = keyedResponder(15);
      receiver.respondWith(responder.respond);
      const env = {
        // A 1 s timeout gives a 7 s lease: the dead node's keys resume within ~10 s.
        IDHOOKS_DELIVERY_TIMEOUT_MS: '1000',
        IDHOOKS_DELIVERY_POLL_MS: '500',
        IDHOOKS_HOOK_MAX_IN_FLIGHT: '16',
      };
      for (let i = 0; i < 3; i++) workers.push(startServerProcess(database, 'worker', env));
      await Promise.all(workers.map((worker) => worker.waitForLog(/idhooks started/)));
      handle = createDatabase({ url: database.url, pgSchema: database.pgSchema });
      const { db, capabilities } = handle;
      const hook = await insertHook(db, { url: receiver.url, events: ['User.Data.Updated'] });
      await makePerKey(db, hook.id, receiver.url);

      // The burst, round by round: round n of every key commits before round n + 1.
      const started = Date.now();
      const events = createEventsRepo(db, capabilities, orderingKeyOf);
      for (let n = 0; n < PER_KEY; n++) {
        await db.transaction().execute(async (tx) => {
          for (let k = 0; k < KEYS; k++) {
            await events.appendEvent(
              tx,
              { type: 'User.Data.Updated', payload: keyedPayload(`k${k}`, n) },
              Date.now(),
            );
          }
        });
      }
      const total = KEYS * PER_KEY;

      await receiver.waitFor(Math.floor(total / 3), 90_000);
      const { heldIds } = await killBusiestWorker(db, workers);

      await eventually(
        async () => {
          const open = await db
            .selectFrom('deliveries')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('status', '!=', 'succeeded')
            .executeTakeFirstOrThrow();
          return Number(open.n) === 0 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 200, what: 'every delivery succeeded' },
      );
      const elapsed = Date.now() - started;
      const rows = await db.selectFrom('deliveries').select(['id', 'status']).execute();
      expect(rows).toHaveLength(total);
      const received = new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])));
      expect(
        rows.filter((row) => !received.has(row.id)),
        'none lost',
      ).toEqual([]);

      const order = responder.orderByKey();
      const expected = Array.from({ length: PER_KEY }, (_, n) => n);
      for (let k = 0; k < KEYS; k++) expect(order.get(`k${k}`), `k${k}`).toEqual(expected);
      expect(responder.maxOpenPerKey, 'requests of one key open at once').toBe(1);
      expect(heldIds.size, 'the kill happened mid-burst, with work in hand').toBeGreaterThan(0);
      console.info(
        `per-key ordering, 3 workers: ${total} deliveries over ${KEYS} keys in ${elapsed} ms, ` +
          `${receiver.requests.length} requests (${receiver.requests.length - received.size} repeats); ` +
          `the killed node held ${heldIds.size}; max open per key ${responder.maxOpenPerKey}`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
