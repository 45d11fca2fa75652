import {
  FEED_START,
  comparePositions,
  formatCursor,
  maxPosition,
  parseCursor,
  type FeedPosition,
} from '../domain/event-feed.js';
import type { EventType } from '../domain/events.js';
import { AppError } from '../shared/errors.js';
import type { EventFeedRepo, FeedEventRow } from '../storage/repos/event-feed.js';

/** One event of the feed. `payload` is the JSON text delivered to hooks, without `hookId`. */
export interface FeedEvent {
  readonly id: string;
  readonly sequence: number;
  readonly cursor: string;
  readonly event: string;
  readonly createdAt: number;
  readonly payload: string;
}

export interface FeedRead {
  readonly events: FeedEvent[];
  /** Where to continue from: every matching event up to it has been returned. */
  readonly cursor: string;
  /** True when the page was cut at `limit`: more may follow at once. */
  readonly hasMore: boolean;
}

export interface FeedQuery {
  /** A cursor, `latest` (the newest settled event: only what comes next), or undefined (the oldest kept). */
  readonly after: string | undefined;
  readonly limit: number;
  /** Event names to keep, already expanded from the filter; undefined keeps all. */
  readonly events: readonly EventType[] | undefined;
}

/**
 * Wakes waiting streams: at once after this process's own commits (`notify`), and when one shared
 * poll of the feed's head (every `pollMs`, only while a stream waits) sees events other processes
 * committed. One head query per interval per process, however many streams are open.
 */
export interface FeedSignal {
  notify(): void;
  /**
   * Resolves after the next wake-up, after `ms`, or when `signal` aborts, whichever comes first.
   * `seen` is the cursor the caller has read up to: the poll wakes it as soon as the head differs,
   * even if the head moved before it started waiting.
   */
  wait(ms: number, signal: AbortSignal, seen?: string): Promise<void>;
  /** Aborted when the process stops: open streams end so the HTTP server can close. */
  readonly closing: AbortSignal;
  close(): void;
}

export interface FeedSignalDeps {
  /** The cursor of the newest settled event, or undefined when there is none. */
  readonly readHead: () => Promise<string | undefined>;
  readonly pollMs: number;
}

export function createFeedSignal({ readHead, pollMs }: FeedSignalDeps): FeedSignal {
  /** Each waiting stream's wake-up, with the cursor it has read up to. */
  const waiters = new Map<() => void, string | undefined>();
  const closing = new AbortController();
  let poll: NodeJS.Timeout | undefined;

  const wake = (isDue: (seen: string | undefined) => boolean) => {
    const woken = [...waiters].filter(([, seen]) => isDue(seen)).map(([done]) => done);
    woken.forEach((done) => done());
  };
  const notify = () => wake(() => true);
  const tick = async () => {
    poll = undefined;
    if (waiters.size === 0 || closing.signal.aborted) return;
    try {
      // An empty feed's cursor is the start, so streams on it are not woken on every poll.
      const head = (await readHead()) ?? formatCursor(FEED_START);
      wake((seen) => seen !== head);
    } catch {
      // Let the streams read: each reports what is wrong to its own client.
      notify();
    }
    schedule();
  };
  const schedule = () => {
    if (poll === undefined && waiters.size > 0 && !closing.signal.aborted) {
      poll = setTimeout(() => void tick(), pollMs);
    }
  };

  return {
    closing: closing.signal,
    close() {
      closing.abort();
      clearTimeout(poll);
      poll = undefined;
    },
    notify,
    wait(ms, signal, seen) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waiters.set(done, seen);
        signal.addEventListener('abort', done, { once: true });
        if (signal.aborted) done();
        else schedule();
      });
    },
  };
}

const toFeedEvent = (row: FeedEventRow): FeedEvent => ({
  id: row.id,
  sequence: Number(row.position.seq),
  cursor: formatCursor(row.position),
  event: row.type,
  createdAt: row.createdAt,
  payload: row.payload,
});

export interface EventFeedDeps {
  readonly feed: EventFeedRepo;
}

/**
 * The events feed: committed events in commit order, each exactly once to a consumer that follows
 * the cursor it is given (see migration 0014 for why the order is commit order on both dialects).
 */
export function createEventFeedService({ feed }: EventFeedDeps) {
  return {
    /**
     * One page after the query's cursor. Throws `feed.cursor_expired` (410, with the oldest cursor
     * in `data`) when retention may have removed events after the cursor, and `feed.unknown_cursor`
     * when the cursor is ahead of anything this server issued (another server's, or a restored
     * database's).
     */
    async readEvents(query: FeedQuery): Promise<FeedRead> {
      const isLatest = query.after === 'latest';
      const after = query.after === undefined || isLatest ? FEED_START : parseCursor(query.after);
      if (!after)
        throw new AppError('guard.invalid_input', { message: 'after: must be a cursor or "latest".' });
      const page = await feed.listEventsAfter(after, isLatest ? 0 : query.limit, query.events);
      if (!page.isIssuable(after)) {
        throw new AppError('feed.unknown_cursor', { params: { cursor: query.after ?? '' } });
      }
      if (query.after !== undefined && !isLatest && comparePositions(after, page.floor) < 0) {
        const oldestCursor = formatCursor(page.floor);
        throw new AppError('feed.cursor_expired', {
          params: { cursor: query.after, oldest: oldestCursor },
          data: { oldestCursor },
        });
      }
      const start = maxPosition(after, page.floor);
      const hasMore = !isLatest && page.events.length === query.limit && query.limit > 0;
      const last = page.events.at(-1)?.position;
      // A short page holds every matching settled event, so the cursor may move to the head even
      // past events the filter left out; a full page stops at its last event.
      const next: FeedPosition = hasMore && last ? last : maxPosition(start, page.head ?? start);
      return { events: page.events.map(toFeedEvent), cursor: formatCursor(next), hasMore };
    },
  };
}

export type EventFeedService = ReturnType<typeof createEventFeedService>;
