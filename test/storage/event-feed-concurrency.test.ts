import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createDatabase } from '../../src/storage/db.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { createContainer, type Container } from '../../src/container.js';
import type { Executor } from '../../src/storage/db.js';
import type { FeedEvent } from '../../src/services/event-feed.js';
import { samplePayload } from '../helpers/builders.js';
import {
  createTestDatabase,
  describeEachDialect,
  describePostgres,
  type Dialect,
  type TestDatabase,
} from '../helpers/test-db.js';

/**
 * The events feed's guarantee: a consumer that follows the cursor sees every committed event exactly
 * once, in commit order. On PostgreSQL, several "nodes" (containers with their own pools on one
 * schema) write concurrently, holding transactions open in different orders, rolling some back;
 * on both dialects the consumer is restarted (a new container) mid-way and resumes from its cursor.
 */

function nodeOf(database: TestDatabase): Container {
  const config = loadConfig({ DATABASE_URL: database.url, IDHOOKS_LOG_LEVEL: 'silent' });
  return createContainer(config, { pgSchema: database.pgSchema });
}

async function append(container: Container, tx: Executor, n: number) {
  const { eventId } = await container.repos.events.appendEvent(
    tx,
    { type: 'User.Created', payload: samplePayload(n) },
    container.clock.now(),
  );
  return eventId;
}

/** A transaction held open until `release()`; `appended` resolves with its events once written. */
function openTransaction(container: Container, before?: (tx: Executor) => Promise<void>) {
  let release!: (commit: boolean) => void;
  const gate = new Promise<boolean>((resolve) => (release = resolve));
  let appended!: (ids: string[]) => void;
  const written = new Promise<string[]>((resolve) => (appended = resolve));
  const done = container.database.db
    .transaction()
    .execute(async (tx) => {
      await before?.(tx);
      appended([await append(container, tx, 1)]);
      if (!(await gate)) throw new Error('rollback');
    })
    .catch((error: unknown) => {
      if ((error as Error).message !== 'rollback') throw error;
    });
  return { written, release: async (commit = true) => (release(commit), done) };
}

/** Follows the feed from `cursor` until it has `atLeast` events (or the deadline passes). */
async function follow(container: Container, cursor: string | undefined, atLeast: number, limit = 7) {
  const events: FeedEvent[] = [];
  const deadline = Date.now() + 60_000;
  let after = cursor;
  while (Date.now() < deadline) {
    const page = await container.services.eventFeed.readEvents({ after, limit, events: undefined });
    events.push(...page.events);
    after = page.cursor;
    if (events.length >= atLeast) return { events, cursor: after };
    if (!page.hasMore) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { events, cursor: after };
}

async function committedIds(container: Container): Promise<string[]> {
  const rows = await sql<{ id: string }>`select id from events order by feed_txid, feed_seq`.execute(
    container.database.db,
  );
  return rows.rows.map((row) => row.id);
}

describePostgres('events feed with transactions committing out of sequence order', () => {
  let database: TestDatabase;
  let nodes: Container[];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    nodes = [nodeOf(database), nodeOf(database), nodeOf(database)];
    await nodes[0]?.init();
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await database.drop();
  });

  it('holds back a later commit until an earlier-started transaction ends, then serves both once', async () => {
    const [a, b, reader] = nodes as [Container, Container, Container];
    const { cursor: start } = await reader.services.eventFeed.readEvents({
      after: 'latest',
      limit: 1,
      events: undefined,
    });
    // A takes its xid and sequence value first; B starts later and commits first.
    const first = openTransaction(a);
    const [eventA] = await first.written;
    const second = openTransaction(b);
    const [eventB] = await second.written;
    await second.release();

    // B is committed, but A (older) is still open: serving B now would move the cursor past A.
    const early = await reader.services.eventFeed.readEvents({ after: start, limit: 10, events: undefined });
    expect(early.events.map((e) => e.id)).not.toContain(eventB);
    expect(early.cursor).toBe(start);

    await first.release();
    const seen = await follow(reader, early.cursor, 2);
    expect(seen.events.map((e) => e.id)).toEqual([eventA, eventB]);
  });

  it('orders by transaction id even when the sequence value was taken in the other order', async () => {
    const [a, b, reader] = nodes as [Container, Container, Container];
    const { cursor: start } = await reader.services.eventFeed.readEvents({
      after: 'latest',
      limit: 1,
      events: undefined,
    });
    // B gets its xid first (an earlier write) but appends its event after A appended its own.
    let hasXid!: () => void;
    const xidTaken = new Promise<void>((resolve) => (hasXid = resolve));
    let proceed!: () => void;
    const mayAppend = new Promise<void>((resolve) => (proceed = resolve));
    const second = openTransaction(b, async (tx) => {
      await sql`select pg_current_xact_id()`.execute(tx);
      hasXid();
      await mayAppend;
    });
    await xidTaken;
    const first = openTransaction(a);
    const [eventA] = await first.written;
    proceed();
    const [eventB] = await second.written;
    await first.release();
    const early = await reader.services.eventFeed.readEvents({ after: start, limit: 10, events: undefined });
    expect(early.events).toEqual([]);
    await second.release();
    const seen = await follow(reader, start, 2);
    expect(seen.events.map((e) => e.id)).toEqual([eventB, eventA]);
  });

  it('gives a consumer every committed event exactly once with three nodes writing concurrently', async () => {
    const reader = nodes[2] as Container;
    const { cursor: start } = await reader.services.eventFeed.readEvents({
      after: 'latest',
      limit: 1,
      events: undefined,
    });
    /** Commit order, as the writers observed it: [startedAt, committedAt, eventIds] by a shared counter. */
    let tick = 0;
    const transactions: { started: number; committed: number; ids: string[] }[] = [];
    let isWriting = true;
    const writer = async (node: Container, seed: number) => {
      for (let i = 0; i < 30; i++) {
        const ids: string[] = [];
        const started = ++tick;
        const rollback = (seed + i) % 9 === 0;
        try {
          await node.database.db.transaction().execute(async (tx) => {
            for (let k = 0; k <= (seed + i) % 3; k++) {
              ids.push(await append(node, tx, i));
              await new Promise((resolve) => setTimeout(resolve, (seed * 7 + i * 13 + k) % 11));
            }
            if (rollback) throw new Error('rollback');
          });
          transactions.push({ started, committed: ++tick, ids });
        } catch (error) {
          if ((error as Error).message !== 'rollback') throw error;
        }
      }
    };
    // The consumer reads small pages while the writers run, then drains.
    const consumer = (async () => {
      const seen: FeedEvent[] = [];
      let cursor = start;
      while (isWriting) {
        const page = await reader.services.eventFeed.readEvents({
          after: cursor,
          limit: 5,
          events: undefined,
        });
        seen.push(...page.events);
        cursor = page.cursor;
        if (!page.hasMore) await new Promise((resolve) => setTimeout(resolve, 3));
      }
      return { seen, cursor };
    })();
    await Promise.all(nodes.map((node, index) => writer(node, index + 1)));
    isWriting = false;
    const during = await consumer;
    const expected = transactions.flatMap((t) => t.ids);
    const rest = await follow(reader, during.cursor, expected.length - during.seen.length);
    const seen = [...during.seen, ...rest.events].map((e) => e.id);

    expect(new Set(seen).size, 'no duplicates').toBe(seen.length);
    expect([...seen].sort(), 'every committed event, nothing rolled back').toEqual([...expected].sort());
    const all = await committedIds(reader);
    expect(seen).toEqual(all.slice(all.length - seen.length));
    // Commit order: a transaction that committed before another started comes first in the feed.
    const position = new Map(seen.map((id, index) => [id, index]));
    for (const earlier of transactions) {
      for (const later of transactions) {
        if (earlier.committed >= later.started) continue;
        const last = Math.max(...earlier.ids.map((id) => position.get(id) ?? -1));
        const first = Math.min(...later.ids.map((id) => position.get(id) ?? Infinity));
        expect(last).toBeLessThan(first);
      }
    }
  }, 120_000);
});

