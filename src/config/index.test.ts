import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Env } from './index.js';

/** The ConfigError `loadConfig(env)` throws; fails the test if it does not throw one. */
function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults to SQLite on 127.0.0.1:3001 with the endpoint and resource derived from the port', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3001,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/idhooks.db',
      endpoint: 'http://127.0.0.1:3001',
      managementApiResource: 'http://127.0.0.1:3001/api',
      adminClientId: undefined,
      adminClientSecret: undefined,
      logLevel: 'info',
      bodyLimitBytes: 1_048_576,
      accessTokenTtlSeconds: 3600,
      trustProxy: false,
    });
    expect(config.delivery.retryScheduleSeconds).toEqual([5, 300, 1800, 7200, 18_000, 36_000, 36_000]);
  });

  it('returns a frozen object, nested parts included', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.delivery)).toBe(true);
    expect(Object.isFrozen(config.delivery.retryScheduleSeconds)).toBe(true);
  });

  it('derives the default endpoint from the address listened on (HOST and PORT)', () => {
    const config = loadConfig({ PORT: '4000' });
    expect(config.endpoint).toBe('http://127.0.0.1:4000');
    expect(config.managementApiResource).toBe('http://127.0.0.1:4000/api');
    expect(loadConfig({ HOST: 'localhost' }).endpoint).toBe('http://localhost:3001');
    // A wildcard host is reached through loopback; IPv6 literals are bracketed.
    expect(loadConfig({ HOST: '0.0.0.0' }).endpoint).toBe('http://127.0.0.1:3001');
    expect(loadConfig({ HOST: '::' }).endpoint).toBe('http://[::1]:3001');
    expect(loadConfig({ HOST: '::1', PORT: '80' }).endpoint).toBe('http://[::1]:80');
  });

  it('keeps production strict and lets development (IDHOOKS_DEV) reach loopback receivers', () => {
    expect(loadConfig({}).dev).toBe(false);
    expect(loadConfig({}).delivery.allowPrivateTargets).toBe('');
    const dev = loadConfig({ IDHOOKS_DEV: 'true' });
    expect(dev.dev).toBe(true);
    expect(dev.delivery.allowPrivateTargets).toBe('127.0.0.0/8,::1/128');
    const both = loadConfig({ IDHOOKS_DEV: '1', IDHOOKS_ALLOW_PRIVATE_TARGETS: '10.0.0.0/8' });
    expect(both.delivery.allowPrivateTargets).toBe('10.0.0.0/8,127.0.0.0/8,::1/128');
  });

  it('takes overrides, trims trailing slashes from the endpoint and treats empty values as unset', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/idhooks',
      PORT: '8080',
      HOST: '0.0.0.0',
      IDHOOKS_ENDPOINT: 'https://id.example.com/base//',
      IDHOOKS_ADMIN_CLIENT_ID: 'ops-admin',
      IDHOOKS_ADMIN_CLIENT_SECRET: 'a-secret-of-at-least-16',
      IDHOOKS_LOG_LEVEL: 'warn',
      IDHOOKS_TRUST_PROXY: 'TRUE',
      IDHOOKS_RETRY_SCHEDULE: ' 1, 2.5 ,3 ',
      IDHOOKS_ACCESS_TOKEN_TTL_SECONDS: '',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/idhooks',
      port: 8080,
      host: '0.0.0.0',
      endpoint: 'https://id.example.com/base',
      managementApiResource: 'https://id.example.com/base/api',
      adminClientId: 'ops-admin',
      adminClientSecret: 'a-secret-of-at-least-16',
      logLevel: 'warn',
      trustProxy: true,
      accessTokenTtlSeconds: 3600,
    });
    expect(config.delivery.retryScheduleSeconds).toEqual([1, 2.5, 3]);
  });

  it('accepts postgresql:// and sqlite::memory:', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).databaseUrl).toBe('postgresql://u@h/db');
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).databaseUrl).toBe('sqlite::memory:');
  });

  // Every bad value stops start-up with a message naming the variable, so the operator knows what to fix.
  it.each<[string, Env]>([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '0x10' }],
    ['PORT', { PORT: '80.5' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root@localhost/idhooks' }],
    ['DATABASE_URL', { DATABASE_URL: 'sqlite:' }],
    ['IDHOOKS_ENDPOINT', { IDHOOKS_ENDPOINT: 'ftp://example.com' }],
    ['IDHOOKS_ENDPOINT', { IDHOOKS_ENDPOINT: 'not a url' }],
    ['IDHOOKS_ENDPOINT', { IDHOOKS_ENDPOINT: 'https://example.com/?tenant=a' }],
    [
      'IDHOOKS_ADMIN_CLIENT_ID',
      { IDHOOKS_ADMIN_CLIENT_ID: 'has spaces', IDHOOKS_ADMIN_CLIENT_SECRET: 'x'.repeat(16) },
    ],
    ['IDHOOKS_ADMIN_CLIENT_SECRET', { IDHOOKS_ADMIN_CLIENT_ID: 'ops', IDHOOKS_ADMIN_CLIENT_SECRET: 'short' }],
    ['IDHOOKS_ADMIN_CLIENT_SECRET', { IDHOOKS_ADMIN_CLIENT_ID: 'ops' }],
    ['IDHOOKS_ADMIN_CLIENT_ID', { IDHOOKS_ADMIN_CLIENT_SECRET: 'x'.repeat(16) }],
    ['IDHOOKS_RETRY_SCHEDULE', { IDHOOKS_RETRY_SCHEDULE: '1,x' }],
    ['IDHOOKS_RETRY_SCHEDULE', { IDHOOKS_RETRY_SCHEDULE: '5,,300' }],
    ['IDHOOKS_RETRY_SCHEDULE', { IDHOOKS_RETRY_SCHEDULE: '5,-1' }],
    ['IDHOOKS_LOG_LEVEL', { IDHOOKS_LOG_LEVEL: 'verbose' }],
    ['IDHOOKS_TRUST_PROXY', { IDHOOKS_TRUST_PROXY: 'maybe' }],
    ['IDHOOKS_DEV', { IDHOOKS_DEV: 'development' }],
    ['IDHOOKS_DELIVERY_THREAD', { IDHOOKS_DELIVERY_THREAD: 'sometimes' }],
    ['IDHOOKS_SQLITE_SYNCHRONOUS', { IDHOOKS_SQLITE_SYNCHRONOUS: 'OFF' }],
    ['IDHOOKS_BODY_LIMIT_BYTES', { IDHOOKS_BODY_LIMIT_BYTES: '10' }],
    ['IDHOOKS_ACCESS_TOKEN_TTL_SECONDS', { IDHOOKS_ACCESS_TOKEN_TTL_SECONDS: '10' }],
    ['IDHOOKS_DELIVERY_TIMEOUT_MS', { IDHOOKS_DELIVERY_TIMEOUT_MS: '-5' }],
    ['IDHOOKS_HOOK_DISABLE_AFTER_SECONDS', { IDHOOKS_HOOK_DISABLE_AFTER_SECONDS: '-1' }],
    ['IDHOOKS_HOOK_DISABLE_AFTER_SECONDS', { IDHOOKS_HOOK_DISABLE_AFTER_SECONDS: '5 days' }],
    ['IDHOOKS_HOOK_DISABLE_AFTER_SECONDS', { IDHOOKS_HOOK_DISABLE_AFTER_SECONDS: '31536001' }],
    ['IDHOOKS_METRICS_TOKEN', { IDHOOKS_METRICS_TOKEN: 'short' }],
    ['IDHOOKS_CONSOLE_SESSION_TTL_SECONDS', { IDHOOKS_CONSOLE_SESSION_TTL_SECONDS: 'forever' }],
    ['IDHOOKS_CONSOLE_ADMIN_ROLE', { IDHOOKS_CONSOLE_ADMIN_ROLE: '   ' }],
    ['IDHOOKS_CONSOLE_ADMIN_ROLE', { IDHOOKS_CONSOLE_ADMIN_ROLE: 'r'.repeat(129) }],
    ['IDHOOKS_AUTH_FAILURE_LIMIT', { IDHOOKS_AUTH_FAILURE_LIMIT: '0' }],
    ['IDHOOKS_AUTH_FAILURE_LIMIT_PER_ADDRESS', { IDHOOKS_AUTH_FAILURE_LIMIT_PER_ADDRESS: 'lots' }],
    ['IDHOOKS_AUTH_FAILURE_WINDOW_SECONDS', { IDHOOKS_AUTH_FAILURE_WINDOW_SECONDS: '86401' }],
    ['IDHOOKS_INTERACTION_RATE_LIMIT', { IDHOOKS_INTERACTION_RATE_LIMIT: '-1' }],
    ['IDHOOKS_FEED_POLL_MS', { IDHOOKS_FEED_POLL_MS: '5' }],
    ['IDHOOKS_FEED_POLL_MS', { IDHOOKS_FEED_POLL_MS: 'often' }],
    ['IDHOOKS_FEED_HEARTBEAT_SECONDS', { IDHOOKS_FEED_HEARTBEAT_SECONDS: '0' }],
    ['IDHOOKS_FEED_HEARTBEAT_SECONDS', { IDHOOKS_FEED_HEARTBEAT_SECONDS: '301' }],
  ])('rejects a bad %s with a ConfigError naming it', (variable, env) => {
    expect(configError(env).message).toContain(variable);
  });

  it('reads endpoint health and metrics settings, 0 turning auto-disable off', () => {
    expect(loadConfig({}).delivery.disableAfterSeconds).toBe(432_000);
    expect(loadConfig({}).metricsToken).toBeUndefined();
    const config = loadConfig({
      IDHOOKS_HOOK_DISABLE_AFTER_SECONDS: '0',
      IDHOOKS_METRICS_TOKEN: 'metrics-token-0123456789',
    });
    expect(config.delivery.disableAfterSeconds).toBe(0);
    expect(config.metricsToken).toBe('metrics-token-0123456789');
  });

  it('names every bad variable at once', () => {
    const { message } = configError({ PORT: 'abc', IDHOOKS_LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    for (const variable of ['PORT', 'IDHOOKS_LOG_LEVEL', 'DATABASE_URL']) expect(message).toContain(variable);
  });

  it('does not echo the admin secret in its message', () => {
    const { message } = configError({
      IDHOOKS_ADMIN_CLIENT_ID: 'bad id',
      IDHOOKS_ADMIN_CLIENT_SECRET: 'S3cr3t',
    });
    expect(message).not.toContain('S3cr3t');
  });
});
