import type { Kysely } from 'kysely';

/**
 * Blocking hooks (issue 15): each call is recorded as a one-attempt delivery, and its attempt says
 * what was decided: `allow`, `deny`, or what the failure policy made of a failed call (`skipped`,
 * `unavailable`). Null on every ordinary delivery attempt.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('delivery_attempts').addColumn('decision', 'varchar(16)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('delivery_attempts').dropColumn('decision').execute();
}
