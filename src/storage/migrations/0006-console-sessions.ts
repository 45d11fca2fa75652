import type { Kysely } from 'kysely';

/**
 * Sessions of the admin console (`/console`). The cookie carries a random token and only its
 * SHA-256 digest is stored, so a database reader cannot take over an operator's browser. Each
 * session has its own anti-CSRF token, checked on every form post. Sessions expire at a fixed time
 * (no sliding renewal): a stolen cookie is useful for at most the configured lifetime.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('csrf_token', 'varchar(64)', (col) => col.notNull())
    // The admin application that signed in; no foreign key, the admin application is never deleted.
    .addColumn('client_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('console_sessions__expires_at')
    .on('console_sessions')
    .columns(['expires_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('console_sessions').execute();
}
