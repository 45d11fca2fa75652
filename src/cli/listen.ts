import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { expandEventFilter, parseCursor } from '../domain/event-feed.js';
import { buildRequestHeaders } from '../domain/headers.js';
import { bodyForHook } from '../domain/payloads.js';
import { signatureHeaders, whsecOf } from '../domain/signing.js';
import { newSecret, newStandardId } from '../shared/ids.js';
import type { ClientEnv } from '../config/index.js';
import {
  ApiError,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connectionOf,
  createApiClient,
  type ApiClient,
} from './api-client.js';
import { UsageError, parseCommand, type CommandSpec } from './args.js';
import type { Output } from './output.js';

const LISTEN_OPTIONS = {
  ...CONNECTION_OPTIONS,
  'forward-to': { type: 'string' },
  events: { type: 'string' },
  after: { type: 'string' },
  secret: { type: 'string' },
} as const;

export const LISTEN: CommandSpec = {
  usage: `Usage: idhooks listen --forward-to <url> [options]

Follows the events feed of a running idhooks and forwards each event, signed with a local
development secret, to a URL on your machine: both Logto's logto-signature-sha-256 and the Standard
Webhooks headers, exactly as idhooks delivers to hooks. Prints one line per event. After a
disconnect or a server restart it resumes where it stopped; nothing is missed or sent twice.

Options:
  --forward-to <url>   where to POST each event (required), e.g. http://localhost:4000/webhooks
  --events <filter>    only these events: names, Prefix.* or *, comma-separated (default: all)
  --after <cursor>     start after this cursor; "latest" (default: new events only) or "oldest"
  --secret <key>       signing key to use instead of a fresh one (a whsec_ secret or the raw key)
${CONNECTION_HELP}
  -h, --help           show this help`,
  options: LISTEN_OPTIONS,
};

/** One event of the feed as `/api/events/stream` sends it. */
interface StreamedEvent {
  readonly id: string;
  readonly cursor: string;
  readonly event: string;
  readonly payload: Record<string, unknown>;
}

const FORWARD_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 5000;

function forwardUrlOf(value: string | undefined, usage: string): string {
  if (value === undefined) throw new UsageError('--forward-to is required.', usage);
  try {
    const url = new URL(value);
    if (/^https?:$/.test(url.protocol)) return url.toString();
  } catch {
    // Reported below.
  }
  throw new UsageError(`--forward-to must be an http:// or https:// URL; got "${value}".`, usage);
}

/** A `whsec_` secret is base64 of the key's bytes (see signing.ts); a bare value is the key itself. */
function signingKeyOf(value: string | undefined, usage: string): string {
  if (value === undefined) return newSecret();
  const key = value.startsWith('whsec_') ? Buffer.from(value.slice(6), 'base64').toString('utf8') : value;
  if (key.length < 16 || /[^\x21-\x7e]/.test(key)) {
    throw new UsageError(
      '--secret must be a whsec_ secret or a key of at least 16 printable characters.',
      usage,
    );
  }
  return key;
}

