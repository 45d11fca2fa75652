import { sql, type Kysely } from 'kysely';

/**
 * Per-key ordering (hooks with `config.ordering: "perKey"`, docs/architecture.md#per-key-ordering).
 *
 * - `ordering_key`: the entity the event is about (`user:…`, src/domain/ordering-keys.ts), set only
 *   on deliveries inserted for a perKey hook; null means unordered.
 * - `ordering_seq`: the delivery's place among the open deliveries of its hook and key, taken
 *   under a per-key lock when the row is inserted or reopened, so it follows commit order.
 *
 * The partial index holds open keyed deliveries only: the claim's "is there an earlier open
 * delivery of this hook and key?" and the insert's "what is the last place of this key?" are
 * one index probe each, whatever the size of the history. Its predicate is written with literals
 * because SQLite uses a partial index only for queries that repeat its terms.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('ordering_key', 'varchar(160)').execute();
  await db.schema.alterTable('deliveries').addColumn('ordering_seq', 'bigint').execute();
  await sql`
    create index deliveries__ordering on deliveries (hook_id, ordering_key, ordering_seq)
    where ordering_key is not null and status in ('pending', 'sending')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries__ordering').execute();
  await db.schema.alterTable('deliveries').dropColumn('ordering_seq').execute();
  await db.schema.alterTable('deliveries').dropColumn('ordering_key').execute();
}
