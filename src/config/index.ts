import { z } from 'zod';
import { LOG_LEVELS } from '../shared/logger.js';

/**
 * The one reader of `process.env`. Every key, its default and its meaning is listed in the README's
 * configuration table; a bad value stops start-up with a message naming the variable.
 */

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

const secondsList = z.string().transform((value, ctx) => {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  const parts = trimmed.split(',').map((part) => Number(part.trim()));
  if (parts.some((n) => !Number.isFinite(n) || n < 0)) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of non-negative seconds' });
    return z.NEVER;
  }
  return parts;
});

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((value) => ['true', '1', 'yes'].includes(value));

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/idhooks.db')
    .refine((url) => /^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(url), {
      message: 'must start with sqlite: (a file path or :memory:) or postgres://',
    }),
  PORT: integer(0, 65_535).default(3001),
  HOST: z.string().min(1).default('127.0.0.1'),
  IDHOOKS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  IDHOOKS_ADMIN_CLIENT_ID: z
    .string()
    .regex(/^[\w-]{1,128}$/, 'must be 1-128 letters, digits, _ or -')
    .optional(),
  IDHOOKS_ADMIN_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  IDHOOKS_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  IDHOOKS_BODY_LIMIT_BYTES: integer(1024).default(1_048_576),
  IDHOOKS_ACCESS_TOKEN_TTL_SECONDS: integer(60, 86_400).default(3600),
  IDHOOKS_TRUST_PROXY: booleanFlag.default(false),
  IDHOOKS_SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  IDHOOKS_RETRY_SCHEDULE: secondsList.default([5, 300, 1800, 7200, 18_000, 36_000, 36_000]),
  IDHOOKS_DELIVERY_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  IDHOOKS_DELIVERY_CONCURRENCY: integer(1, 10_000).default(256),
  IDHOOKS_HOOK_MAX_IN_FLIGHT: integer(1, 1000).default(32),
  IDHOOKS_DELIVERY_POLL_MS: integer(10, 60_000).default(1000),
  IDHOOKS_ALLOW_PRIVATE_TARGETS: z.string().default(''),
  IDHOOKS_RETENTION_DAYS: integer(1, 3650).default(14),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  readonly databaseUrl: string;
  readonly port: number;
  readonly host: string;
  /** Public base URL, without a trailing slash. */
  readonly endpoint: string;
  /** The Management API resource indicator: `${endpoint}/api`. */
  readonly managementApiResource: string;
  readonly adminClientId: string | undefined;
  readonly adminClientSecret: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly bodyLimitBytes: number;
  readonly accessTokenTtlSeconds: number;
  readonly trustProxy: boolean;
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  readonly delivery: {
    readonly retryScheduleSeconds: readonly number[];
    readonly timeoutMs: number;
    readonly concurrency: number;
    readonly hookMaxInFlight: number;
    readonly pollMs: number;
    readonly allowPrivateTargets: string;
    readonly retentionDays: number;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and freezes the configuration; throws `ConfigError` naming every bad variable. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.IDHOOKS_ADMIN_CLIENT_ID === undefined) !== (e.IDHOOKS_ADMIN_CLIENT_SECRET === undefined)) {
    throw new ConfigError(
      'Invalid configuration: set both IDHOOKS_ADMIN_CLIENT_ID and IDHOOKS_ADMIN_CLIENT_SECRET, or neither.',
    );
  }
  const endpoint = (e.IDHOOKS_ENDPOINT ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const config: Config = {
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    host: e.HOST,
    endpoint,
    managementApiResource: `${endpoint}/api`,
    adminClientId: e.IDHOOKS_ADMIN_CLIENT_ID,
    adminClientSecret: e.IDHOOKS_ADMIN_CLIENT_SECRET,
    logLevel: e.IDHOOKS_LOG_LEVEL,
    bodyLimitBytes: e.IDHOOKS_BODY_LIMIT_BYTES,
    accessTokenTtlSeconds: e.IDHOOKS_ACCESS_TOKEN_TTL_SECONDS,
    trustProxy: e.IDHOOKS_TRUST_PROXY,
    sqliteSynchronous: e.IDHOOKS_SQLITE_SYNCHRONOUS,
    delivery: Object.freeze({
      retryScheduleSeconds: Object.freeze(e.IDHOOKS_RETRY_SCHEDULE),
      timeoutMs: e.IDHOOKS_DELIVERY_TIMEOUT_MS,
      concurrency: e.IDHOOKS_DELIVERY_CONCURRENCY,
      hookMaxInFlight: e.IDHOOKS_HOOK_MAX_IN_FLIGHT,
      pollMs: e.IDHOOKS_DELIVERY_POLL_MS,
      allowPrivateTargets: e.IDHOOKS_ALLOW_PRIVATE_TARGETS,
      retentionDays: e.IDHOOKS_RETENTION_DAYS,
    }),
  };
  return Object.freeze(config);
}
