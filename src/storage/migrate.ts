import { Migrator, type Kysely } from 'kysely';
import { migrationProvider } from './migrations/index.js';

/**
 * Runs every pending migration. On PostgreSQL Kysely takes a transaction-scoped advisory lock, so
 * several processes may start at once: one migrates, the others wait and then find nothing to do.
 * A database migrated by a newer idhooks (a migration we do not know) is refused rather than
 * guessed at.
 */
export async function migrateToLatest<T>(
  db: Kysely<T>,
  options: {
    /**
     * The PostgreSQL schema the database works in, when not the default. Kysely otherwise accepts
     * its migration tables from *any* schema: with one schema per test file (run in parallel), it
     * saw another file's lock table, skipped creating its own and failed with
     * `relation "idhooks_migrations_lock" does not exist`.
     */
    readonly pgSchema?: string;
  } = {},
): Promise<string[]> {
  const migrator = new Migrator({
    db: db as unknown as Kysely<any>,
    provider: migrationProvider,
    migrationTableName: 'idhooks_migrations',
    migrationLockTableName: 'idhooks_migrations_lock',
    ...(options.pgSchema ? { migrationTableSchema: options.pgSchema } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = /corrupted migrations/i.test(message)
      ? ' The database was migrated by a different (probably newer) idhooks; run that version, or restore a matching backup.'
      : '';
    throw new Error(`Migration failed: ${message}.${hint}`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
