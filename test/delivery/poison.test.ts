/**
 * Poison deliveries (issue 14 item 3): a delivery whose sending kills its worker process. An attempt
 * counts when it is leased, so each crash uses one up; once the retry schedule is spent the
 * delivery ends `failed` with an error that says why, instead of killing every restarted worker.
 *
 * Nothing from outside can make a request crash the server, so the receiver does it: it SIGKILLs
 * the worker process the moment the request arrives, every time, before answering. On SQLite the
 * worker is the sole worker, so each restart re-queues the dead process's lease at once; on
 * PostgreSQL the same reaper runs after the lease expires (covered at repo level in
 * deliveries-repo.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/storage/db.js';
import { createEventsRepo } from '../../src/storage/repos/events.js';
import { eventually, insertHook, listDeliveries, samplePayload } from '../helpers/builders.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-db.js';
import { killIfRunning, startServerProcess, type ServerProcess } from './child-process.js';

/** Two retry delays: three attempts in all. */
const SCHEDULE = '0.05,0.05';
const MAX_ATTEMPTS = 3;
/** More restarts than attempts, so a delivery that loops has the room to show it. */
const MAX_STARTS = MAX_ATTEMPTS + 3;

(DIALECTS.includes('sqlite') ? describe : describe.skip)('sqlite: poison deliveries', () => {
  let database: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  let receiver: Receiver | undefined;
  const servers: ServerProcess[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(killIfRunning));
    await handle?.destroy();
    await receiver?.close();
    await database?.drop();
    [handle, receiver, database] = [undefined, undefined, undefined];
  });

  it('a delivery whose sending kills the worker ends failed after the schedule instead of looping', async () => {
    database = await createTestDatabase('sqlite');
    receiver = await startReceiver();
    let current: ServerProcess | undefined;
    receiver.respondWith(() => {
      current?.child.kill('SIGKILL'); // the request "crashes" the worker that sends it
      return { status: 200, delayMs: 60_000 };
    });

    const start = () => {
      current = startServerProcess(database!, 'worker', { IDHOOKS_RETRY_SCHEDULE: SCHEDULE });
      servers.push(current);
      return current;
    };
    // The first worker migrates the database; the event is committed once it is up.
    let worker = start();
    await worker.waitForLog(/delivery engine started/);
    handle = createDatabase({ url: database.url, pgSchema: database.pgSchema });
    const db = handle.db;
    await insertHook(db, { url: `${receiver.url}/hook` });
    const { capabilities } = handle;
    await db
      .transaction()
      .execute((tx) =>
        createEventsRepo(db, capabilities).appendEvent(
          tx,
          { type: 'User.Created', payload: samplePayload(1) },
          Date.now(),
        ),
      );

    let starts = 1;
    for (;;) {
      const outcome = await eventually(
        async () => {
          if ((await listDeliveries(db))[0]?.status === 'failed') return 'failed';
          return worker.child.signalCode === null ? undefined : 'killed';
        },
        { timeoutMs: 60_000, what: 'the delivery failed or the worker killed' },
      );
      if (outcome === 'failed' || starts >= MAX_STARTS) break;
      worker = start();
      starts++;
    }

    const [delivery] = await listDeliveries(db);
    expect(delivery).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lockedBy: null });
    expect(delivery?.lastError).toMatch(/^gave up after 3 attempts; the node sending the last one stopped/);
    expect(receiver.requests, 'one request per attempt, then no more').toHaveLength(MAX_ATTEMPTS);
    expect(starts, 'the worker that ended it is still running').toBe(MAX_ATTEMPTS + 1);
    expect(worker.child.exitCode).toBeNull();
  }, 240_000);
});
