import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The events feed (`GET /api/events`): every event gets a position in commit order.
 *
 * The position is the pair (`feed_txid`, `feed_seq`), both filled by the database itself (a column
 * default on PostgreSQL, a trigger on SQLite), so the event insert of the append path is unchanged.
 *
 * - PostgreSQL: `feed_txid` is the writing transaction's id (xid8, never wraps) and `feed_seq` a
 *   sequence value. Sequence values are handed out before commit, so ordering by them alone would
 *   skip an event whose transaction commits after a later one's. The feed therefore serves only
 *   events whose `feed_txid` is below the reading snapshot's xmin (every transaction below it has
 *   ended, and every future commit has a larger id), ordered by (`feed_txid`, `feed_seq`): that
 *   prefix only ever grows at its end. `feed_seq` orders events inside one transaction; when it was
 *   taken relative to the xid does not matter, since the xid sorts first.
 * - SQLite has one writer: a counter bumped by a trigger inside the writing transaction gives
 *   commit order with no gaps. `feed_txid` stays 0. Not rowid: VACUUM may renumber it, and a
 *   deleted newest row lets its rowid be reused.
 *
 * `event_feed_state.floor_*` is the highest position retention may have deleted: a cursor below it
 * may have missed events and is answered 410.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const isPostgres = isPostgresDb(db);
  await db.schema
    .createTable('event_feed_state')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('floor_txid', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('floor_seq', 'bigint', (col) => col.notNull().defaultTo(0))
    // SQLite's position counter; unused on PostgreSQL (its sequence is `events_feed_seq`).
    .addColumn('last_seq', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.insertInto('event_feed_state').values({ id: 1 }).execute();

  if (isPostgres) {
    await sql`create sequence events_feed_seq`.execute(db);
    await sql`alter table events add column feed_txid xid8, add column feed_seq bigint`.execute(db);
    // Events written before this migration come first, in the order they were created.
    await sql`
      with ordered as (select id, row_number() over (order by created_at, id) as n from events)
      update events set feed_txid = '0'::xid8, feed_seq = ordered.n from ordered where events.id = ordered.id`.execute(
      db,
    );
    await sql`select setval('events_feed_seq', (select coalesce(max(feed_seq), 0) + 1 from events), false)`.execute(
      db,
    );
    await sql`
      alter table events
        alter column feed_txid set default pg_current_xact_id(),
        alter column feed_txid set not null,
        alter column feed_seq set default nextval('events_feed_seq'),
        alter column feed_seq set not null`.execute(db);
  } else {
    await sql`alter table events add column feed_txid integer not null default 0`.execute(db);
    await sql`alter table events add column feed_seq integer`.execute(db);
    await sql`
      update events set feed_seq = (
        select count(*) from events as earlier
        where earlier.created_at < events.created_at
           or (earlier.created_at = events.created_at and earlier.id <= events.id))`.execute(db);
    await sql`update event_feed_state set last_seq = (select coalesce(max(feed_seq), 0) from events)`.execute(
      db,
    );
    await sql`
      create trigger events__feed_seq after insert on events
      begin
        update event_feed_state set last_seq = last_seq + 1 where id = 1;
        update events set feed_seq = (select last_seq from event_feed_state where id = 1)
          where rowid = new.rowid;
      end`.execute(db);
  }
  await db.schema
    .createIndex('events__feed')
    .on('events')
    .columns(['feed_txid', 'feed_seq'])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const isPostgres = isPostgresDb(db);
  await db.schema.dropIndex('events__feed').execute();
  if (isPostgres) {
    await sql`alter table events drop column feed_seq, drop column feed_txid`.execute(db);
    await sql`drop sequence events_feed_seq`.execute(db);
  } else {
    await sql`drop trigger events__feed_seq`.execute(db);
    await db.schema.alterTable('events').dropColumn('feed_seq').execute();
    await db.schema.alterTable('events').dropColumn('feed_txid').execute();
  }
  await db.schema.dropTable('event_feed_state').execute();
}

/** Migrations may not import the dialect capabilities; the adapter tells the dialect apart. */
function isPostgresDb(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
