import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import type { FeedPosition } from '../../domain/event-feed.js';
import type { EventType } from '../../domain/events.js';

/** One committed event as the feed serves it; `payload` is the stored JSON text (no `hookId`). */
export interface FeedEventRow {
  readonly id: string;
  readonly type: string;
  readonly payload: string;
  readonly createdAt: number;
  readonly position: FeedPosition;
}

export interface FeedPage {
  readonly events: FeedEventRow[];
  /** The last settled event (any type), or undefined when there is none. */
  readonly head: FeedPosition | undefined;
  /** Retention may have deleted events at or below this position. */
  readonly floor: FeedPosition;
  /**
   * Every position this server has issued is below this bound (PostgreSQL: the snapshot's xmin
   * against `txid`; SQLite: the counter against `seq`). A cursor at or past it was not issued here.
   */
  readonly isIssuable: (position: FeedPosition) => boolean;
}

interface Row {
  kind: 'event' | 'meta';
  id: string | null;
  type: string | null;
  payload: string | null;
  createdAt: number | string | null;
  txid: string | null;
  seq: string | null;
  bound: string | null;
  floorTxid: string | null;
  floorSeq: string | null;
}

/**
 * The events feed's reads (migration 0014 explains the positions). Each read is one statement, so
 * the page, the head it may advance to and the retention floor come from one snapshot: a cursor
 * can never move past an event that a later read would show.
 */
export function createEventFeedRepo(db: Db, capabilities: Capabilities) {
  // A bound parameter of the position columns' type: xid8/bigint on PostgreSQL, integers on SQLite
  // (where a text parameter would compare greater than every integer).
  const position = (p: FeedPosition): RawBuilder<unknown> =>
    capabilities.singleWriter
      ? sql`(${p.txid}, ${p.seq})`
      : sql`(cast(${p.txid.toString()} as xid8), cast(${p.seq.toString()} as bigint))`;
  // Only PostgreSQL commits out of sequence order: there the feed stops below the oldest
  // transaction still running, anywhere in the cluster.
  const settled = capabilities.singleWriter
    ? sql``
    : sql`and feed_txid < pg_snapshot_xmin(pg_current_snapshot())`;
  const asText = (column: string) =>
    capabilities.singleWriter ? sql.raw(`cast(${column} as text)`) : sql.raw(`${column}::text`);

  return {
    /**
     * Up to `limit` settled events after `after`, in feed order, restricted to `types` when given,
     * with the head and the floor read in the same snapshot.
     */
    async listEventsAfter(
      after: FeedPosition,
      limit: number,
      types: readonly EventType[] | undefined,
    ): Promise<FeedPage> {
      const typeFilter =
        types === undefined
          ? sql``
          : types.length === 0
            ? sql`and 1 = 0`
            : sql`and type in (${sql.join(types.map((type) => sql`${type}`))})`;
      const bound = capabilities.singleWriter
        ? sql`(select ${asText('last_seq')} from event_feed_state where id = 1)`
        : sql`(select pg_snapshot_xmin(pg_current_snapshot())::text)`;
      // Events at or below the floor may still exist (kept for an open delivery) but are not served.
      const floor = capabilities.singleWriter
        ? sql`(select floor_txid, floor_seq from event_feed_state where id = 1)`
        : sql`(select cast(floor_txid::text as xid8), floor_seq from event_feed_state where id = 1)`;
      const { rows } = await sql<Row>`
        with page as (
          select id, type, payload, created_at, feed_txid, feed_seq from events
          where (feed_txid, feed_seq) > ${position(after)} and (feed_txid, feed_seq) > ${floor}
            ${settled} ${typeFilter}
          order by feed_txid, feed_seq
          limit ${limit}
        ),
        head as (
          select feed_txid, feed_seq from events where 1 = 1 ${settled}
          order by feed_txid desc, feed_seq desc
          limit 1
        )
        select 'event' as kind, id, type, payload, created_at, ${asText('feed_txid')} as txid,
          ${asText('feed_seq')} as seq, null as bound, null as floor_txid, null as floor_seq
        from page
        union all
        select 'meta', null, null, null, null, (select ${asText('feed_txid')} from head),
          (select ${asText('feed_seq')} from head), ${bound}, ${asText('floor_txid')}, ${asText('floor_seq')}
        from event_feed_state where id = 1`.execute(db);
      return toPage(rows, capabilities.singleWriter);
    },

    /** The cursor of the newest settled event (what streams poll for), or undefined. */
    async readHead(): Promise<string | undefined> {
      const { rows } = await sql<{ head: string }>`
        select ${asText('feed_txid')} || '-' || ${asText('feed_seq')} as head from events
        where 1 = 1 ${settled}
        order by feed_txid desc, feed_seq desc
        limit 1`.execute(db);
      return rows[0]?.head;
    },

    /**
     * Raises the retention floor to the last settled event created before `olderThan`. Call it
     * before deleting those events: a reader then either sees the new floor or still sees the
     * events, never neither.
     */
    async advanceFloor(olderThan: number): Promise<void> {
      if (capabilities.singleWriter) {
        await sql`
          update event_feed_state set floor_seq = old.seq
          from (select max(feed_seq) as seq from events where created_at < ${olderThan}) as old
          where id = 1 and old.seq > floor_seq`.execute(db);
        return;
      }
      await sql`
        update event_feed_state
        set floor_txid = cast(old.feed_txid::text as bigint), floor_seq = old.feed_seq
        from (
          select feed_txid, feed_seq from events
          where created_at < ${olderThan} ${settled}
          order by feed_txid desc, feed_seq desc
          limit 1
        ) as old
        where id = 1 and (cast(old.feed_txid::text as bigint), old.feed_seq) > (floor_txid, floor_seq)`.execute(
        db,
      );
    },
  };
}

function toPage(rows: readonly Row[], isSingleWriter: boolean): FeedPage {
  const meta = rows.find((row) => row.kind === 'meta');
  if (!meta) throw new Error('event_feed_state has no row; run the migrations (idhooks migrate)');
  const at = (txid: string | null, seq: string | null): FeedPosition | undefined =>
    txid === null || seq === null ? undefined : { txid: BigInt(txid), seq: BigInt(seq) };
  const events = rows
    .filter((row) => row.kind === 'event')
    .map((row) => ({
      id: row.id ?? '',
      type: row.type ?? '',
      payload: row.payload ?? '',
      createdAt: Number(row.createdAt),
      position: at(row.txid, row.seq) ?? { txid: 0n, seq: 0n },
    }))
    // A UNION ALL keeps no order of its own.
    .sort((a, b) =>
      a.position.txid !== b.position.txid
        ? a.position.txid < b.position.txid
          ? -1
          : 1
        : a.position.seq < b.position.seq
          ? -1
          : 1,
    );
  const bound = BigInt(meta.bound ?? '0');
  return {
    events,
    head: at(meta.txid, meta.seq),
    floor: at(meta.floorTxid, meta.floorSeq) ?? { txid: 0n, seq: 0n },
    isIssuable: isSingleWriter ? (p) => p.txid === 0n && p.seq <= bound : (p) => p.txid < bound,
  };
}

export type EventFeedRepo = ReturnType<typeof createEventFeedRepo>;
