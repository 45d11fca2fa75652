import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { eventsRoutes, type FeedPageResponse } from '../../src/http/routes/events.js';
import { createRouter } from '../../src/http/openapi.js';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { expectRejected, expectStatus, expectUnchanged } from '../helpers/api.js';
import { appendEvents, insertHook } from '../helpers/builders.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * `GET /api/events` and `GET /api/events/stream` on both dialects: order, cursors, filters,
 * payloads as delivered, retention's 410, live streaming with Last-Event-ID and heartbeats, and a
 * 400 with nothing changed for every bad query parameter. Concurrent writers on PostgreSQL are in
 * test/storage/event-feed-concurrency.test.ts.
 */

type FeedEvent = FeedPageResponse['events'][number];

async function readFeed(env: TestEnv, query = ''): Promise<FeedPageResponse> {
  return expectStatus<FeedPageResponse>(await env.api('GET', `/api/events${query}`), 200);
}

/**
 * Follows the cursor until at least `atLeast` events have come and a page comes back empty. On
 * PostgreSQL an event is served once every older transaction of the whole server has ended, so a
 * transaction another test holds open delays (never hides) it: hence waiting for a count.
 */
async function drain(
  env: TestEnv,
  after: string | undefined,
  atLeast: number,
  extra = '',
): Promise<{ events: FeedEvent[]; cursor: string }> {
  const events: FeedEvent[] = [];
  let cursor = after;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const query = new URLSearchParams(extra);
    if (cursor !== undefined) query.set('after', cursor);
    const page = await readFeed(env, `?${query.toString()}`);
    events.push(...page.events);
    cursor = page.cursor;
    if (!page.hasMore && page.events.length === 0) {
      if (events.length >= atLeast) return { events, cursor };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`the feed gave ${events.length} events, expected at least ${atLeast}`);
}

async function createUser(env: TestEnv, username: string) {
  await expectStatus(await env.api('POST', '/api/users', { username }), 200);
}

/** Reads server-sent events from a streaming response body. */
function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    /** The next `count` messages (blocks separated by a blank line), comments included. */
    async next(count: number, timeoutMs = 10_000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs;
      const blocks: string[] = [];
      while (blocks.length < count) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          blocks.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          continue;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`only ${blocks.length} of ${count} SSE blocks arrived`);
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('SSE read timed out')), remaining),
          ),
        ]);
        if (chunk.done) throw new Error('the stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      return blocks;
    },
    async cancel() {
      await reader.cancel();
    },
  };
}

/** The feed event of a message block; undefined for comments and `event: cursor` messages. */
const dataOf = (block: string) => {
  if (block.split('\n').some((l) => l.startsWith('event: '))) return undefined;
  const line = block.split('\n').find((l) => l.startsWith('data: '));
  return line ? (JSON.parse(line.slice(6)) as FeedEvent) : undefined;
};
const idOf = (block: string) =>
  block
    .split('\n')
    .find((l) => l.startsWith('id: '))
    ?.slice(4);

