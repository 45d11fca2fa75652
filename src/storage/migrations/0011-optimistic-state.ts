import type { Kysely } from 'kysely';

/**
 * `interactions.version` turns saving an interaction's state into a compare-and-set, so two
 * parallel steps of one interaction cannot overwrite each other's verification (issue 13 item 10).
 * `console_sessions.secret_stamp` ties a console session to the admin secret that opened it: when
 * the secret changes, the session no longer matches and ends (item 4). Existing sessions get an
 * empty stamp, which matches no secret, so they end once at the upgrade.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('interactions')
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('console_sessions')
    .addColumn('secret_stamp', 'varchar(64)', (col) => col.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('console_sessions').dropColumn('secret_stamp').execute();
  await db.schema.alterTable('interactions').dropColumn('version').execute();
}