describeEachDialect('events feed across a restart', (dialect: Dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => database.drop());

  it('a consumer resumes from its cursor on a restarted server and sees each event once', async () => {
    const first = nodeOf(database);
    await first.init();
    const write = async (node: Container, count: number) =>
      node.database.db.transaction().execute(async (tx) => {
        const ids: string[] = [];
        for (let i = 0; i < count; i++) ids.push(await append(node, tx, i));
        return ids;
      });
    const before = await write(first, 5);
    const part = await follow(first, undefined, 3, 3);
    await first.close();

    const second = nodeOf(database);
    await second.init();
    try {
      const after = await write(second, 4);
      const rest = await follow(second, part.cursor, before.length + after.length - part.events.length, 2);
      const seen = [...part.events, ...rest.events].map((e) => e.id);
      expect(seen).toEqual([...before, ...after]);
    } finally {
      await second.close();
    }
  });
});

describeEachDialect('events feed on a database that had events before migration 0014', (dialect: Dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => database.drop());

  it('serves the older events first, in the order they were created, then new ones', async () => {
    const handle = createDatabase({
      url: database.url,
      sqliteSynchronous: 'NORMAL',
      pgSchema: database.pgSchema,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema before 0014, as migrations see it
    const db = handle.db.withoutPlugins() as unknown as Kysely<any>;
    const migrator = new Migrator({
      db,
      provider: migrationProvider,
      migrationTableName: 'idhooks_migrations',
      migrationLockTableName: 'idhooks_migrations_lock',
      ...(database.pgSchema ? { migrationTableSchema: database.pgSchema } : {}),
    });
    const { error } = await migrator.migrateTo('0006-console-sessions');
    expect(error).toBeUndefined();
    // Ids in the opposite order of creation: the backfill must follow created_at.
    for (const [id, createdAt] of [
      ['evt_c', 1000],
      ['evt_b', 2000],
      ['evt_a', 3000],
    ] as const) {
      await db
        .insertInto('events')
        .values({
          id,
          type: 'User.Created',
          payload: JSON.stringify(samplePayload(createdAt)),
          created_at: createdAt,
        })
        .execute();
    }
    await handle.destroy();

    const node = nodeOf(database);
    await node.init();
    try {
      const appended = await node.database.db.transaction().execute((tx) => append(node, tx, 9));
      const seen = await follow(node, undefined, 4);
      expect(seen.events.map((e) => e.id)).toEqual(['evt_c', 'evt_b', 'evt_a', appended]);
    } finally {
      await node.close();
    }
  });
});
