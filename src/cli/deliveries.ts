import type { ClientEnv } from '../config/index.js';
import { isEventType } from '../domain/events.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionOf, createApiClient } from './api-client.js';
import { UsageError, integerFlag, parseCommand, timeFlag, type CommandSpec } from './args.js';
import { formatTable, formatTime, progressBar, type Output } from './output.js';

/** The fields of `GET /api/hooks/:id/deliveries[/:deliveryId]` the commands print. */
interface Delivery {
  id: string;
  hookId: string;
  eventId: string;
  event: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: number | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  createdAt: number;
  completedAt: number | null;
  attempts?: {
    attempt: number;
    result: string;
    startedAt: number;
    durationMs: number;
    response: { status: number; body: string } | null;
    error: string | null;
    nextAttemptAt: number | null;
  }[];
}

const STATUSES = ['pending', 'sending', 'succeeded', 'failed'];
const JSON_OPTION = { json: { type: 'boolean' } } as const;

const LIST = {
  usage: `Usage: idhooks deliveries list --hook <id> [--status <status>] [--event <event>] [--since <time>] [--limit <n>] [--json]

Lists a hook's deliveries, newest first.

Options:
  --hook <id>        the hook (required)
  --status <status>  pending, sending, succeeded or failed
  --event <event>    one event name, e.g. User.Created
  --since <time>     created at or after: epoch ms, ISO date, or 30m / 24h / 7d ago
  --limit <n>        at most this many, 1 to 100 (default 20)
  --json             print the API's JSON instead of a table
${CONNECTION_HELP}`,
  options: {
    ...CONNECTION_OPTIONS,
    ...JSON_OPTION,
    hook: { type: 'string' },
    status: { type: 'string' },
    event: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
  },
} satisfies CommandSpec;

const SHOW = {
  usage: `Usage: idhooks deliveries show <delivery-id> --hook <id> [--json]

Shows one delivery with every attempt: status, response, duration, error, next attempt.

Options:
  --hook <id>  the hook (required)
  --json       print the API's JSON
${CONNECTION_HELP}`,
  options: { ...CONNECTION_OPTIONS, ...JSON_OPTION, hook: { type: 'string' } },
  positionals: ['<delivery-id>'],
} satisfies CommandSpec;

const RESEND = {
  usage: `Usage: idhooks deliveries resend <delivery-id> --hook <id> [--json]

Sends a delivery again now (same body, same webhook-id) with a fresh retry schedule.

Options:
  --hook <id>  the hook (required)
  --json       print the API's JSON
${CONNECTION_HELP}`,
  options: { ...CONNECTION_OPTIONS, ...JSON_OPTION, hook: { type: 'string' } },
  positionals: ['<delivery-id>'],
} satisfies CommandSpec;

const RECOVER = {
  usage: `Usage: idhooks deliveries recover --since <time> [--until <time>] [--hook <id>]... [--json]

Resends every failed delivery created in the time range, hook by hook (all hooks unless --hook is
given), with a progress bar on stderr.

Options:
  --since <time>  from (required): epoch ms, ISO date, or 30m / 24h / 7d ago
  --until <time>  to (default: now)
  --hook <id>     only this hook; repeat for several
  --json          print {"recovered": n, "hooks": [...]} when done
${CONNECTION_HELP}`,
  options: {
    ...CONNECTION_OPTIONS,
    ...JSON_OPTION,
    hook: { type: 'string', multiple: true },
    since: { type: 'string' },
    until: { type: 'string' },
  },
} satisfies CommandSpec;

export const DELIVERIES_USAGE = `Usage: idhooks deliveries <list|show|resend|recover> [options]

  list     a hook's deliveries, newest first
  show     one delivery with every attempt
  resend   send one delivery again
  recover  resend every failed delivery in a time range

Run idhooks deliveries <command> --help for its options.`;

export const DELIVERIES_COMMANDS = { list: LIST, show: SHOW, resend: RESEND, recover: RECOVER } as const;

function requireHook(value: string | undefined, usage: string): string {
  if (value === undefined || value === '') throw new UsageError('--hook is required.', usage);
  return value;
}

const row = (d: Delivery) => [
  d.id,
  d.event,
  d.status,
  String(d.attemptCount),
  d.lastResponseStatus === null ? '-' : String(d.lastResponseStatus),
  formatTime(d.createdAt),
  d.status === 'pending' ? formatTime(d.nextAttemptAt) : '-',
];
const HEADERS = ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST', 'CREATED', 'NEXT ATTEMPT'];

