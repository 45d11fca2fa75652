import type { Kysely } from 'kysely';

/**
 * Attempt counters (issue 13 items 1, 2 and 5): one row per (scope, key), e.g. the lockout of the
 * username `alice`, the console sign-in failures of one source address. A check reserves its
 * attempt with one conditional UPDATE before the secret is evaluated, so concurrent requests and
 * several nodes cannot all slip under the limit the way a count-then-insert could.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attempt_counters')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('scope', 'varchar(64)', (col) => col.notNull())
    .addColumn('key', 'varchar(512)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('window_started_at', 'bigint', (col) => col.notNull())
    .addColumn('locked_until', 'bigint')
    .addPrimaryKeyConstraint('attempt_counters_pkey', ['tenant_id', 'scope', 'key'])
    .execute();
  await db.schema
    .createIndex('attempt_counters__window_started_at')
    .on('attempt_counters')
    .columns(['window_started_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attempt_counters').execute();
}
