/**
 * A webhook sender that sends from a thread of its own (IDHOOKS_DELIVERY_THREAD, on by default).
 * The engine keeps the database work (claims, leases at insert, records) on the thread that owns
 * the connection, since SQLite takes one writer at a time and a second writing thread only waits
 * for the lock; what moves is the HTTP exchange, the largest share of a delivery's CPU, so a busy
 * API and busy receivers use two cores. The thread starts with the first request and lives until
 * close() (like a connection pool, it keeps the process alive until then); should it end, requests
 * in flight fail as retryable attempts (whether they arrived is unknown; receivers de-duplicate on
 * webhook-id) and the next request starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import type { OutboundRequest, SendResult, WebhookSender } from '../domain/outbound.js';
import type { Logger } from '../shared/logger.js';
import type {
  FromSendingThread,
  SendingThreadData,
  SendingThreadRequest,
  ToSendingThread,
} from './sending-thread-protocol.js';

// Run from the sources (tests, tsx), this module is a .ts file and so is the entry; the thread then
// starts through scripts/source-thread.mjs, which loads it with tsx (a development dependency).
const isSource = import.meta.url.endsWith('.ts');
const ENTRY = new URL(isSource ? './sending-thread-entry.ts' : './sending-thread-entry.js', import.meta.url);
const SOURCE_STARTER = new URL('../../scripts/source-thread.mjs', import.meta.url);

export interface SendingThreadOptions extends SendingThreadData {
  readonly logger: Logger;
}

const notSent = (error: string): SendResult => ({
  outcome: { ok: false, retryable: true, error },
  durationMs: 0,
});
const threadEnded = (reason: string) => notSent(`the sending thread ended (${reason}) before an answer`);
const SENDER_CLOSED = 'the webhook sender is closed';

export interface SendingThread extends WebhookSender {
  /** Lets requests in flight finish, then ends the thread. */
  close(): Promise<void>;
  /** Ends the thread at once, as a crash would (tests). */
  terminate(): Promise<void>;
}

export function createSendingThread({ logger, ...data }: SendingThreadOptions): SendingThread {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, (result: SendResult) => void>();
  /** Caller signals by number; numbers start at 1 (0 is "no signal"). */
  const signalNumbers = new WeakMap<AbortSignal, number>();
  let nextSignal = 1;
  let queued: SendingThreadRequest[] = [];
  /** The caller's signal of each queued request, in the same order. */
  let queuedSignals: (AbortSignal | undefined)[] = [];
  let isFlushScheduled = false;
  let isClosed = false;

  const settle = (id: number, result: SendResult) => {
    pending.get(id)?.(result);
    pending.delete(id);
  };

  const post = (message: ToSendingThread) => worker?.postMessage(message);

  function spawn(): Worker {
    const thread = new Worker(isSource ? SOURCE_STARTER : ENTRY, {
      name: 'idhooks-sending',
      workerData: { ...(data satisfies SendingThreadData), sourceEntry: ENTRY.href },
    });
    thread.on('message', (message: FromSendingThread) => {
      for (const [id, result] of message.results) settle(id, result);
    });
    thread.on('error', (error) => logger.error({ err: error }, 'the webhook sending thread failed'));
    thread.on('exit', (code) => {
      if (worker === thread) worker = undefined;
      for (const resolve of pending.values()) resolve(threadEnded(`exit code ${code}`));
      pending.clear();
    });
    return thread;
  }

  // Requests started in the same engine pass go in one message. One whose caller aborted meanwhile
  // is not sent: the abort may have found no thread to tell.
  const flush = () => {
    isFlushScheduled = false;
    const requests = queued.filter(([id], i) => {
      const signal = queuedSignals[i];
      if (isClosed) settle(id, notSent(SENDER_CLOSED));
      else if (signal?.aborted) settle(id, notSent(String(signal.reason)));
      else return true;
      return false;
    });
    queued = [];
    queuedSignals = [];
    if (requests.length === 0) return;
    worker ??= spawn();
    post({ type: 'send', requests });
  };

  function numberOf(signal: AbortSignal | undefined): number {
    if (!signal) return 0;
    let number = signalNumbers.get(signal);
    if (number === undefined) {
      const assigned = nextSignal++;
      number = assigned;
      signalNumbers.set(signal, assigned);
      signal.addEventListener(
        'abort',
        () => post({ type: 'abort', signal: assigned, reason: String(signal.reason) }),
        { once: true },
      );
    }
    return number;
  }

  return {
    send(request: OutboundRequest, options: { readonly signal?: AbortSignal } = {}): Promise<SendResult> {
      if (isClosed) return Promise.resolve(notSent(SENDER_CLOSED));
      if (options.signal?.aborted) return Promise.resolve(notSent(String(options.signal.reason)));
      const id = nextId++;
      const signal = numberOf(options.signal);
      return new Promise<SendResult>((resolve) => {
        pending.set(id, resolve);
        queued.push([id, signal, request]);
        queuedSignals.push(options.signal);
        if (!isFlushScheduled) {
          isFlushScheduled = true;
          queueMicrotask(flush);
        }
      });
    },
    async terminate(): Promise<void> {
      await worker?.terminate();
    },
    async close(): Promise<void> {
      isClosed = true;
      const thread = worker;
      if (!thread) return;
      const ended = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      post({ type: 'close' });
      await ended;
    },
  };
}
