import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import { formatLogLine } from './shared/logger.js';
import { listenFailure, startupBanner } from './startup.js';

describe('startupBanner', () => {
  const production = loadConfig({});
  const dev = loadConfig({ IDHOOKS_DEV: 'true' });

  it('prints a generated secret once, beside the console address and a token command that uses the printed resource', () => {
    const banner = startupBanner({
      config: production,
      clientId: 'abc',
      generatedSecret: 's3cret-value',
      fromEnvironment: false,
    });
    expect(banner).toContain('console:        http://127.0.0.1:3001/console');
    expect(banner).toContain('client secret:  s3cret-value');
    expect(banner?.split('s3cret-value')).toHaveLength(2);
    expect(banner).toContain('-d resource=http://127.0.0.1:3001/api');
    expect(banner).toContain('"abc:<client secret>"');
    expect(banner).not.toContain('DEVELOPMENT');
  });

  it('says nothing in production once the secret exists, and always speaks in development', () => {
    const later = { clientId: 'abc', generatedSecret: undefined, fromEnvironment: false };
    expect(startupBanner({ config: production, ...later })).toBeUndefined();
    const banner = startupBanner({ config: dev, ...later });
    expect(banner).toContain('DEVELOPMENT mode');
    expect(banner).toContain('printed on the first start only');
    expect(banner).toContain('127.0.0.0/8,::1/128');
    const configured = startupBanner({ config: dev, ...later, fromEnvironment: true });
    expect(configured).toContain('"abc:$IDHOOKS_ADMIN_CLIENT_SECRET"');
  });
});

describe('listenFailure', () => {
  const failure = (code: string) => Object.assign(new Error(code), { code });

  it('turns the usual listen errors into one line naming the fix', () => {
    const inUse = listenFailure(failure('EADDRINUSE'), '127.0.0.1', 3001)?.message ?? '';
    expect(inUse).toContain('127.0.0.1:3001');
    expect(inUse).toContain('PORT=3002');
    expect(inUse).not.toContain('\n');
    expect(listenFailure(failure('EACCES'), '127.0.0.1', 80)?.message).toContain('above 1023');
    expect(listenFailure(failure('EADDRNOTAVAIL'), '10.9.9.9', 3001)?.message).toContain('HOST');
  });

  it('leaves other errors alone (they keep their stack)', () => {
    expect(listenFailure(failure('EMFILE'), '127.0.0.1', 3001)).toBeUndefined();
    expect(listenFailure(new Error('boom'), '127.0.0.1', 3001)).toBeUndefined();
  });
});

describe('formatLogLine (npm run dev)', () => {
  it('shows time, level, message and the other fields, without the JSON envelope', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    const line = formatLogLine(
      JSON.stringify({
        level: 40,
        time,
        pid: 1,
        hostname: 'h',
        service: 'idhooks',
        msg: 'hello',
        hookId: 'x1',
        n: { a: 1 },
      }),
    );
    expect(line).toBe('03:04:05.006 WARN  hello hookId=x1 n={"a":1}\n');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('plain text\n')).toBe('plain text\n');
  });
});
