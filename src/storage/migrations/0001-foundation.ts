import { sql, type Kysely } from 'kysely';

/**
 * Settings, applications and users. JSON values are stored as TEXT on both dialects: we never query
 * inside them, and one representation keeps both dialects byte-identical. Booleans are `boolean`
 * columns, written as 1/0 (SQLite stores the integer, PostgreSQL parses '1'/'0' as true/false).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('value', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('applications')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(21)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(256)', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('type', 'varchar(64)', (col) => col.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('oidc_client_metadata', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('custom_client_metadata', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('is_third_party', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('is_admin', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('id', 'varchar(12)', (col) => col.primaryKey())
    .addColumn('username', 'varchar(128)')
    .addColumn('primary_email', 'varchar(128)')
    .addColumn('primary_phone', 'varchar(128)')
    .addColumn('password_encrypted', 'text')
    .addColumn('password_encryption_method', 'varchar(32)')
    .addColumn('name', 'varchar(128)')
    .addColumn('avatar', 'varchar(2048)')
    .addColumn('custom_data', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('identities', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('profile', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('application_id', 'varchar(21)')
    .addColumn('cimd_client_id', 'varchar(2048)')
    .addColumn('is_suspended', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('last_sign_in_at', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();

  // Uniqueness is enforced by the database so that two concurrent requests cannot both win; the
  // service checks first only to answer with Logto's error codes.
  await db.schema
    .createIndex('users__username')
    .on('users')
    .columns(['tenant_id', 'username'])
    .unique()
    .execute();
  await db.schema
    .createIndex('users__primary_email')
    .on('users')
    .expression(sql`tenant_id, lower(primary_email)`)
    .unique()
    .execute();
  await db.schema
    .createIndex('users__primary_phone')
    .on('users')
    .columns(['tenant_id', 'primary_phone'])
    .unique()
    .execute();
  await db.schema.createIndex('users__created_at').on('users').columns(['tenant_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').execute();
  await db.schema.dropTable('applications').execute();
  await db.schema.dropTable('settings').execute();
}