describeEachDialect('events feed', (dialect) => {
  let env: TestEnv;
  let receiver: Receiver;
  const clock = createManualClock(Date.parse('2026-06-01T00:00:00.000Z'));
  beforeAll(async () => {
    receiver = await startReceiver();
    env = await createTestEnv(dialect, {
      clock,
      env: {
        IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
        IDHOOKS_FEED_HEARTBEAT_SECONDS: '1',
        IDHOOKS_FEED_POLL_MS: '50',
      },
    });
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });

  it('serves committed events in order, with payloads as delivered and a cursor to continue from', async () => {
    const start = await readFeed(env, '?after=latest');
    expect(start.events).toEqual([]);
    const hook = await insertHook(env.container.database.db, {
      url: `${receiver.url}/feed`,
      events: ['User.Created'],
    });
    await env.container.delivery.engine.start();
    try {
      for (const name of ['feed_a', 'feed_b', 'feed_c']) await createUser(env, name);
      const delivered = await receiver.waitFor(3);
      const { events, cursor } = await drain(env, start.cursor, 3);
      expect(events.map((e) => e.event)).toEqual(['User.Created', 'User.Created', 'User.Created']);
      expect(events.map((e) => (e.payload.data as { username: string }).username)).toEqual([
        'feed_a',
        'feed_b',
        'feed_c',
      ]);
      // The body each hook got is the feed's payload with `hookId` appended, byte for byte.
      for (const event of events) {
        const body = delivered.find((r) =>
          r.body.includes(`"username":"${(event.payload.data as { username: string }).username}"`),
        );
        expect(body?.body).toBe(`${JSON.stringify(event.payload).slice(0, -1)},"hookId":"${hook.id}"}`);
        expect(event.id).toMatch(/^evt_/);
        expect(event.createdAt).toBe(clock.now());
      }
      expect(new Set(events.map((e) => e.sequence)).size).toBe(3);
      expect(events.at(-1)?.cursor).toBe(cursor);
      // Nothing new: the same cursor comes back with no events.
      expect(await readFeed(env, `?after=${cursor}`)).toEqual({ events: [], cursor, hasMore: false });
    } finally {
      await env.container.delivery.engine.stop();
    }
  });

  it('pages with limit, and a filter keeps only matching events while the cursor moves past the rest', async () => {
    const { cursor: before } = await readFeed(env, '?after=latest');
    await createUser(env, 'page_1');
    await appendEvents(env.container, 2, 'Role.Created');
    await createUser(env, 'page_2');
    await appendEvents(env.container, 1, 'PostSignIn');

    const all = await drain(env, before, 5);
    const first = await readFeed(env, `?after=${before}&limit=2`);
    expect(first.events.map((e) => e.event)).toEqual(['User.Created', 'Role.Created']);
    expect(first.hasMore).toBe(true);
    expect(first.cursor).toBe(first.events[1]?.cursor);
    expect(all.events.map((e) => e.event)).toEqual([
      'User.Created',
      'Role.Created',
      'Role.Created',
      'User.Created',
      'PostSignIn',
    ]);

    const filtered = await drain(env, before, 3, 'events=User.*,PostSignIn');
    expect(filtered.events.map((e) => e.event)).toEqual(['User.Created', 'User.Created', 'PostSignIn']);
    expect(filtered.cursor).toBe(all.cursor);
    const roles = await readFeed(env, `?after=${before}&events=${encodeURIComponent('Role.*')}`);
    expect(roles.events.map((e) => e.event)).toEqual(['Role.Created', 'Role.Created']);
    // Past the last event of any kind, though the last match was earlier.
    expect(roles.cursor).toBe(all.cursor);
    // Without `after`, from the oldest event kept.
    const everything = await drain(env, undefined, 5);
    expect(everything.events.slice(-5).map((e) => e.id)).toEqual(all.events.map((e) => e.id));
  });

  it('answers 410 with the oldest cursor once retention has removed events after the cursor', async () => {
    const { cursor: before } = await readFeed(env, '?after=latest');
    await appendEvents(env.container, 3, 'Role.Created');
    const old = await drain(env, before, 3);
    // Retention as the hourly job runs it, with everything up to now past the retention period.
    const pruned = await env.container.repos.deliveries.pruneHistory(clock.now() + 1);
    expect(pruned.events).toBeGreaterThan(0);
    await appendEvents(env.container, 1, 'Role.Deleted');

    const gone = await expectRejected(
      await env.api('GET', `/api/events?after=${before}`),
      410,
      'feed.cursor_expired',
    );
    const oldestCursor = (gone.data as { oldestCursor: string }).oldestCursor;
    expect(oldestCursor).toMatch(/^\d+-\d+$/);
    // The floor is the last pruned event; from it, only what came after.
    const rest = await drain(env, oldestCursor, 1);
    expect(rest.events.map((e) => e.event)).toEqual(['Role.Deleted']);
    expect((await drain(env, undefined, 1)).events.map((e) => e.event)).toEqual(['Role.Deleted']);
    // A cursor at the floor is still good; one below it is not.
    expect(old.cursor).toBe(oldestCursor);
    const stream = await env.api('GET', `/api/events/stream?after=${before}`);
    await expectRejected(stream, 410, 'feed.cursor_expired');
  });

  it('streams live events as server-sent events, resumes after Last-Event-ID and sends heartbeats', async () => {
    const { cursor } = await readFeed(env, '?after=latest');
    const response = await env.api('GET', `/api/events/stream?after=${cursor}&events=User.*`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const sse = sseReader(response);
    try {
      expect(await sse.next(1)).toEqual([`retry: 2000`]);
      await appendEvents(env.container, 1, 'Role.Created');
      await createUser(env, 'live_1');
      await createUser(env, 'live_2');
      const blocks: string[] = [];
      while (blocks.filter((b) => dataOf(b)).length < 2) blocks.push(...(await sse.next(1)));
      const events = blocks.map(dataOf).filter((e) => e !== undefined);
      expect(events.map((e) => (e.payload.data as { username: string }).username)).toEqual([
        'live_1',
        'live_2',
      ]);
      for (const block of blocks.filter((b) => dataOf(b))) expect(idOf(block)).toBe(dataOf(block)?.cursor);
      // Idle: a comment line at least every heartbeat (1 s here).
      const idle: string[] = [];
      while (!idle.includes(': heartbeat') && idle.length < 5) idle.push(...(await sse.next(1, 5000)));
      expect(idle).toContain(': heartbeat');
      const firstId = idOf(blocks.find((b) => dataOf(b)) ?? '');

      // A reconnect with Last-Event-ID (taking precedence over `after`) resumes after that event.
      const resumed = await env.api('GET', `/api/events/stream?after=${cursor}&events=User.*`, undefined, {
        'last-event-id': firstId ?? '',
      });
      const again = sseReader(resumed);
      const next = (await again.next(3)).map(dataOf).filter((e) => e !== undefined);
      expect(next.map((e) => (e.payload.data as { username: string }).username)).toEqual(['live_2']);
      await again.cancel();
    } finally {
      await sse.cancel();
    }
  });

  it('holds at most a few messages for a reader that stops reading, then disconnects it', async () => {
    // The routes as app.ts mounts them, with a short write timeout instead of 30 s.
    const app = createRouter().route(
      '/api',
      eventsRoutes(env.container.services.eventFeed, env.container.feedSignal, {
        heartbeatMs: 60_000,
        writeTimeoutMs: 300,
      }),
    );
    const { cursor } = await readFeed(env, '?after=latest');
    await appendEvents(env.container, 250, 'Role.Created');
    await drain(env, cursor, 250);
    const response = await app.request(`/api/events/stream?after=${cursor}`);
    expect(response.status).toBe(200);
    // Nothing is read for well past the write timeout: the stream must give up on this reader.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const reader = response.body!.getReader();
    let text = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    // The stream ended on its own, having held back everything but a few messages.
    const delivered = text.split('\n\n').filter((block) => dataOf(block) !== undefined);
    expect(delivered.length).toBeLessThan(10);

    // A reader that keeps reading gets all of them from the same cursor.
    const prompt = sseReader(await app.request(`/api/events/stream?after=${cursor}`));
    let count = 0;
    while (count < 250) count += (await prompt.next(1)).filter((block) => dataOf(block) !== undefined).length;
    await prompt.cancel();
    expect(count).toBe(250);
  });

  it("wakes a stream for another process's commits within the poll interval, not at a heartbeat", async () => {
    const app = createRouter().route(
      '/api',
      eventsRoutes(env.container.services.eventFeed, env.container.feedSignal, { heartbeatMs: 600_000 }),
    );
    const { cursor } = await readFeed(env, '?after=latest');
    const sse = sseReader(await app.request(`/api/events/stream?after=${cursor}&events=Role.Deleted`));
    // Another process on the same database: its commits never reach this process's notify().
    const other = createContainer(
      loadConfig({ DATABASE_URL: env.database.url, IDHOOKS_LOG_LEVEL: 'silent' }),
      { pgSchema: env.database.pgSchema },
    );
    try {
      await sse.next(1); // retry
      const [eventId] = await appendEvents(other, 1, 'Role.Deleted');
      const blocks: string[] = [];
      while (!blocks.some((b) => dataOf(b)?.id === eventId)) blocks.push(...(await sse.next(1, 10_000)));
    } finally {
      await sse.cancel();
      await other.close();
    }
  });

  describe('bad input', () => {
    it.each([
      ['after', 'after=abc'],
      ['after', 'after=1-2-3'],
      ['after', 'after=-1-2'],
      ['after', 'after=99999999999999999999-1'],
      ['after', 'after='],
      ['after', 'after=LATEST'],
      ['after', 'after=1-1&after=2-2'],
      ['limit', 'limit=0'],
      ['limit', 'limit=1001'],
      ['limit', 'limit=-5'],
      ['limit', 'limit=1.5'],
      ['limit', 'limit=abc'],
      ['limit', 'limit='],
      ['limit', 'limit=10&limit=20'],
      ['events', 'events='],
      ['events', 'events=Nope.Created'],
      ['events', 'events=user.created'],
      ['events', 'events=User.Created,'],
      ['events', `events=${'User.Created,'.repeat(400)}User.Created`],
      ['unknown parameter', 'afterr=1-1'],
    ])('GET /api/events rejects a bad %s (%#) with 400 and changes nothing', async (_name, query) => {
      await expectUnchanged(env, ['users', 'deliveries'], async () => {
        await expectRejected(await env.api('GET', `/api/events?${query}`), 400, 'guard.invalid_input');
      });
    });

    it.each([['after=abc'], ['events=Nope'], ['limit=5'], ['after=latest&x=1']])(
      'GET /api/events/stream rejects %s with 400',
      async (query) => {
        await expectRejected(await env.api('GET', `/api/events/stream?${query}`), 400, 'guard.invalid_input');
      },
    );

    it.each([['abc'], ['latest'], ['1-2-3'], ['']])('rejects Last-Event-ID %j with 400', async (value) => {
      const response = await env.api('GET', '/api/events/stream', undefined, { 'last-event-id': value });
      await expectRejected(response, 400, 'guard.invalid_input');
    });

    it('rejects a cursor ahead of anything the feed issued', async () => {
      const ahead = dialect === 'sqlite' ? '0-999999999' : '999999999999-1';
      await expectRejected(await env.api('GET', `/api/events?after=${ahead}`), 400, 'feed.unknown_cursor');
      await expectRejected(
        await env.api('GET', `/api/events/stream?after=${ahead}`),
        400,
        'feed.unknown_cursor',
      );
    });

    it('requires a Management API token', async () => {
      for (const path of ['/api/events', '/api/events/stream']) {
        const response = await env.app.request(path);
        expect(response.status).toBe(401);
      }
    });
  });
});
