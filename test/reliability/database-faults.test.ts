/**
 * Scenario 5: the database goes away mid-drain and comes back. On PostgreSQL a TCP proxy between
 * the server and the database drops every connection and refuses new ones for a few seconds (a
 * partition or a database restart); on SQLite another connection holds the write lock
 * (`BEGIN EXCLUSIVE`) past the server's busy timeout, so its writes fail with SQLITE_BUSY. The
 * engine must survive it (the process stays up), back off, resume on its own, deliver everything,
 * and never send again a delivery whose success it had recorded before the fault.
 */
import BetterSqlite3 from 'better-sqlite3';
import { expect, it } from 'vitest';
import { sqliteFilename } from '../../src/storage/dialects/sqlite.js';
import { insertHook } from '../helpers/builders.js';
import { describeEachDialect, TEST_PG_URL, type Dialect } from '../helpers/test-db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import {
  commitBurst,
  leasedIds,
  sleep,
  until,
  useScenario,
  waitForAllSucceeded,
  type Scenario,
} from './support.js';

const BACKLOG = 3_000;
/** Committed while the server cannot reach PostgreSQL (the test's connection goes direct). */
const DURING_FAULT = 500;
const FAULT_AT = 500;
/**
 * PostgreSQL: long enough for claims, recordings and the LISTEN connection to fail and retry a few
 * times. SQLite: past the 5 s busy_timeout, so statements really fail instead of only waiting.
 */
const FAULT_MS: Record<Dialect, number> = { postgres: 4_000, sqlite: 6_500 };

/**
 * SQLite: a statement waiting for the lock blocks the server's event loop for up to 5 s, so the
 * delivery timeout stays long enough that requests in flight do not time out meanwhile (a timeout
 * would push their retry 60 s out). PostgreSQL: a short timeout keeps leases short (2 × timeout + 5 s).
 */
const SERVER_ENV: Record<Dialect, Record<string, string>> = {
  postgres: { IDHOOKS_DELIVERY_TIMEOUT_MS: '2000', IDHOOKS_RETRY_SCHEDULE: '0.2,0.5,1,2,2,2' },
  sqlite: { IDHOOKS_DELIVERY_TIMEOUT_MS: '10000', IDHOOKS_RETRY_SCHEDULE: '0.2,0.5,1,2,2,2' },
};

interface Fault {
  begin(): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
}

/** The server reaches PostgreSQL through a proxy the test can cut. */
async function proxiedPostgres(): Promise<{ proxy: TcpProxy; url: string; fault: Fault }> {
  const target = new URL(TEST_PG_URL);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const url = new URL(TEST_PG_URL);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return {
    proxy,
    url: url.toString(),
    fault: { begin: () => proxy.cut(), end: () => proxy.restore(), close: () => proxy.close() },
  };
}

/** Another connection takes SQLite's write lock and holds it. */
function sqliteWriteLock(scenario: Scenario): Fault {
  let holder: BetterSqlite3.Database | undefined;
  return {
    async begin() {
      holder = new BetterSqlite3(sqliteFilename(scenario.database.url), { timeout: 10_000 });
      holder.exec('BEGIN EXCLUSIVE');
    },
    async end() {
      holder?.exec('COMMIT');
      holder?.close();
      holder = undefined;
    },
    async close() {
      if (holder?.open) holder.close();
    },
  };
}

describeEachDialect('database faults mid-drain', (dialect) => {
  const setUp = useScenario(dialect);

  it('backs off, resumes and loses or repeats no completed delivery', async () => {
    const scenario = await setUp();
    const { receiver } = scenario;
    const pg = dialect === 'postgres' ? await proxiedPostgres() : undefined;
    const fault = pg?.fault ?? sqliteWriteLock(scenario);
    try {
      const server = await scenario.startServer({
        env: { ...SERVER_ENV[dialect], ...(pg ? { DATABASE_URL: pg.url } : {}) },
      });
      await insertHook(scenario.db(), { url: `${receiver.url}/hook` });
      await commitBurst(scenario.container(), BACKLOG);
      await until('the drain is under way', () => (receiver.counts.size >= FAULT_AT ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 5,
      });

      await fault.begin();
      const faultStartedAt = Date.now();
      // Frozen from here: the server can neither claim nor complete until the fault ends.
      const leasedAtFault = await leasedIds(scenario.db());
      const deliveredAtFault = receiver.counts.size;
      let expected = BACKLOG;
      if (pg) expected += await commitBurst(scenario.container(), DURING_FAULT);
      await sleep(Math.max(0, FAULT_MS[dialect] - (Date.now() - faultStartedAt)));
      expect(
        server.process.child.exitCode,
        `the server survives the fault:\n${server.process.stderr()}`,
      ).toBeNull();
      await fault.end();
      const restoredAt = Date.now();

      const arrivalsBeforeRestore = receiver.arrivals.length;
      await until(
        'deliveries resume',
        () => (receiver.arrivals.length > arrivalsBeforeRestore ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
      const resumedAfterMs = Date.now() - restoredAt;
      await waitForAllSucceeded(scenario.db(), expected, 90_000);
      const drainedAfterMs = Date.now() - restoredAt;
      expect(server.process.child.exitCode, `the server is still up:\n${server.process.stderr()}`).toBeNull();
      expect(await server.kill('SIGTERM'), 'and stops cleanly').toBe(0);

      const faultLogs = server.process.logs.filter((line) =>
        /SQLITE_BUSY|ECONNREFUSED|ECONNRESET|connection error|Connection terminated/.test(line),
      );
      const duplicated = receiver.duplicatedIds();
      const deliveries = await scenario.db().selectFrom('deliveries').select('id').execute();
      const succeededAttempts = await scenario
        .db()
        .selectFrom('deliveryAttempts')
        .select('deliveryId')
        .distinct()
        .where('isSuccess', '=', 1)
        .execute();
      console.info(
        `[${dialect}] database fault of ${FAULT_MS[dialect]} ms at ${deliveredAtFault} delivered, ` +
          `${leasedAtFault.size} leased; resumed ${resumedAfterMs} ms and drained ${drainedAfterMs} ms after ` +
          `the restore; ${receiver.duplicates()} duplicates; ${faultLogs.length} database errors logged` +
          (pg ? `; ${pg.proxy.accepted} connections through the proxy` : ''),
      );

      expect(faultLogs.length, 'the fault reached the engine').toBeGreaterThan(0);
      expect(
        deliveries.filter(({ id }) => !receiver.counts.has(id)),
        'nothing lost',
      ).toEqual([]);
      expect(receiver.counts.size).toBe(expected);
      expect(
        duplicated.filter((id) => !leasedAtFault.has(id)),
        'no delivery completed before the fault was sent again',
      ).toEqual([]);
      expect(receiver.duplicates()).toBeLessThanOrEqual(leasedAtFault.size);
      expect(succeededAttempts.length, 'every delivery has its successful attempt recorded').toBe(expected);
    } finally {
      await fault.close();
    }
  });
});
