import { readFileSync } from 'node:fs';
import { ConfigError, loadClientEnv } from '../config/index.js';
import { ApiError } from './api-client.js';
import { UsageError, parseCommand, type CommandSpec } from './args.js';
import { DELIVERIES_COMMANDS, DELIVERIES_USAGE, runDeliveries } from './deliveries.js';
import { HOOKS_COMMANDS, HOOKS_USAGE, runHooks } from './hooks.js';
import { LISTEN, runListen } from './listen.js';
import { createOutput, type Output } from './output.js';

export const USAGE = `Usage: idhooks <command> [options]

Server:
  start [--role all|api|worker]  migrate the database, then serve the API and deliver webhooks
  migrate                        apply pending database migrations and exit
  keys <rotate|retire>           add a new OpenID Provider signing key, or drop the old ones

Client (talks to a running idhooks with admin credentials):
  listen --forward-to <url>      forward live events, signed, to a local endpoint
  deliveries <list|show|resend|recover>
  hooks <list|test>

  help [command]                 show help for a command
  -h, --help                     show this help
  -v, --version                  print the version

Run idhooks <command> --help for a command's options. The server is configured with environment
variables (see the README).`;

export const START: CommandSpec = {
  usage: `Usage: idhooks start [--role all|api|worker]

Migrates the database, then serves the Management API, the sign-in pages and the console (api),
delivers webhooks (worker), or both (all, the default). On PostgreSQL any number of api and worker
processes may share a database; SQLite allows one worker. Configuration comes from environment
variables (see the README). On the first start without IDHOOKS_ADMIN_CLIENT_ID/SECRET it creates an
admin application and prints its credentials once.

Options:
  --role <role>  all, api or worker (default all)
  -h, --help     show this help`,
  options: { role: { type: 'string' } },
};

export const MIGRATE: CommandSpec = {
  usage: `Usage: idhooks migrate

Applies pending database migrations (DATABASE_URL) and exits.

Options:
  -h, --help  show this help`,
  options: {},
};

export const KEYS: CommandSpec = {
  usage: `Usage: idhooks keys <rotate|retire>

Manages the OpenID Provider's signing keys in the database (DATABASE_URL); see docs/oidc.md.
  rotate  adds a new key generation; nodes sign with it after their next restart, and every node
          keeps accepting tokens signed by the older keys
  retire  drops every generation below the newest; run it once the tokens signed by the old keys
          have expired (IDHOOKS_ACCESS_TOKEN_TTL_SECONDS)

Options:
  -h, --help  show this help`,
  options: {},
  positionals: ['rotate|retire'],
};

/** The package's version, read from package.json next to src/ and dist/. */
export function version(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** What the server commands run; main.ts supplies them (they build the container). */
export interface ServerCommands {
  start(role: 'all' | 'api' | 'worker'): Promise<void>;
  migrate(): Promise<void>;
  keys(action: 'rotate' | 'retire'): Promise<void>;
}

const ROLES = ['all', 'api', 'worker'] as const;

function helpFor(topic: readonly string[]): string | undefined {
  const [command, sub] = topic;
  if (command === undefined) return USAGE;
  if (command === 'start') return START.usage;
  if (command === 'migrate') return MIGRATE.usage;
  if (command === 'keys') return KEYS.usage;
  if (command === 'listen') return LISTEN.usage;
  if (command === 'deliveries') {
    return sub === undefined
      ? DELIVERIES_USAGE
      : DELIVERIES_COMMANDS[sub as keyof typeof DELIVERIES_COMMANDS]?.usage;
  }
  if (command === 'hooks')
    return sub === undefined ? HOOKS_USAGE : HOOKS_COMMANDS[sub as keyof typeof HOOKS_COMMANDS]?.usage;
  return undefined;
}

/**
 * Runs the command line and returns the exit code: 0 done, 1 failed, 2 a usage mistake (with the
 * usage printed). Nothing is started, opened or created before the arguments are known to be good.
 */
export async function runCli(
  argv: readonly string[],
  server: ServerCommands,
  out: Output = createOutput(),
): Promise<number> {
  try {
    return await dispatch(argv, server, out);
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(`${error.message}\n\n${error.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      out.error(error.message);
      return 2;
    }
    if (error instanceof ApiError) {
      out.error(`idhooks answered ${error.status} ${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function dispatch(argv: readonly string[], server: ServerCommands, out: Output): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) throw new UsageError('No command given.', USAGE);
  if (command === '--help' || command === '-h') return out.help(USAGE);
  if (command === '--version' || command === '-v') return (out.line(version()), 0);
  if (command === 'help') {
    const usage = helpFor(args);
    if (usage === undefined) throw new UsageError(`No help for "${args.join(' ')}": unknown command.`, USAGE);
    return out.help(usage);
  }
  if (command === 'start') {
    const parsed = parseCommand(START, args);
    if (parsed.isHelp) return out.help(START.usage);
    const role = parsed.string('role') ?? 'all';
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new UsageError(`Unknown role "${role}"; use --role all, api or worker.`, START.usage);
    }
    await server.start(role as (typeof ROLES)[number]);
    return -1;
  }
  if (command === 'migrate') {
    const parsed = parseCommand(MIGRATE, args);
    if (parsed.isHelp) return out.help(MIGRATE.usage);
    await server.migrate();
    return 0;
  }
  if (command === 'keys') {
    const parsed = parseCommand(KEYS, args);
    if (parsed.isHelp) return out.help(KEYS.usage);
    const [action] = parsed.positionals;
    if (action !== 'rotate' && action !== 'retire') {
      throw new UsageError(`Unknown action "${action}"; use rotate or retire.`, KEYS.usage);
    }
    await server.keys(action);
    return 0;
  }
  if (command === 'listen') return runListen(args, loadClientEnvUnlessHelp(args), out);
  if (command === 'deliveries') return runDeliveries(args, loadClientEnvUnlessHelp(args), out);
  if (command === 'hooks') return runHooks(args, loadClientEnvUnlessHelp(args), out);
  throw new UsageError(`Unknown command "${command}".`, USAGE);
}

/** `--help` must work whatever the environment holds. */
function loadClientEnvUnlessHelp(args: readonly string[]) {
  return args.includes('--help') || args.includes('-h')
    ? { url: undefined, clientId: undefined, clientSecret: undefined }
    : loadClientEnv();
}
