import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase } from 'kysely';

export interface SqliteOptions {
  /** File path, or `:memory:`. */
  readonly filename: string;
  readonly synchronous: 'NORMAL' | 'FULL';
}

/**
 * WAL mode lets readers proceed during a write. `synchronous=NORMAL` keeps every commit across a
 * killed process (the promise we test); FULL adds power-loss durability at about a third of the
 * commit rate. `busy_timeout` covers the short moments another process (a CLI migrate) holds the
 * write lock.
 */
export function createSqliteDialect({ filename, synchronous }: SqliteOptions): {
  dialect: SqliteDialect;
  close: () => void;
} {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const database = new BetterSqlite3(filename);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // Checkpoint every 8000 pages (~32 MB of WAL) rather than 1000: each checkpoint syncs the
  // database file, and at every-1000 those syncs cost about a tenth of an API write's time (API
  // writes +12 % in the benchmark). Readers are unaffected; the WAL file may reach ~32 MB.
  database.pragma('wal_autocheckpoint = 8000');
  return {
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
    close: () => database.close(),
  };
}

const NOOP_STATEMENT = {
  reader: false,
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  all: () => [],
  iterate: () => [][Symbol.iterator](),
} as unknown as ReturnType<SqliteDatabase['prepare']>;

/** Distinct SQL texts kept prepared; the app has a few hundred, so this bounds memory, not hits. */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely prepares every query anew, and on a hot path (a user created with its event and
 * deliveries, a delivery claimed and recorded) compiling the same SQL again was the largest single
 * cost in a profile. better-sqlite3 statements are reusable, and Kysely runs one query at a time
 * per connection, so a cache keyed by SQL text is safe; the least recently used entry is evicted.
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR); Kysely's
      // ROLLBACK then fails with "cannot rollback - no transaction is active", and that error would
      // replace the real cause. With nothing left to roll back, ROLLBACK is a no-op.
      if (sql === 'rollback' && !database.inTransaction) return NOOP_STATEMENT;
      // A deferred transaction that reads, then writes, fails at once with "database is locked"
      // (no busy wait) when another connection committed in between: its snapshot is stale. Two
      // connections write here (the API and the delivery thread, or an api and a worker process),
      // so transactions take the write lock at BEGIN and wait for it under busy_timeout instead.
      if (sql === 'begin') sql = 'begin immediate';
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

/** `sqlite:./data/idhooks.db` → `./data/idhooks.db`; `sqlite::memory:` → `:memory:`. */
export const sqliteFilename = (url: string) => url.replace(/^sqlite:(\/\/)?/, '');
