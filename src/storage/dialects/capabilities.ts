/**
 * What a database can do, as flags. Code branches on these, never on a dialect's name, so a third
 * dialect means one new file here and in `dialects/`.
 */
export interface Capabilities {
  /** Name for logs, snapshots and error messages only. */
  readonly name: 'sqlite' | 'postgres';
  /** `SELECT … FOR UPDATE SKIP LOCKED`, so several workers can claim from one queue. */
  readonly skipLocked: boolean;
  /** Session advisory locks (migrations from several processes at once). */
  readonly advisoryLocks: boolean;
  /** `LISTEN/NOTIFY`, so nodes wake each other after a commit. */
  readonly listenNotify: boolean;
  /** Only one process may write; a second delivery worker must be refused. */
  readonly singleWriter: boolean;
  /** Whether a unique-violation error comes with a constraint name we can map to a field. */
  readonly reportsConstraintName: boolean;
  /** `SET LOCAL synchronous_commit = off`: a transaction may commit without waiting for its flush. */
  readonly asyncCommit: boolean;
}

export const SQLITE_CAPABILITIES: Capabilities = Object.freeze({
  name: 'sqlite',
  skipLocked: false,
  advisoryLocks: false,
  listenNotify: false,
  singleWriter: true,
  reportsConstraintName: false,
  asyncCommit: false,
});

export const POSTGRES_CAPABILITIES: Capabilities = Object.freeze({
  name: 'postgres',
  skipLocked: true,
  advisoryLocks: true,
  listenNotify: true,
  singleWriter: false,
  reportsConstraintName: true,
  asyncCommit: true,
});
