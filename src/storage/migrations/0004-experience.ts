import type { Kysely } from 'kysely';

/**
 * The end-user sign-in experience: sign-in sessions, interactions, verification codes and the
 * sentinel's activity log.
 *
 * Cookies carry random tokens; only their SHA-256 digests are stored (`token_hash`), so a database
 * reader cannot take over a browser's session or interaction. The public `experience_sessions.id`
 * is the `sessionId` of webhook payloads and is never a credential.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('experience_sessions')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('user_id', 'varchar(12)')
    .addColumn('signed_in_at', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('experience_sessions__expires_at')
    .on('experience_sessions')
    .columns(['expires_at'])
    .execute();

  // No foreign keys to users or applications: an interaction outlives neither for long (it expires
  // within the hour) and a deleted user or application simply makes its next step fail.
  await db.schema
    .createTable('interactions')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('session_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('application_id', 'varchar(21)')
    .addColumn('interaction_event', 'varchar(32)')
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('interactions__expires_at')
    .on('interactions')
    .columns(['expires_at'])
    .execute();

  // One row per code sent. The per-recipient send limit counts these rows, so they are kept for the
  // limit's window even after their interaction ends.
  await db.schema
    .createTable('verification_codes')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('interaction_id', 'varchar(32)', (col) => col.notNull())
    .addColumn('recipient', 'varchar(256)', (col) => col.notNull())
    .addColumn('interaction_event', 'varchar(32)', (col) => col.notNull())
    .addColumn('code_hash', 'varchar(64)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('verified_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('verification_codes__recipient')
    .on('verification_codes')
    .columns(['tenant_id', 'recipient', 'created_at'])
    .execute();

  await db.schema
    .createTable('sentinel_activities')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('target_type', 'varchar(32)', (col) => col.notNull())
    .addColumn('target_value', 'varchar(256)', (col) => col.notNull())
    .addColumn('action', 'varchar(32)', (col) => col.notNull())
    // 'Success' | 'Failed' | 'Blocked'; a 'Blocked' row is a lock, active until locked_until.
    .addColumn('result', 'varchar(16)', (col) => col.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('sentinel_activities__target')
    .on('sentinel_activities')
    .columns(['tenant_id', 'target_type', 'target_value', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sentinel_activities', 'verification_codes', 'interactions', 'experience_sessions']) {
    await db.schema.dropTable(table).execute();
  }
}
