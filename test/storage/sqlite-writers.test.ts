/**
 * SQLite with two writing connections on one file: the server's api and worker processes, or a
 * process and the CLI. A deferred transaction that reads and then writes fails at once with
 * "database is locked" when the other connection committed in between (its snapshot is stale and
 * SQLite cannot wait that out), so every transaction takes the write lock at BEGIN and waits for it
 * under busy_timeout instead (src/storage/dialects/sqlite.ts). The other writer runs on a thread,
 * as it would in another process: a connection waiting for the lock blocks its own thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/storage/db.js';
import { DIALECTS } from '../helpers/test-db.js';

/** Commits a small write every few milliseconds until told to stop; counts its commits. */
const OTHER_WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const insert = db.prepare('insert into scratch (v) values (?)');
let commits = 0;
let stopped = false;
parentPort.on('message', () => { stopped = true; });
const tick = () => {
  if (stopped) { db.close(); parentPort.postMessage(commits); return; }
  insert.run('other'); commits += 1;
  setTimeout(tick, 1);
};
tick();
`;

(DIALECTS.includes('sqlite') ? describe : describe.skip)('sqlite: two writers on one file', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('transactions that read, then write, never fail with "database is locked" while another connection commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idhooks-writers-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'test.db');
    const database: DatabaseHandle = createDatabase({ url: `sqlite:${file}`, sqliteSynchronous: 'NORMAL' });
    cleanups.push(() => database.destroy());
    const { db } = database;
    await sql`create table scratch (id integer primary key, v text not null)`.execute(db);

    const other = new Worker(OTHER_WRITER, {
      eval: true,
      workerData: { file, module: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    const otherCommits = new Promise<number>((resolve) => other.once('message', resolve));
    const transactions = 150;
    const failures: string[] = [];
    for (let i = 0; i < transactions; i++) {
      try {
        await db.transaction().execute(async (tx) => {
          await sql`select count(*) as n from scratch`.execute(tx);
          // The other connection gets its turn here, as any await inside a transaction allows.
          await new Promise((resolve) => setTimeout(resolve, 2));
          await sql`insert into scratch (v) values (${'mine'})`.execute(tx);
        });
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    other.postMessage('stop');
    const commits = await otherCommits;

    expect(failures).toEqual([]);
    expect(commits).toBeGreaterThan(0);
    const rows = await sql<{
      v: string;
      n: number;
    }>`select v, count(*) as n from scratch group by v order by v`.execute(db);
    expect(rows.rows).toEqual([
      { v: 'mine', n: transactions },
      { v: 'other', n: commits },
    ]);
  });
});
