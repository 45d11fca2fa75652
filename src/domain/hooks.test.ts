import { describe, expect, it } from 'vitest';
import {
  MASKED_VALUE,
  hookConfigSchema,
  hookUrlProblem,
  rotatedPreviousKeys,
  sanitizeLogPayload,
  signingKeysInGrace,
  subscribedEvents,
  toHook,
  uniqueEvents,
  type HookRecord,
} from './hooks.js';

describe('hookUrlProblem', () => {
  it.each([
    'https://example.com/hook',
    'http://localhost:3000/webhook',
    'http://127.0.0.1:8080',
    'https://[::1]:443/x?y=1#z',
    'HTTPS://EXAMPLE.COM',
  ])('accepts %s', (url) => {
    expect(hookUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['', 'absolute'],
    ['example.com/hook', 'absolute'],
    ['/relative/path', 'absolute'],
    ['ftp://example.com', 'ftp:'],
    ['file:///etc/passwd', 'file:'],
    ['javascript:alert(1)', 'javascript:'],
    ['https://user:pw@example.com', 'credentials'],
    ['https://user@example.com', 'credentials'],
    ['http://exa mple.com', 'absolute'],
  ])('refuses %j', (url, hint) => {
    expect(hookUrlProblem(url)).toContain(hint);
  });

  it('is what the config schema enforces, strictly', () => {
    expect(hookConfigSchema.safeParse({ url: 'https://a.example', retries: 3 }).success).toBe(true);
    expect(hookConfigSchema.safeParse({ url: 'nope' }).success).toBe(false);
    expect(hookConfigSchema.safeParse({ url: 'https://a.example', retries: 4 }).success).toBe(false);
    expect(hookConfigSchema.safeParse({ url: 'https://a.example', header: {} }).success).toBe(false);
  });
});

describe('subscriptions', () => {
  it('uses events when non-empty, else the legacy event, else nothing', () => {
    expect(
      subscribedEvents({ events: ['User.Created', 'User.Created', 'PostSignIn'], event: 'PostRegister' }),
    ).toEqual(['User.Created', 'PostSignIn']);
    expect(subscribedEvents({ events: [], event: 'PostRegister' })).toEqual(['PostRegister']);
    expect(subscribedEvents({ events: [], event: null })).toEqual([]);
  });

  it('de-duplicates keeping first positions', () => {
    expect(uniqueEvents(['b', 'a', 'b', 'c', 'a'])).toEqual(['b', 'a', 'c']);
  });
});

describe('signing key rotation', () => {
  const now = 1_000_000;

  it('puts the replaced key first with its grace expiry and drops expired ones', () => {
    const previous = [
      { key: 'older', expiresAt: now + 10 },
      { key: 'expired', expiresAt: now },
    ];
    expect(rotatedPreviousKeys({ currentKey: 'current', previous, now, graceMs: 5000 })).toEqual([
      { key: 'current', expiresAt: now + 5000 },
      { key: 'older', expiresAt: now + 10 },
    ]);
  });

  it('adds nothing for an empty legacy key or a zero grace', () => {
    expect(rotatedPreviousKeys({ currentKey: '', previous: [], now, graceMs: 5000 })).toEqual([]);
    expect(rotatedPreviousKeys({ currentKey: 'k', previous: [], now, graceMs: 0 })).toEqual([]);
  });

  it('signs only with keys whose grace has not ended (strictly)', () => {
    const previous = [
      { key: 'a', expiresAt: now + 1 },
      { key: 'b', expiresAt: now },
      { key: '', expiresAt: now + 1 },
    ];
    expect(signingKeysInGrace(previous, now)).toEqual(['a']);
  });
});

describe('toHook', () => {
  const record: HookRecord = {
    tenantId: 'default',
    id: 'h',
    name: 'n',
    event: null,
    events: ['User.Created'],
    config: { url: 'https://a.example' },
    signingKey: 'key',
    previousSigningKeys: [{ key: 'old', expiresAt: 1 }],
    enabled: true,
    createdAt: 5,
    updatedAt: 6,
  };

  it("has Logto's keys in Logto's order and never the previous keys", () => {
    expect(Object.keys(toHook(record))).toEqual([
      'tenantId',
      'id',
      'name',
      'event',
      'events',
      'config',
      'signingKey',
      'enabled',
      'createdAt',
    ]);
    expect(toHook(record, { requestCount: 2, successCount: 1 }).executionStats).toEqual({
      requestCount: 2,
      successCount: 1,
    });
    expect(JSON.stringify(toHook(record))).not.toContain('old');
  });
});

describe('sanitizeLogPayload', () => {
  it('masks values under sensitive keys, whatever their case, _ or -', () => {
    const input = {
      password: 'p',
      newPassword: 'p',
      client_secret: 's',
      'X-Api-Key': 'k',
      private_key: 'k',
      privateKeyPem: 'k',
      credentials: { user: 'u' },
      Cookie: 'c',
      'set-cookie': 'c',
      Authorization: 'Bearer x',
      'x-functions-key': 'f',
      token: 't',
      access_token: 't',
      refreshToken: 't',
      keep: 'visible',
    };
    const output = sanitizeLogPayload(input);
    for (const [key, value] of Object.entries(output)) {
      expect(value, key).toBe(key === 'keep' ? 'visible' : MASKED_VALUE);
    }
    expect(Object.keys(output)).toEqual(Object.keys(input));
  });

  it('does not mask keys that merely resemble sensitive ones', () => {
    const input = { authorizationUrl: 'u', tokenizer: 't', key: 'k', hookId: 'h', signature: 's', tokens: 1 };
    expect(sanitizeLogPayload(input)).toEqual(input);
  });

  it('keeps hasPassword and passwordVerified when they are booleans only', () => {
    expect(
      sanitizeLogPayload({
        hasPassword: true,
        passwordVerified: false,
        has_password: 'yes',
        passwordVerified2: true,
      }),
    ).toEqual({
      hasPassword: true,
      passwordVerified: false,
      has_password: MASKED_VALUE,
      passwordVerified2: MASKED_VALUE,
    });
  });

  it('drops script and environment-variable keys, even when they also look secret', () => {
    expect(
      sanitizeLogPayload({
        script: 'x',
        scriptBody: 'x',
        customScript: 'x',
        secretScript: 'x',
        environmentVariables: { A: '1' },
        'custom_environment-variables': {},
        description: 'kept',
        transcription: 'kept',
      }),
    ).toEqual({ description: 'kept', transcription: 'kept' });
  });

  it('recurses into objects and arrays and strips NUL characters', () => {
    expect(
      sanitizeLogPayload({
        data: { users: [{ name: 'a\u0000b', apiKey: 'k', nested: { idToken: 'x' } }], list: ['x\u0000'] },
        'we\u0000ird': 1,
      }),
    ).toEqual({
      data: { users: [{ name: 'ab', apiKey: MASKED_VALUE, nested: { idToken: MASKED_VALUE } }], list: ['x'] },
      weird: 1,
    });
  });

  it('leaves primitives alone and never mutates its input', () => {
    expect(sanitizeLogPayload(42)).toBe(42);
    expect(sanitizeLogPayload(null)).toBeNull();
    expect(sanitizeLogPayload('a\u0000')).toBe('a');
    const input = { token: 't', inner: { secret: 's' } };
    sanitizeLogPayload(input);
    expect(input).toEqual({ token: 't', inner: { secret: 's' } });
  });

  it('keeps a __proto__ key from parsed JSON as data, not a prototype', () => {
    const output = sanitizeLogPayload(JSON.parse('{"__proto__":{"polluted":true}}') as object);
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('cuts off absurdly deep nesting instead of overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(5000) + ']'.repeat(5000)) as unknown;
    expect(() => sanitizeLogPayload(deep)).not.toThrow();
    expect(JSON.stringify(sanitizeLogPayload(deep))).toContain('[nested too deeply]');
  });
});
