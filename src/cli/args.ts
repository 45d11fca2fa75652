import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: exit 2 with the command's usage, start nothing. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  readonly usage: string;
  readonly options: Options;
  /** Names of the positional arguments, in order; each one is required. */
  readonly positionals?: readonly string[];
}

/** Every command takes `-h/--help`. */
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

type Value = string | boolean | (string | boolean)[] | undefined;

export interface Parsed {
  readonly values: Readonly<Record<string, Value>>;
  readonly positionals: string[];
  readonly isHelp: boolean;
  /** A string option's value (the last one when repeated). */
  string(name: string): string | undefined;
  /** Every value of a repeatable string option. */
  strings(name: string): string[];
  flag(name: string): boolean;
}

/**
 * Strict parsing with node:util: an unknown option, a missing or extra positional, or an option
 * without its value is a {@link UsageError}. `--help` wins over everything else.
 */
export function parseCommand(spec: CommandSpec, args: readonly string[]): Parsed {
  let parsed: { values: Record<string, Value>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...spec.options, ...HELP },
      strict: true,
      allowPositionals: true,
    }) as { values: Record<string, Value>; positionals: string[] };
  } catch (error) {
    // `--help` wins even over a mistake elsewhere on the line.
    if (args.includes('--help') || args.includes('-h')) {
      parsed = { values: { help: true }, positionals: [] };
    } else {
      throw new UsageError(cleanParseMessage(error), spec.usage);
    }
  }
  const { values, positionals } = parsed;
  const isHelp = values.help === true;
  const expected = spec.positionals ?? [];
  if (!isHelp) {
    if (positionals.length < expected.length) {
      throw new UsageError(`Missing ${expected.slice(positionals.length).join(' ')}.`, spec.usage);
    }
    if (positionals.length > expected.length) {
      throw new UsageError(`Unexpected argument "${positionals[expected.length]}".`, spec.usage);
    }
  }
  const strings = (name: string) => {
    const value = values[name];
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
      (v): v is string => typeof v === 'string',
    );
  };
  return {
    values,
    positionals,
    isHelp,
    string: (name) => strings(name).at(-1),
    strings,
    flag: (name) => values[name] === true,
  };
}

/** node:util's messages mention `strict:false` and internals; keep the part a user can act on. */
function cleanParseMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\. To specify a positional argument.*$/s, '.').replace(/\s*\(?strict.*$/s, '');
}

/** A whole number in [min, max] given to `flag`. */
export function integerFlag(
  value: string | undefined,
  flag: string,
  usage: string,
  min: number,
  max: number,
) {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}.`, usage);
  }
  return Number(value);
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time for `flag`: epoch milliseconds, an ISO 8601 date, or a duration ago (`90m`,
 * `24h`, `7d`).
 */
export function timeFlag(value: string | undefined, flag: string, usage: string, now: number) {
  if (value === undefined) return undefined;
  const ago = /^(\d{1,6})([smhd])$/.exec(value);
  if (ago) return now - Number(ago[1]) * (DURATION_UNITS[ago[2] ?? 's'] ?? 1000);
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(parsed) && parsed >= 0) return parsed;
  throw new UsageError(
    `--${flag} must be epoch milliseconds, an ISO date (2026-12-01T00:00:00Z) or a duration ago (30m, 24h, 7d).`,
    usage,
  );
}