export async function runListen(args: readonly string[], env: ClientEnv, out: Output): Promise<number> {
  const parsed = parseCommand(LISTEN, args);
  if (parsed.isHelp) return out.help(LISTEN.usage);
  const usage = LISTEN.usage;
  const forwardTo = forwardUrlOf(parsed.string('forward-to'), usage);
  const filter = parsed.string('events');
  if (filter !== undefined) {
    const result = expandEventFilter(filter);
    if (!result.ok) throw new UsageError(`--events ${result.message}.`, usage);
  }
  const after = parsed.string('after') ?? 'latest';
  if (after !== 'latest' && after !== 'oldest' && !parseCursor(after)) {
    throw new UsageError('--after must be a cursor (digits-digits), "latest" or "oldest".', usage);
  }
  const signingKey = signingKeyOf(parsed.string('secret'), usage);
  const connection = connectionOf(parsed, env, usage);
  const api = createApiClient(connection);
  const hookId = newStandardId();

  out.info(`idhooks listen: ${connection.url} → ${forwardTo}`);
  out.info(`Signing secret: ${whsecOf(signingKey)}`);
  out.info(`  (logto-signature-sha-256 key: ${signingKey}; hookId in bodies: ${hookId})`);
  out.info(`Events: ${filter ?? 'all'}. Ctrl+C to stop.`);

  const state = { cursor: after === 'oldest' ? undefined : after, isStopping: false };
  const stop = new AbortController();
  const onSignal = () => {
    state.isStopping = true;
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let backoffMs = 250;
  let wasDisconnected = false;
  const onConnected = () => {
    if (wasDisconnected) out.info(`Reconnected; resuming after ${state.cursor ?? 'the oldest event'}.`);
    wasDisconnected = false;
    backoffMs = 250;
  };
  while (!state.isStopping) {
    try {
      await follow(api, { filter, state, signal: stop.signal, out, onConnected }, (event) =>
        forward(event, { forwardTo, signingKey, hookId, out }),
      );
      if (state.isStopping) break;
      wasDisconnected = true;
      out.info('The server ended the stream; reconnecting…');
      await sleep(backoffMs, stop.signal);
    } catch (error) {
      if (state.isStopping) break;
      wasDisconnected = true;
      if (error instanceof ApiError && error.code === 'feed.cursor_expired') {
        const oldest = (error.data as { oldestCursor?: string } | undefined)?.oldestCursor;
        out.error(
          `Events after ${state.cursor ?? 'the start'} were removed by retention; continuing from ${oldest}.`,
        );
        state.cursor = oldest;
        continue;
      }
      if (
        error instanceof ApiError &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 408 &&
        error.status !== 429
      ) {
        out.error(`idhooks answered ${error.status} ${error.code}: ${error.message}`);
        return 1;
      }
      out.info(`Disconnected (${describe(error)}); retrying in ${(backoffMs / 1000).toFixed(1)} s…`);
      await sleep(backoffMs, stop.signal);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }
  out.info(`Stopped.${state.cursor ? ` Resume with --after ${state.cursor}` : ''}`);
  return 0;
}

interface FollowInput {
  readonly filter: string | undefined;
  readonly state: { cursor: string | undefined; isStopping: boolean };
  readonly signal: AbortSignal;
  readonly out: Output;
  readonly onConnected: () => void;
}

/**
 * One connection to `/api/events/stream`. Events are handled one at a time, in order, and the
 * cursor advances only after an event was forwarded, so a reconnect resumes right after the last
 * event handled.
 */
async function follow(api: ApiClient, input: FollowInput, handle: (event: StreamedEvent) => Promise<void>) {
  const { state, signal } = input;
  const query = new URLSearchParams();
  if (input.filter !== undefined) query.set('events', input.filter);
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (state.cursor === 'latest') query.set('after', 'latest');
  else if (state.cursor !== undefined) headers['last-event-id'] = state.cursor;
  const response = await api.request('GET', `/api/events/stream${query.size ? `?${query}` : ''}`, {
    headers,
    signal,
  });
  if (!response.ok || !response.body) throw await api.errorOf(response);
  input.onConnected();
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (pending.length > 0) {
      const message = pending.shift() as EventSourceMessage;
      if (message.event === 'cursor') state.cursor = message.id ?? state.cursor;
      else if (message.event === 'error') throw errorFromStream(message.data);
      else if (message.event === undefined) {
        const event = JSON.parse(message.data) as StreamedEvent;
        await handle(event);
        state.cursor = event.cursor;
      }
    }
  }
}

function errorFromStream(data: string): ApiError {
  const body = JSON.parse(data) as { code?: string; message?: string; data?: unknown };
  // Only an expired cursor is final for this cursor; anything else is worth a reconnect.
  const status = body.code === 'feed.cursor_expired' ? 410 : 503;
  return new ApiError(status, body.code ?? 'stream_error', body.message ?? data, body.data);
}

interface ForwardInput {
  readonly forwardTo: string;
  readonly signingKey: string;
  readonly hookId: string;
  readonly out: Output;
}

/** Signs and POSTs one event as idhooks delivers to a hook; prints the outcome. Never throws. */
async function forward(event: StreamedEvent, { forwardTo, signingKey, hookId, out }: ForwardInput) {
  const body = bodyForHook(JSON.stringify(event.payload), hookId);
  const headers = buildRequestHeaders({
    signatureHeaders: signatureHeaders({
      signingKey,
      msgId: event.id,
      timestamp: Math.floor(Date.now() / 1000),
      body,
    }),
  });
  const started = performance.now();
  let outcome: string;
  try {
    const response = await fetch(forwardTo, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await response.body?.cancel();
    outcome = String(response.status);
  } catch (error) {
    outcome = `error (${describe(error)})`;
  }
  const ms = Math.round(performance.now() - started);
  out.line(`${new Date().toISOString()}  ${event.event.padEnd(28)} ${event.id}  → ${outcome}  ${ms} ms`);
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.status} ${error.code}`;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
