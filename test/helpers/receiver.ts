import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventSchemaProblems } from './event-schemas.js';

/** One request as a webhook receiver sees it: raw header order and the exact body text. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly receivedAt: number;
}

export interface ReceiverResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Milliseconds to wait before answering (a slow or hanging endpoint). */
  delayMs?: number;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>`; append a path of your choice. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /**
   * With `validateEvents`, every body that did not match its event's JSON Schema, with the reasons.
   * `waitFor` and `close` then fail, so a test that delivers a non-conforming payload fails.
   */
  readonly schemaViolations: string[];
  /** Changes how the receiver answers from now on (svix's TestReceiver.set_response_status_code). */
  respondWith(response: ReceiverResponse | ((request: ReceivedRequest) => ReceiverResponse)): void;
  /** Resolves once `count` requests have arrived in total; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * A loopback webhook receiver for tests. It only ever listens on 127.0.0.1 (or ::1) and records
 * every request before answering.
 */
export async function startReceiver(
  options: {
    host?: '127.0.0.1' | '::1';
    port?: number;
    /**
     * Check every body against the event JSON Schemas the `@idhooks/webhooks` package ships. For
     * receivers of real events (not synthetic payloads, test sends or e-mail connector calls).
     */
    validateEvents?: boolean;
  } = {},
): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const requests: ReceivedRequest[] = [];
  const schemaViolations: string[] = [];
  const violationError = () =>
    new Error(`delivered payloads do not match their JSON Schema:\n${schemaViolations.join('\n')}`);
  let respond: (request: ReceivedRequest) => ReceiverResponse = () => ({ status: 200, body: 'ok' });
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(request);
      if (options.validateEvents) {
        const problems = eventSchemaProblems(request.body);
        if (problems.length > 0) schemaViolations.push(`${request.body}\n  ${problems.join('\n  ')}`);
      }
      waiters.forEach((notify) => notify());
      const answer = respond(request);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, answer.delayMs);
        timers.add(timer);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: host === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`,
    requests,
    schemaViolations,
    respondWith(response) {
      respond = typeof response === 'function' ? response : () => response;
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (schemaViolations.length > 0) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(violationError());
          } else if (requests.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(requests.slice(0, count));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${requests.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (schemaViolations.length > 0) throw violationError();
    },
  };
}
