import type { Kysely } from 'kysely';

/**
 * What the new-device sign-in rule (`PostSignInFromNewDevice`) remembers, and nothing more: for
 * each user, the devices and networks it signed in from and when it last did.
 *
 * - `kind` is `device` or `network`. A device `value` is the SHA-256 (hex) of the random id in the
 *   browser's device cookie, never the id itself, so a database reader cannot replay a cookie. A
 *   network `value` is the IPv4 /24 or IPv6 /48 prefix (`203.0.113.0/24`), never the full address.
 * - Rows are pruned 90 days after `last_seen_at` (the rule looks back 90 days), and go with their
 *   user by cascade.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_sightings')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('user_id', 'varchar(12)', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(16)', (col) => col.notNull())
    .addColumn('value', 'varchar(64)', (col) => col.notNull())
    .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('sign_in_sightings_pkey', ['user_id', 'kind', 'value'])
    .execute();
  await db.schema
    .createIndex('sign_in_sightings__last_seen_at')
    .on('sign_in_sightings')
    .columns(['last_seen_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sign_in_sightings').execute();
}
