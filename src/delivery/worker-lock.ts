/**
 * One delivery worker per SQLite database. SQLite has a single writer and no SKIP LOCKED, so two
 * worker processes would fight over the write lock and (worse) the sole-worker start-up would
 * re-queue the other's live leases, sending deliveries twice.
 *
 * The lock is an SQLite file next to the database held in EXCLUSIVE locking mode: the operating
 * system releases it when the process dies, even on SIGKILL, so unlike a pid file it can never go
 * stale (a recycled pid, or pid 1 in every container, would make a pid file lie).
 */
import BetterSqlite3 from 'better-sqlite3';

export class WorkerLockError extends Error {
  override name = 'WorkerLockError';
}

export interface WorkerLock {
  readonly path: string;
  release(): void;
}

/** The lock file for a SQLite database file: `<db>.worker.lock`. */
export const workerLockPath = (databaseFile: string) => `${databaseFile}.worker.lock`;

/**
 * Takes the worker lock for `databaseFile`, or throws WorkerLockError when another process holds
 * it. An in-memory database cannot be shared between processes, so it needs no lock.
 */
export function acquireSqliteWorkerLock(databaseFile: string): WorkerLock {
  if (databaseFile === ':memory:') return { path: databaseFile, release: () => undefined };
  const path = workerLockPath(databaseFile);
  // timeout 0: fail at once instead of waiting for a lock that is held for a process's lifetime.
  const handle = new BetterSqlite3(path, { timeout: 0 });
  try {
    handle.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; EXCLUSIVE mode keeps it until the handle closes.
    handle.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since INTEGER NOT NULL)');
    handle.prepare('DELETE FROM holder').run();
    handle.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
  } catch (error) {
    handle.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new WorkerLockError(
        `Another idhooks delivery worker is already running on ${databaseFile} (it holds ${path}). ` +
          'SQLite allows one delivery worker; stop the other one, start this process with --role api, ' +
          'or use DATABASE_URL=postgres://… to run several workers.',
        { cause: error },
      );
    }
    throw error;
  }
  return {
    path,
    release: () => {
      if (handle.open) handle.close();
    },
  };
}
