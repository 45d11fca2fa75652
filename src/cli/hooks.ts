import type { ClientEnv } from '../config/index.js';
import { expandEventFilter } from '../domain/event-feed.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionOf, createApiClient } from './api-client.js';
import { UsageError, parseCommand, type CommandSpec } from './args.js';
import { formatTable, formatTime, type Output } from './output.js';

interface Hook {
  id: string;
  name: string;
  events: string[];
  config: { url: string; headers?: Record<string, string> };
  enabled: boolean;
  createdAt: number;
  executionStats?: { requestCount: number; successCount: number };
}

const LIST = {
  usage: `Usage: idhooks hooks list [--json]

Lists hooks with their URL, events and the last 24 hours' success rate.

Options:
  --json  print the API's JSON instead of a table
${CONNECTION_HELP}`,
  options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' } },
} satisfies CommandSpec;

const TEST = {
  usage: `Usage: idhooks hooks test <hook-id> [--events <filter>] [--json]

Sends a signed test payload of each event to the hook's URL, as the console's "Send test payload"
does. Test sends are not recorded.

Options:
  --events <filter>  events to send: names, Prefix.* or * (default: the hook's own events)
  --json             print {"ok": true} or the error as JSON
${CONNECTION_HELP}`,
  options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, events: { type: 'string' } },
  positionals: ['<hook-id>'],
} satisfies CommandSpec;

export const HOOKS_USAGE = `Usage: idhooks hooks <list|test> [options]

  list  hooks with URL, events and success rate
  test  send test payloads to a hook

Run idhooks hooks <command> --help for its options.`;

export const HOOKS_COMMANDS = { list: LIST, test: TEST } as const;

export async function runHooks(args: readonly string[], env: ClientEnv, out: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') return out.help(HOOKS_USAGE);
  if (sub === undefined) throw new UsageError('Missing hooks command.', HOOKS_USAGE);
  const spec = HOOKS_COMMANDS[sub as keyof typeof HOOKS_COMMANDS];
  if (!spec) throw new UsageError(`Unknown hooks command "${sub}".`, HOOKS_USAGE);
  const parsed = parseCommand(spec, rest);
  if (parsed.isHelp) return out.help(spec.usage);
  const asJson = parsed.flag('json');

  if (sub === 'list') {
    const api = createApiClient(connectionOf(parsed, env, spec.usage));
    const { body } = await api.json<Hook[]>('GET', '/api/hooks?includeExecutionStats=true');
    if (asJson) return (out.line(JSON.stringify(body, null, 2)), 0);
    out.line(
      formatTable(
        ['ID', 'NAME', 'ENABLED', 'URL', '24H OK', 'CREATED', 'EVENTS'],
        body.map((hook) => [
          hook.id,
          hook.name,
          hook.enabled ? 'yes' : 'no',
          hook.config.url,
          rate(hook.executionStats),
          formatTime(hook.createdAt),
          hook.events.join(','),
        ]),
      ),
    );
    return 0;
  }

  const filter = parsed.string('events');
  let events: readonly string[] | undefined;
  if (filter !== undefined) {
    const result = expandEventFilter(filter);
    if (!result.ok) throw new UsageError(`--events ${result.message}.`, spec.usage);
    events = result.events;
  }
  const hookId = parsed.positionals[0] ?? '';
  const api = createApiClient(connectionOf(parsed, env, spec.usage));
  const path = `/api/hooks/${encodeURIComponent(hookId)}`;
  const { body: hook } = await api.json<Hook>('GET', path);
  await api.json('POST', `${path}/test`, { events: events ?? hook.events, config: hook.config });
  if (asJson) out.line(JSON.stringify({ ok: true }));
  else
    out.line(
      `Sent ${(events ?? hook.events).length} test payload(s) to ${hook.config.url}: every request got a 2xx.`,
    );
  return 0;
}

const rate = (stats: Hook['executionStats']) =>
  !stats || stats.requestCount === 0
    ? '-'
    : `${((stats.successCount / stats.requestCount) * 100).toFixed(1)}% of ${stats.requestCount}`;
