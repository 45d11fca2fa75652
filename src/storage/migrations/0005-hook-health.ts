import type { Kysely } from 'kysely';

/**
 * Endpoint health and manual replays (issue 5).
 *
 * `hooks.failing_since` / `last_failure_at` bound the hook's current run of failed attempts (both
 * null after any success), so auto-disable is an indexed comparison instead of a scan of the
 * attempt history. `deliveries.retry_base` is the attempt count when the delivery was last resent
 * or recovered: the retry schedule counts attempts from there, so a replay gets the full schedule.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hooks').addColumn('failing_since', 'bigint').execute();
  await db.schema.alterTable('hooks').addColumn('last_failure_at', 'bigint').execute();
  await db.schema
    .alterTable('deliveries')
    .addColumn('retry_base', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // Recover finds a hook's failed deliveries through `deliveries__hook` (hook_id, created_at); no
  // new index, since every index on deliveries slows the queue's inserts.
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').dropColumn('retry_base').execute();
  await db.schema.alterTable('hooks').dropColumn('last_failure_at').execute();
  await db.schema.alterTable('hooks').dropColumn('failing_since').execute();
}
