/**
 * The sending thread (sending-thread.ts starts it): the process's webhook dispatcher, with its own
 * connection pool, SSRF guard and deadlines, sending what the engine posts and posting back the
 * results. It touches no database.
 */
import { setMaxListeners } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import type { SendResult } from '../domain/outbound.js';
import { createLogger, type LogLevel } from '../shared/logger.js';
import { createDispatcher } from './dispatcher.js';
import type {
  FromSendingThread,
  SendingThreadData,
  SendingThreadRequest,
  ToSendingThread,
} from './sending-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('sending-thread-entry.ts runs only as the sending thread (sending-thread.ts)');
const data = workerData as SendingThreadData;
const dispatcher = createDispatcher({
  timeoutMs: data.timeoutMs,
  allowPrivateTargets: data.allowPrivateTargets,
  logger: createLogger(data.logLevel as LogLevel),
});

/** One controller per caller signal, aborted when that signal is (see SendingThreadRequest). */
const controllers = new Map<number, AbortController>();
const signalOf = (number: number) => {
  if (number === 0) return undefined;
  let controller = controllers.get(number);
  if (!controller) {
    controller = new AbortController();
    setMaxListeners(0, controller.signal); // every request of that caller listens to it
    controllers.set(number, controller);
  }
  return controller.signal;
};
let done: (readonly [number, SendResult])[] = [];
let isFlushScheduled = false;
// Results that complete in the same I/O phase go back in one message.
const flush = () => {
  isFlushScheduled = false;
  const results = done;
  done = [];
  port.postMessage({ type: 'results', results } satisfies FromSendingThread);
};

async function sendOne([id, signal, request]: SendingThreadRequest): Promise<void> {
  const result = await dispatcher.send(request, { signal: signalOf(signal) });
  done.push([id, result]);
  if (!isFlushScheduled) {
    isFlushScheduled = true;
    setImmediate(flush);
  }
}

port.on('message', (message: ToSendingThread) => {
  if (message.type === 'send') {
    for (const request of message.requests) void sendOne(request);
  } else if (message.type === 'abort') {
    // Then forgotten: the caller sends nothing more under an aborted signal.
    controllers.get(message.signal)?.abort(new Error(message.reason));
    controllers.delete(message.signal);
  } else {
    void dispatcher.close().finally(() => port.close());
  }
});
