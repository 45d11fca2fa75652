import type { Kysely } from 'kysely';

/**
 * Who a console session belongs to. A session opened through the hosted sign-in page carries the
 * user's id; a break-glass session (admin client id and secret) leaves it null and is known by its
 * `client_id`. The session goes with its user, so deleting the user signs them out at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('console_sessions')
    .addColumn('user_id', 'varchar(12)', (col) => col.references('users.id').onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('console_sessions').dropColumn('user_id').execute();
}
