/**
 * Shared plumbing of the reliability scenarios: the server as a real child process (the helpers of
 * test/delivery/processes.test.ts), the test's own database connection to watch and fault it, a
 * burst of events committed through the services' transaction path, and bounded polling.
 */
import { afterEach } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createContainer, type Container } from '../../src/container.js';
import { managementEvent, type ManagementContext } from '../../src/domain/payloads.js';
import { createRunInTransaction } from '../../src/services/transaction.js';
import { createDatabase, type DatabaseHandle, type Db } from '../../src/storage/db.js';
import { killIfRunning, startServerProcess, type ServerProcess } from '../delivery/child-process.js';
import { createTestDatabase, type Dialect, type TestDatabase } from '../helpers/test-db.js';
import { startCountingReceiver, type CountingReceiver } from './counting-receiver.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until it returns something other than undefined, or fails at the deadline. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs, intervalMs = 50 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export type DeliveryStatusCounts = Record<'pending' | 'sending' | 'succeeded' | 'failed', number> & {
  total: number;
};

export async function statusCounts(db: Db): Promise<DeliveryStatusCounts> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: DeliveryStatusCounts = { pending: 0, sending: 0, succeeded: 0, failed: 0, total: 0 };
  for (const { status, n } of rows) {
    counts[status as keyof DeliveryStatusCounts] = Number(n);
    counts.total += Number(n);
  }
  return counts;
}

/** Ids of deliveries leased (`sending`) right now. */
export async function leasedIds(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('deliveries').select('id').where('status', '=', 'sending').execute();
  return new Set(rows.map((row) => row.id));
}

/** Waits until `expected` deliveries exist and all of them succeeded; fails early if one ends `failed`. */
export async function waitForAllSucceeded(db: Db, expected: number, timeoutMs: number) {
  return until(
    `all ${expected} deliveries succeeded`,
    async () => {
      const counts = await statusCounts(db);
      if (counts.failed > 0)
        throw new Error(`${counts.failed} deliveries ended failed: ${JSON.stringify(counts)}`);
      return counts.total === expected && counts.succeeded === expected ? counts : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** The request context a `POST /api/users` from a script would carry into its payloads. */
const CREATE_USER_CONTEXT: ManagementContext = {
  origin: 'management',
  userAgent: 'idhooks-reliability/1.0',
  ip: '127.0.0.1',
  path: '/users',
  method: 'POST',
  params: {},
  matchedRoute: '/users',
};

/**
 * Commits `count` `User.Created` events, and their deliveries, from the test process through the
 * services' own `runInTransaction` (the path every service write takes), `perTransaction` events
 * per commit and `concurrency` commits at once. Returns the number committed.
 */
export async function commitBurst(
  container: Container,
  count: number,
  { perTransaction = 20, concurrency = 8 } = {},
): Promise<number> {
  const runInTransaction = createRunInTransaction({
    db: container.database.db,
    events: container.repos.events,
    clock: container.clock,
    // The server runs in another process: SQLite wakes it through its poll, PostgreSQL by NOTIFY.
    onDeliveriesQueued: () => undefined,
  });
  let next = 0;
  const committer = async () => {
    while (next < count) {
      const first = next;
      next = Math.min(count, next + perTransaction);
      const last = next;
      await runInTransaction(async (_tx, emit) => {
        for (let i = first; i < last; i++) {
          const data = { id: `burst${String(i).padStart(6, '0')}`, username: `burst_${i}` };
          await emit(managementEvent(CREATE_USER_CONTEXT, 'User.Created', Date.now(), { tail: { data } }));
        }
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, committer));
  return count;
}

/** Everything one scenario starts, stopped after each test whatever happened. */
export interface Scenario {
  readonly database: TestDatabase;
  readonly receiver: CountingReceiver;
  /** The test's own connection (opened after the first server migrated the database). */
  db(): Db;
  handle(): DatabaseHandle;
  /** A container of the test process on the same database, for committing bursts (never started). */
  container(): Container;
  /** Starts `idhooks start --role <role>` and waits until it is ready. */
  startServer(options?: { role?: 'all' | 'api' | 'worker'; env?: Record<string, string> }): Promise<Server>;
}

export interface Server {
  readonly process: ServerProcess;
  /** The API port (0 for a worker). */
  readonly port: number;
  readonly base: string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Call inside a describe block. Returns a function that sets a scenario up; afterEach kills its
 * servers, closes its connections and receiver and drops its database.
 */
export function useScenario(dialect: Dialect): () => Promise<Scenario> {
  let current:
    | {
        database: TestDatabase;
        receiver: CountingReceiver;
        servers: ServerProcess[];
        handle?: DatabaseHandle;
        container?: Container;
      }
    | undefined;

  afterEach(async () => {
    if (!current) return;
    const { database, receiver, servers, handle, container } = current;
    current = undefined;
    await Promise.all(servers.map(killIfRunning));
    await container?.close();
    await handle?.destroy();
    await receiver.close();
    await database.drop();
  });

  return async () => {
    const database = await createTestDatabase(dialect);
    const receiver = await startCountingReceiver();
    const state: NonNullable<typeof current> = { database, receiver, servers: [] };
    current = state;
    const handle = () =>
      (state.handle ??= createDatabase({ url: database.url, pgSchema: database.pgSchema }));
    return {
      database,
      receiver,
      handle,
      db: () => handle().db,
      container: () =>
        (state.container ??= createContainer(
          loadConfig({ DATABASE_URL: database.url, IDHOOKS_LOG_LEVEL: 'silent' }),
          { pgSchema: database.pgSchema },
        )),
      async startServer({ role = 'all', env = {} } = {}) {
        const child = startServerProcess(database, role, env);
        state.servers.push(child);
        const ready = await child.waitForLog(role === 'worker' ? /idhooks started/ : /idhooks listening/);
        if (role !== 'worker') await child.waitForLog(/idhooks started/);
        const port = role === 'worker' ? 0 : Number(ready.port);
        return {
          process: child,
          port,
          base: `http://127.0.0.1:${port}`,
          async kill(signal = 'SIGKILL') {
            child.child.kill(signal);
            return child.exited;
          },
        };
      },
    };
  };
}
