import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect } from 'kysely';

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
  return { dialect: new SqliteDialect({ database }), close: () => database.close() };
}

/** `sqlite:./data/idhooks.db` → `./data/idhooks.db`; `sqlite::memory:` → `:memory:`. */
export const sqliteFilename = (url: string) => url.replace(/^sqlite:(\/\/)?/, '');
