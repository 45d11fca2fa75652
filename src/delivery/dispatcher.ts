/**
 * Sends one signed webhook request (docs/architecture.md#conventions point 13: outbound HTTP is hostile territory).
 *
 * - One undici Agent for the process: keep-alive connections pooled per origin, so a busy hook
 *   reuses its sockets instead of paying a TCP (and TLS) handshake per delivery.
 * - A hard timeout over the whole exchange (connect, headers and body; deadlines.ts); a timeout
 *   is retryable and marked `isTimeout` so the retry policy waits at least 60 s.
 * - No redirects: undici's `request` never follows them, and a 3xx is a failed attempt, so a
 *   receiver cannot bounce us to an address it could not name directly.
 * - The response body is read up to RESPONSE_BODY_LIMIT_BYTES and the rest discarded.
 * - SSRF guard on the address actually connected to (address-guard.ts).
 *
 * Expected failures are values, never exceptions (docs/architecture.md#conventions point 11).
 */
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import { classifyResponse, type AttemptOutcome } from '../domain/delivery.js';
import {
  RESPONSE_BODY_LIMIT_BYTES,
  type OutboundRequest,
  type SendResult,
  type WebhookSender,
} from '../domain/outbound.js';
import type { Logger } from '../shared/logger.js';
import { createDeadlines } from './deadlines.js';
import {
  createGuardedConnector,
  findRefusal,
  parseAllowedTargets,
  refusalForLiteral,
} from './address-guard.js';

export interface DispatcherOptions {
  /** Hard limit for one attempt, connect to last body byte. */
  timeoutMs: number;
  /** `IDHOOKS_ALLOW_PRIVATE_TARGETS`: CIDRs (or `*`) that may be reached although not public. */
  allowPrivateTargets: string;
  logger?: Logger;
}

/**
 * Idle keep-alive sockets are closed after this long. Shorter than the 5 s most servers use
 * (Node's default `keepAliveTimeout`), so we close first and never write to a socket the receiver
 * is closing at that moment.
 */
const KEEP_ALIVE_MS = 4_000;

const failure = (error: string, retryable: boolean, extra: Partial<AttemptOutcome> = {}): AttemptOutcome =>
  ({ ok: false, retryable, error, ...extra }) as AttemptOutcome;

/** Hook URLs parsed once: a hook's deliveries all go to the same few URLs. */
const parsedTargets = new Map<string, URL | string>();
const PARSED_TARGETS_MAX = 1000;

function cachedTarget(url: string): URL | string {
  let target = parsedTargets.get(url);
  if (target === undefined) {
    target = parseTarget(url);
    if (parsedTargets.size >= PARSED_TARGETS_MAX) parsedTargets.clear();
    parsedTargets.set(url, target);
  }
  return target;
}

/** Only absolute http(s) URLs; anything else can never succeed, so it is not retried. */
function parseTarget(url: string): URL | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `invalid URL ${JSON.stringify(url)}; set the hook's config.url to an absolute http:// or https:// URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `unsupported URL scheme ${parsed.protocol} in ${JSON.stringify(url)}; only http: and https: are delivered`;
  }
  return parsed;
}

/** Headers as a flat [name, value, …] list, so they go out in exactly the order given. */
const flatHeaders = (headers: Readonly<Record<string, string>>): string[] =>
  Object.entries(headers).flatMap(([name, value]) => [name, value]);

const headerRecord = (headers: Dispatcher.ResponseData['headers']): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );

const ignoreError = () => {};

/**
 * Reads at most RESPONSE_BODY_LIMIT_BYTES of the body as text, then discards the rest. A body
 * declared small enough is read whole in one call: the chunk-by-chunk loop cost more CPU than the
 * rest of the exchange's JavaScript (the benchmark's receivers answer with empty bodies).
 */
async function readCappedBody(
  body: Dispatcher.ResponseData['body'],
  declaredLength: string | string[] | undefined,
): Promise<string> {
  if (typeof declaredLength === 'string' && /^\d+$/.test(declaredLength)) {
    if (Number(declaredLength) <= RESPONSE_BODY_LIMIT_BYTES) return body.text();
  }
  // Events rather than `for await`: the async iterator cost more than the rest of the read.
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < RESPONSE_BODY_LIMIT_BYTES) return;
      // Enough: the rest is dropped with the socket, as a receiver may stream without end.
      body.off('data', onData).off('end', resolve).off('error', reject);
      // Destroying a body still arriving emits an abort error; with no listener left it would be
      // an uncaught exception that ends the process.
      body.on('error', ignoreError);
      body.destroy();
      resolve();
    };
    body.on('data', onData).once('end', resolve).once('error', reject);
  });
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT_BYTES));
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Turns a thrown network error into an outcome; only a policy refusal is not retryable. */
function outcomeOfError(error: unknown, timedOut: boolean, timeoutMs: number): AttemptOutcome {
  const refusal = findRefusal(error);
  // A refusal is a configuration problem: retrying on the schedule cannot fix it, and it would
  // knock on a forbidden address eight times. The delivery ends failed and can be resent once the
  // operator changes the URL or the allow list.
  if (refusal) return failure(refusal.message, false);
  const code = (error as { code?: string }).code;
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return failure(`timed out after ${timeoutMs} ms`, true, { isTimeout: true });
  }
  const message = error instanceof Error ? error.message : String(error);
  return failure(code ? `${code}: ${message}` : message, true);
}

/** Creates the process's webhook sender. Call `close()` on shutdown to drop pooled sockets. */
export function createDispatcher(options: {
  timeoutMs: number;
  allowPrivateTargets: string;
  logger?: Logger;
}): WebhookSender & { close(): Promise<void> } {
  const { timeoutMs, logger } = options satisfies DispatcherOptions;
  const allowList = parseAllowedTargets(options.allowPrivateTargets);
  const agent = new Agent({
    connect: createGuardedConnector(allowList, timeoutMs),
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MS,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const deadlines = createDeadlines(timeoutMs);

  async function exchange(url: URL, outbound: OutboundRequest, signal: AbortSignal) {
    const response = await request(url, {
      dispatcher: agent,
      method: 'POST',
      headers: flatHeaders(outbound.headers),
      body: outbound.body,
      signal,
    });
    const body = await readCappedBody(response.body, response.headers['content-length']);
    return { status: response.statusCode, headers: headerRecord(response.headers), body };
  }

  async function send(outbound: OutboundRequest, sendOptions: { readonly signal?: AbortSignal } = {}) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const target = cachedTarget(outbound.url);
    if (typeof target === 'string') return { outcome: failure(target, false), durationMs: 0 };
    const refused = refusalForLiteral(target.hostname, allowList);
    if (refused) return { outcome: failure(refused.message, false), durationMs: 0 };

    const deadline = deadlines.start(sendOptions.signal);
    try {
      const response = await exchange(target, outbound, deadline.signal);
      const outcome = classifyResponse(response.status, response.headers['retry-after']);
      return { outcome, durationMs: elapsed(), response } satisfies SendResult;
    } catch (error) {
      const outcome = outcomeOfError(error, deadline.timedOut, timeoutMs);
      logger?.debug(
        { url: target.origin, error: outcome.ok ? undefined : outcome.error },
        'webhook request failed',
      );
      return { outcome, durationMs: elapsed() } satisfies SendResult;
    }
  }

  return {
    send,
    async close() {
      await agent.close();
    },
  };
}