export async function runDeliveries(args: readonly string[], env: ClientEnv, out: Output): Promise<number> {
  const [sub, ...rest] = args;
  const spec = DELIVERIES_COMMANDS[sub as keyof typeof DELIVERIES_COMMANDS];
  if (sub === '--help' || sub === '-h') return out.help(DELIVERIES_USAGE);
  if (sub === undefined) throw new UsageError('Missing deliveries command.', DELIVERIES_USAGE);
  if (!spec) throw new UsageError(`Unknown deliveries command "${sub}".`, DELIVERIES_USAGE);
  const parsed = parseCommand(spec, rest);
  if (parsed.isHelp) return out.help(spec.usage);
  const now = Date.now();
  const asJson = parsed.flag('json');

  if (sub === 'recover') {
    const since = timeFlag(parsed.string('since'), 'since', spec.usage, now);
    if (since === undefined) throw new UsageError('--since is required.', spec.usage);
    const until = timeFlag(parsed.string('until'), 'until', spec.usage, now);
    if (until !== undefined && until < since)
      throw new UsageError('--until must not be before --since.', spec.usage);
    const api = createApiClient(connectionOf(parsed, env, spec.usage));
    let hooks = parsed.strings('hook');
    if (hooks.length === 0)
      hooks = (await api.json<{ id: string }[]>('GET', '/api/hooks')).body.map((h) => h.id);
    const results: { hookId: string; recovered: number }[] = [];
    for (const [index, hookId] of hooks.entries()) {
      out.progress(`recovering ${progressBar(index, hooks.length)} hooks, ${sum(results)} deliveries queued`);
      const { body } = await api.json<{ recovered: number }>(
        'POST',
        `/api/hooks/${encodeURIComponent(hookId)}/deliveries/recover`,
        {
          since,
          ...(until === undefined ? {} : { until }),
        },
      );
      results.push({ hookId, recovered: body.recovered });
    }
    out.progress(
      `recovering ${progressBar(hooks.length, hooks.length)} hooks, ${sum(results)} deliveries queued`,
    );
    if (out.isInteractive) out.progress('');
    if (asJson) out.line(JSON.stringify({ recovered: sum(results), hooks: results }, null, 2));
    else {
      out.line(
        formatTable(
          ['HOOK', 'RECOVERED'],
          results.map((r) => [r.hookId, String(r.recovered)]),
        ),
      );
      out.line(`${sum(results)} failed deliveries queued again.`);
    }
    return 0;
  }

  const hookId = requireHook(parsed.string('hook'), spec.usage);
  const hookPath = `/api/hooks/${encodeURIComponent(hookId)}/deliveries`;
  if (sub === 'list') {
    const status = parsed.string('status');
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}.`, spec.usage);
    }
    const limit = integerFlag(parsed.string('limit'), 'limit', spec.usage, 1, 100) ?? 20;
    const since = timeFlag(parsed.string('since'), 'since', spec.usage, now);
    const query = new URLSearchParams({ page_size: String(limit) });
    if (status) query.set('status', status);
    const event = parsed.string('event');
    if (event !== undefined && !isEventType(event)) {
      throw new UsageError(`--event must be one event name, e.g. User.Created; got "${event}".`, spec.usage);
    }
    if (event !== undefined) query.set('event', event);
    if (since !== undefined) query.set('start_time', String(since));
    const api = createApiClient(connectionOf(parsed, env, spec.usage));
    const { body, headers } = await api.json<Delivery[]>('GET', `${hookPath}?${query}`);
    if (asJson) out.line(JSON.stringify(body, null, 2));
    else {
      out.line(formatTable(HEADERS, body.map(row)));
      out.line(`${body.length} of ${headers.get('total-number') ?? body.length} deliveries.`);
    }
    return 0;
  }

  const deliveryId = parsed.positionals[0] ?? '';
  const api = createApiClient(connectionOf(parsed, env, spec.usage));
  const path = `${hookPath}/${encodeURIComponent(deliveryId)}`;
  const { body } =
    sub === 'resend'
      ? await api.json<Delivery>('POST', `${path}/resend`)
      : await api.json<Delivery>('GET', path);
  if (asJson) out.line(JSON.stringify(body, null, 2));
  else if (sub === 'resend')
    out.line(`Delivery ${body.id} queued for a new attempt (status ${body.status}).`);
  else printDelivery(body, out);
  return 0;
}

const sum = (results: readonly { recovered: number }[]) =>
  results.reduce((total, r) => total + r.recovered, 0);

function printDelivery(d: Delivery, out: Output) {
  out.line(formatTable(HEADERS, [row(d)]));
  const attempts = d.attempts ?? [];
  if (attempts.length === 0) return out.line('\nNo attempts yet.');
  out.line('');
  out.line(
    formatTable(
      ['ATTEMPT', 'STARTED', 'RESULT', 'STATUS', 'MS', 'RESPONSE / ERROR'],
      attempts.map((a) => [
        String(a.attempt),
        formatTime(a.startedAt),
        a.result,
        a.response ? String(a.response.status) : '-',
        String(a.durationMs),
        (a.response?.body || a.error || '').replace(/\s+/g, ' ').slice(0, 60),
      ]),
    ),
  );
}
