import type { Kysely } from 'kysely';

/**
 * `tokens_revoked_at` (epoch ms): access tokens an application obtained before this moment are no
 * longer accepted. Set when its secret changes or an operator revokes its tokens. Needed because
 * Management API tokens are JWTs checked without a database row per token; one column per
 * application is what a check on every call can afford.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('tokens_revoked_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('tokens_revoked_at').execute();
}
