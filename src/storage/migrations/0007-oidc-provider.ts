import type { Kysely } from 'kysely';

/**
 * Storage of the OpenID Provider (`/oidc`). `oidc_model_instances` holds every short- and long-lived
 * object the provider keeps (sessions, interactions, grants, authorization codes, refresh tokens,
 * opaque access tokens), one row per object, its payload as JSON text. The columns next to the
 * payload exist for the provider's lookups (uid, grant) and for our own revocation (account and
 * client) and pruning (expiry), so none of them needs a JSON query that only one dialect has.
 *
 * `oidc_signing_keys` holds the provider's asymmetric signing keys. `generation` is the primary key
 * so that nodes starting together on an empty database insert generation 1 once, and a rotation is
 * the insert of the next generation.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_model_instances')
    .addColumn('tenant_id', 'varchar(21)', (col) => col.notNull().defaultTo('default'))
    .addColumn('model_name', 'varchar(64)', (col) => col.notNull())
    .addColumn('id', 'varchar(255)', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('grant_id', 'varchar(255)')
    .addColumn('uid', 'varchar(255)')
    .addColumn('account_id', 'varchar(128)')
    .addColumn('client_id', 'varchar(128)')
    .addPrimaryKeyConstraint('oidc_model_instances__pkey', ['model_name', 'id'])
    .execute();
  for (const column of ['grant_id', 'uid', 'account_id', 'client_id', 'expires_at']) {
    await db.schema
      .createIndex(`oidc_model_instances__${column}`)
      .on('oidc_model_instances')
      .columns([column])
      .execute();
  }
  await db.schema
    .createTable('oidc_signing_keys')
    .addColumn('generation', 'integer', (col) => col.primaryKey())
    .addColumn('kid', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('private_jwk', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oidc_signing_keys').execute();
  await db.schema.dropTable('oidc_model_instances').execute();
}
