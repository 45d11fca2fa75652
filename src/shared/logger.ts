import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** One readable line per record instead of JSON (`npm run dev`); production keeps JSON. */
  readonly pretty?: boolean;
  /** Where lines go; stdout by default (tests pass a collector). */
  readonly write?: (line: string) => void;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every record carries; a readable line leaves them out. */
const QUIET_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'service']);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `12:03:04.567 INFO  idhooks listening on … port=3001`: local time, level, message, then the other
 * fields as key=value (objects as JSON). pino-pretty does more, but it is a worker thread and a
 * dependency for what development needs in 30 lines.
 */
export function formatLogLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now());
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
  const level = LEVEL_NAMES[Number(record.level)] ?? String(record.level);
  const fields = Object.entries(record)
    .filter(([key]) => !QUIET_KEYS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const message = typeof record.msg === 'string' ? record.msg : '';
  return `${clock} ${level} ${[message, ...fields].filter(Boolean).join(' ')}\n`;
}

/**
 * Structured JSON logs. Secrets never reach a log line: the paths below are redacted wherever a
 * careless caller might pass a whole object.
 */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const destination: DestinationStream | undefined =
    options.pretty || options.write
      ? { write: (line: string) => write(options.pretty ? formatLogLine(line) : line) }
      : undefined;
  const settings = {
    level,
    base: { service: 'idhooks' },
    redact: {
      paths: [
        '*.password',
        '*.clientSecret',
        '*.signingKey',
        '*.secret',
        '*.authorization',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(settings, destination) : pino(settings);
}
