import { z } from 'zod';
import { LOG_LEVELS } from '../shared/logger.js';

/**
 * The one reader of `process.env`. Every key, its default and its meaning is listed in the README's
 * configuration table; a bad value stops start-up with a message naming the variable.
 */

// Digits only: `z.coerce.number()` would also take `0x10`, `1e3` or ` 80` and quietly read them as numbers.
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const secondsList = z.string().transform((value, ctx) => {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  const raw = trimmed.split(',').map((part) => part.trim());
  // An empty entry ("5,,300") would otherwise read as 0 seconds: an immediate, unintended retry.
  const parts = raw.map((part) => (/^\d+(\.\d+)?$/.test(part) ? Number(part) : Number.NaN));
  if (parts.some((n) => !Number.isFinite(n))) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of non-negative seconds' });
    return z.NEVER;
  }
  return parts;
});

const booleanFlag = z
  .string()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((value) => ['true', '1', 'yes'].includes(value));

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/idhooks.db')
    .refine((url) => /^(sqlite:.|postgres:\/\/|postgresql:\/\/)/.test(url), {
      message: 'must start with sqlite: (a file path or :memory:) or postgres://',
    }),
  PORT: integer(0, 65_535).default(3001),
  HOST: z.string().min(1).default('127.0.0.1'),
  // The resource indicator is `${endpoint}/api`: a query or fragment would end up in the middle of it.
  IDHOOKS_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
    .refine((url) => !/[?#]/.test(url), { message: 'must not contain a query or fragment' })
    .optional(),
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
  // A plain identifier: it is placed in the connection's search_path.
  IDHOOKS_PG_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase PostgreSQL identifier (letters, digits, _)')
    .optional(),
  IDHOOKS_RETRY_SCHEDULE: secondsList.default([5, 300, 1800, 7200, 18_000, 36_000, 36_000]),
  IDHOOKS_DELIVERY_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  IDHOOKS_DELIVERY_CONCURRENCY: integer(1, 10_000).default(256),
  IDHOOKS_HOOK_MAX_IN_FLIGHT: integer(1, 1000).default(32),
  IDHOOKS_DELIVERY_POLL_MS: integer(10, 60_000).default(1000),
  // The delivery engine sends its requests from a thread of its own (src/delivery/sending-thread.ts).
  IDHOOKS_DELIVERY_THREAD: booleanFlag.default(true),
  IDHOOKS_ALLOW_PRIVATE_TARGETS: z.string().default(''),
  IDHOOKS_RETENTION_DAYS: integer(1, 3650).default(14),
  // Up to 30 days: a longer overlap would keep a possibly leaked key valid for too long.
  IDHOOKS_SIGNING_KEY_GRACE_SECONDS: integer(0, 2_592_000).default(86_400),
  // 0 turns auto-disable off; at most a year.
  IDHOOKS_HOOK_DISABLE_AFTER_SECONDS: integer(0, 31_536_000).default(432_000),
  IDHOOKS_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Sign-in experience (README "Sign-up and sign-in"). Lockout defaults are Logto's sentinel policy.
  IDHOOKS_LOCKOUT_MAX_ATTEMPTS: integer(1, 10_000).default(100),
  IDHOOKS_LOCKOUT_MINUTES: integer(1, 7 * 24 * 60).default(60),
  IDHOOKS_CODE_SEND_LIMIT: integer(1, 10_000).default(10),
  IDHOOKS_CODE_SEND_WINDOW_SECONDS: integer(1, 86_400).default(600),
  IDHOOKS_CODE_TTL_SECONDS: integer(60, 86_400).default(600),
  // Below 8 a password is guessable within the lockout budget; NIST SP 800-63B's floor is 8.
  IDHOOKS_PASSWORD_MIN_LENGTH: integer(8, 256).default(8),
  IDHOOKS_SESSION_TTL_SECONDS: integer(60, 31_536_000).default(1_209_600),
  IDHOOKS_INTERACTION_TTL_SECONDS: integer(60, 86_400).default(3600),
  IDHOOKS_EMAIL_CONNECTOR_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
    .optional(),
  IDHOOKS_EMAIL_CONNECTOR_AUTHORIZATION: z.string().optional(),
  // Admin console sign-in (README "Console"). At most a week: the session carries full admin rights.
  IDHOOKS_CONSOLE_SESSION_TTL_SECONDS: integer(300, 604_800).default(28_800),
  // The user role that admits a person to the console (README "Console"): a role name, 1-128 chars.
  IDHOOKS_CONSOLE_ADMIN_ROLE: z
    .string()
    .trim()
    .min(1, 'must name a role')
    .max(128, 'must be at most 128 characters')
    .default('idhooks-admin'),
  // Brute-force limits (README "Security"): failed client authentications per client id and per
  // source address, and new sign-in interactions per source address per minute.
  IDHOOKS_AUTH_FAILURE_LIMIT: integer(1, 100_000).default(10),
  IDHOOKS_AUTH_FAILURE_LIMIT_PER_ADDRESS: integer(1, 100_000).default(50),
  IDHOOKS_AUTH_FAILURE_WINDOW_SECONDS: integer(1, 86_400).default(900),
  IDHOOKS_INTERACTION_RATE_LIMIT: integer(1, 100_000).default(60),
  // Events feed streams (README "Events feed"): how often a stream looks for events this process did
  // not commit itself, and how often an idle stream sends a comment so proxies keep it open.
  IDHOOKS_FEED_POLL_MS: integer(20, 60_000).default(500),
  IDHOOKS_FEED_HEARTBEAT_SECONDS: integer(1, 300).default(15),
  // `npm run dev`: loopback targets allowed, readable logs, a start-up banner. Never in production.
  IDHOOKS_DEV: booleanFlag.default(false),
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
  /** PostgreSQL schema to work in instead of the server's default search_path (one database, several installs). */
  readonly pgSchema: string | undefined;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  readonly delivery: {
    readonly retryScheduleSeconds: readonly number[];
    readonly timeoutMs: number;
    readonly concurrency: number;
    readonly hookMaxInFlight: number;
    readonly pollMs: number;
    readonly allowPrivateTargets: string;
    readonly retentionDays: number;
    /** How long a regenerated signing key's predecessor keeps signing `webhook-signature`. */
    readonly signingKeyGraceSeconds: number;
    /** A hook failing every attempt for this long is disabled; 0: never. */
    readonly disableAfterSeconds: number;
    /** The engine sends from a thread of its own (src/delivery/sending-thread.ts). */
    readonly thread: boolean;
  };
  /** The end-user sign-in experience (hosted pages and the Experience API). */
  readonly experience: ExperienceConfig;
  /** The admin console at `/console`. */
  readonly console: { readonly sessionTtlSeconds: number; readonly adminRole: string };
  /** Brute-force and flood limits, shared by every node through the database. */
  readonly limits: LimitsConfig;
  /** `GET /api/events/stream`. */
  readonly feed: { readonly pollMs: number; readonly heartbeatSeconds: number };
  /** Development mode (`npm run dev`): loopback webhook targets allowed, readable logs, a banner. */
  readonly dev: boolean;
}

export interface LimitsConfig {
  /** Failed client authentications (console sign-in, `/oidc/token`) per client id per window. */
  readonly authFailuresPerClient: number;
  /** The same, per source address. */
  readonly authFailuresPerAddress: number;
  readonly authFailureWindowSeconds: number;
  /** New sign-in interactions per source address per minute. */
  readonly interactionsPerAddressPerMinute: number;
}

/** Loopback only: what a developer's local receiver listens on, and nothing else on the network. */
export const DEV_ALLOWED_TARGETS = '127.0.0.0/8,::1/128';

/**
 * The base URL of the address the server listens on, so the printed address, the issuer and the
 * resource indicator agree on a first run. A wildcard host is reached through loopback.
 */
export function listenedEndpoint(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const bracketed = reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${bracketed}:${port}`;
}

export interface ExperienceConfig {
  /** Failed verifications per identifier that lock it, and for how long (minutes). */
  readonly lockout: { readonly maxAttempts: number; readonly lockoutMinutes: number };
  /** Verification codes per recipient per window. */
  readonly codeSendLimit: { readonly maxSends: number; readonly windowSeconds: number };
  readonly codeTtlSeconds: number;
  readonly passwordMinLength: number;
  readonly sessionTtlSeconds: number;
  readonly interactionTtlSeconds: number;
  /** Where codes are POSTed; undefined means the development connector (codes go to the log). */
  readonly emailConnector: { readonly url: string; readonly authorization: string | undefined } | undefined;
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
  const endpoint = (e.IDHOOKS_ENDPOINT ?? listenedEndpoint(e.HOST, e.PORT)).replace(/\/+$/, '');
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
    pgSchema: e.IDHOOKS_PG_SCHEMA,
    metricsToken: e.IDHOOKS_METRICS_TOKEN,
    delivery: Object.freeze({
      retryScheduleSeconds: Object.freeze(e.IDHOOKS_RETRY_SCHEDULE),
      timeoutMs: e.IDHOOKS_DELIVERY_TIMEOUT_MS,
      concurrency: e.IDHOOKS_DELIVERY_CONCURRENCY,
      hookMaxInFlight: e.IDHOOKS_HOOK_MAX_IN_FLIGHT,
      pollMs: e.IDHOOKS_DELIVERY_POLL_MS,
      // Development adds loopback to whatever the operator allowed; production keeps the strict default.
      allowPrivateTargets: [e.IDHOOKS_ALLOW_PRIVATE_TARGETS, e.IDHOOKS_DEV ? DEV_ALLOWED_TARGETS : '']
        .filter((spec) => spec.trim() !== '')
        .join(','),
      retentionDays: e.IDHOOKS_RETENTION_DAYS,
      signingKeyGraceSeconds: e.IDHOOKS_SIGNING_KEY_GRACE_SECONDS,
      disableAfterSeconds: e.IDHOOKS_HOOK_DISABLE_AFTER_SECONDS,
      thread: e.IDHOOKS_DELIVERY_THREAD,
    }),
    experience: Object.freeze({
      lockout: Object.freeze({
        maxAttempts: e.IDHOOKS_LOCKOUT_MAX_ATTEMPTS,
        lockoutMinutes: e.IDHOOKS_LOCKOUT_MINUTES,
      }),
      codeSendLimit: Object.freeze({
        maxSends: e.IDHOOKS_CODE_SEND_LIMIT,
        windowSeconds: e.IDHOOKS_CODE_SEND_WINDOW_SECONDS,
      }),
      codeTtlSeconds: e.IDHOOKS_CODE_TTL_SECONDS,
      passwordMinLength: e.IDHOOKS_PASSWORD_MIN_LENGTH,
      sessionTtlSeconds: e.IDHOOKS_SESSION_TTL_SECONDS,
      interactionTtlSeconds: e.IDHOOKS_INTERACTION_TTL_SECONDS,
      emailConnector: e.IDHOOKS_EMAIL_CONNECTOR_URL
        ? Object.freeze({
            url: e.IDHOOKS_EMAIL_CONNECTOR_URL,
            authorization: e.IDHOOKS_EMAIL_CONNECTOR_AUTHORIZATION,
          })
        : undefined,
    }),
    console: Object.freeze({
      sessionTtlSeconds: e.IDHOOKS_CONSOLE_SESSION_TTL_SECONDS,
      adminRole: e.IDHOOKS_CONSOLE_ADMIN_ROLE,
    }),
    limits: Object.freeze({
      authFailuresPerClient: e.IDHOOKS_AUTH_FAILURE_LIMIT,
      authFailuresPerAddress: e.IDHOOKS_AUTH_FAILURE_LIMIT_PER_ADDRESS,
      authFailureWindowSeconds: e.IDHOOKS_AUTH_FAILURE_WINDOW_SECONDS,
      interactionsPerAddressPerMinute: e.IDHOOKS_INTERACTION_RATE_LIMIT,
    }),
    feed: Object.freeze({
      pollMs: e.IDHOOKS_FEED_POLL_MS,
      heartbeatSeconds: e.IDHOOKS_FEED_HEARTBEAT_SECONDS,
    }),
    dev: e.IDHOOKS_DEV,
  };
  return Object.freeze(config);
}

/**
 * What the `idhooks` client commands (`listen`, `deliveries`, `hooks`) read from the environment:
 * which server to call and with which admin credentials. Flags override each. Kept apart from the
 * server's schema so that a client never fails on a server variable it does not use.
 */
const clientEnvSchema = z.object({
  IDHOOKS_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
    .refine((url) => !/[?#]/.test(url), { message: 'must not contain a query or fragment' })
    .optional(),
  IDHOOKS_ADMIN_CLIENT_ID: z.string().min(1).optional(),
  IDHOOKS_ADMIN_CLIENT_SECRET: z.string().min(1).optional(),
});

export interface ClientEnv {
  readonly url: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
}

/** The client commands' environment; throws `ConfigError` naming a bad variable. */
export function loadClientEnv(env: Env = process.env): ClientEnv {
  const parsed = clientEnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment; fix these variables:\n${lines.join('\n')}`);
  }
  return Object.freeze({
    url: parsed.data.IDHOOKS_URL,
    clientId: parsed.data.IDHOOKS_ADMIN_CLIENT_ID,
    clientSecret: parsed.data.IDHOOKS_ADMIN_CLIENT_SECRET,
  });
}
