import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { FeedEvent, FeedRead, FeedSignal } from '../services/event-feed.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

export interface FeedStreamOptions {
  /** An idle stream sends a comment this often. */
  readonly heartbeatMs: number;
  /**
   * A client that has not taken a write within this time is disconnected. With it, a stream holds
   * at most one page of events and one unsent message, however slow its reader.
   * @defaultValue 30_000
   */
  readonly writeTimeoutMs?: number;
}

interface FeedStreamInput {
  /** The cursor the client asked to continue after, if any. */
  readonly after: string | undefined;
  readonly first: FeedRead;
  readonly read: (after: string) => Promise<FeedRead>;
  readonly signal: FeedSignal;
  readonly options: FeedStreamOptions;
}

/** Browsers reconnect after this; the stream's `id:` lines make them resume where they stopped. */
const RECONNECT_MS = 2000;

/** The data line carries the stored payload text as is: no parse and re-serialise per event. */
const messageOf = (event: FeedEvent): string =>
  `id: ${event.cursor}\ndata: {"id":${JSON.stringify(event.id)},"sequence":${event.sequence},` +
  `"cursor":${JSON.stringify(event.cursor)},"event":${JSON.stringify(event.event)},` +
  `"createdAt":${event.createdAt},"payload":${event.payload}}\n\n`;

class SlowReader extends Error {}

/**
 * Serves the feed as server-sent events: each page is written one message at a time, waiting for
 * the client to take each (the Node adapter honours socket backpressure), then the stream waits for
 * a local commit or the poll interval. It ends when the client leaves, the process stops, or a
 * write times out.
 */
export function streamFeed(c: Context, input: FeedStreamInput): Response {
  const { first, read, signal, options } = input;
  const writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
  const response = streamSSE(c, async (stream) => {
    const done = new AbortController();
    stream.onAbort(() => done.abort());
    const onClosing = () => done.abort();
    signal.closing.addEventListener('abort', onClosing, { once: true });
    // A request that arrives while the process stops (on a kept-alive socket) ends at once.
    if (signal.closing.aborted) done.abort();
    try {
      await pump(stream, input.after, first, read, done.signal, { ...options, writeTimeoutMs }, signal);
    } catch (error) {
      // Cancel rather than close: a close would queue behind the write the reader never takes.
      if (error instanceof SlowReader) return stream.abort();
      // An expired cursor mid-stream (the reader fell behind retention) is said as is; anything
      // else (the database gone) is logged with its stack and told as a generic error. The reader
      // reconnects with its Last-Event-ID either way.
      const appError = error instanceof AppError ? error : new AppError('request.internal_error');
      if (!(error instanceof AppError))
        (c.get('logger') as Logger | undefined)?.error({ err: error }, 'events stream failed');
      await stream.writeSSE({ event: 'error', data: JSON.stringify(appError.toBody()) });
    } finally {
      signal.closing.removeEventListener('abort', onClosing);
    }
  });
  // A stream's socket is never reused: when it ends (the process stopping), the socket must close
  // too, or the HTTP server's close would wait for a kept-alive connection until the forced exit.
  response.headers.set('connection', 'close');
  return response;
}

async function pump(
  stream: SSEStreamingApi,
  after: string | undefined,
  first: FeedRead,
  read: (after: string) => Promise<FeedRead>,
  done: AbortSignal,
  options: Required<FeedStreamOptions>,
  signal: FeedSignal,
): Promise<void> {
  let lastWriteAt = Date.now();
  const write = async (text: string) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SlowReader()), options.writeTimeoutMs);
    });
    try {
      await Promise.race([stream.write(text), timeout]);
    } finally {
      clearTimeout(timer);
    }
    lastWriteAt = Date.now();
  };

  await write(`retry: ${RECONNECT_MS}\n\n`);
  let page = first;
  let sentId = after;
  while (!done.aborted) {
    for (const event of page.events) {
      if (done.aborted) return;
      await write(messageOf(event));
      sentId = event.cursor;
    }
    // The cursor moved past events the filter left out (or the stream started without one): a
    // `cursor` event moves the client's Last-Event-ID (browsers' onmessage ignores it), so a
    // reconnect resumes here instead of scanning those events again.
    if (page.cursor !== sentId) {
      await write(`event: cursor\nid: ${page.cursor}\ndata: ${page.cursor}\n\n`);
      sentId = page.cursor;
    }
    if (!page.hasMore) {
      const untilHeartbeat = lastWriteAt + options.heartbeatMs - Date.now();
      // Woken by a local commit or the shared head poll (FeedSignal), or at the heartbeat.
      await signal.wait(Math.max(0, untilHeartbeat), done, page.cursor);
      if (done.aborted) return;
      if (Date.now() - lastWriteAt >= options.heartbeatMs) await write(': heartbeat\n\n');
    }
    page = await read(page.cursor);
  }
}
