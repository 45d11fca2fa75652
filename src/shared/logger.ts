import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Structured JSON logs. Secrets never reach a log line: the paths below are redacted wherever a
 * careless caller might pass a whole object.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
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
  });
}
