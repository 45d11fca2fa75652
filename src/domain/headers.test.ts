import { describe, expect, it } from 'vitest';

import {
  DEFAULT_USER_AGENT,
  FORBIDDEN_HEADER_NAMES,
  HEADER_LIMITS,
  buildRequestHeaders,
  validateCustomHeaders,
} from './headers.js';
import { signatureHeaders as sign } from './signing.js';

const problemsOf = (headers: Record<string, string>) => {
  const result = validateCustomHeaders(headers);
  return result.ok ? [] : result.problems;
};

describe('validateCustomHeaders', () => {
  it('accepts ordinary headers, empty values and tabs', () => {
    expect(
      validateCustomHeaders({
        'x-custom-header': 'hello',
        Authorization: 'Bearer abc.def',
        'X-Empty': '',
        'X-Tabbed': 'a\tb',
        "x-!#$%&'*+-.^_`|~": 'ok',
      }),
    ).toEqual({ ok: true });
    expect(validateCustomHeaders({})).toEqual({ ok: true });
  });

  it('accepts user-agent, content-type and signature names (they are merged, not refused)', () => {
    expect(
      validateCustomHeaders({
        'User-Agent': 'me',
        'content-type': 'text/plain',
        'logto-signature-sha-256': 'x',
      }),
    ).toEqual({ ok: true });
  });

  it.each(['', 'x y', 'x:y', 'x(y)', 'x"y', 'x/y', 'x@y', 'é', 'x\ty', 'x\r\ny'])(
    'rejects the name %j',
    (name) => {
      const problems = problemsOf({ [name]: 'v' });
      expect(problems).toHaveLength(1);
      expect(problems[0]?.name).toBe(name);
    },
  );

  it.each(['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\u0000b', 'café', '\u0007', 'a\u007Fb'])(
    'rejects the value %j',
    (value) => {
      expect(problemsOf({ 'x-a': value })).toEqual([
        { name: 'x-a', reason: expect.stringContaining('line breaks') },
      ]);
    },
  );

  it('rejects non-string values coming from untyped JSON', () => {
    expect(problemsOf({ 'x-a': 1 as unknown as string })).toEqual([
      { name: 'x-a', reason: 'the value must be a string' },
    ]);
  });

  it.each([...FORBIDDEN_HEADER_NAMES])('rejects the transport header %s in any case', (name) => {
    const upper = name.toUpperCase();
    expect(problemsOf({ [upper]: 'x' })).toEqual([
      { name: upper, reason: `${name} is set by the HTTP client and cannot be overridden` },
    ]);
  });

  it('covers the hop-by-hop and framing headers', () => {
    for (const name of [
      'connection',
      'keep-alive',
      'proxy-authenticate',
      'proxy-authorization',
      'te',
      'trailer',
    ]) {
      expect(FORBIDDEN_HEADER_NAMES.has(name)).toBe(true);
    }
    for (const name of ['transfer-encoding', 'upgrade', 'host', 'content-length']) {
      expect(FORBIDDEN_HEADER_NAMES.has(name)).toBe(true);
    }
  });

  it('rejects case-insensitive duplicates', () => {
    expect(problemsOf({ 'X-Tenant': 'a', 'x-tenant': 'b' })).toEqual([
      { name: 'x-tenant', reason: 'duplicates X-Tenant; header names are case-insensitive' },
    ]);
  });

  it('enforces the length limits at their boundaries', () => {
    const name = 'x'.repeat(HEADER_LIMITS.maxNameLength);
    const value = 'v'.repeat(HEADER_LIMITS.maxValueLength);
    expect(validateCustomHeaders({ [name]: value })).toEqual({ ok: true });
    expect(problemsOf({ [`${name}x`]: 'v' })[0]?.reason).toMatch(/longer than 256/);
    expect(problemsOf({ x: `${value}v` })[0]?.reason).toMatch(/longer than 4096/);
  });

  it('enforces the count limit at its boundary', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v']));
    expect(validateCustomHeaders(many(HEADER_LIMITS.maxCount))).toEqual({ ok: true });
    expect(problemsOf(many(HEADER_LIMITS.maxCount + 1))).toEqual([
      { name: '', reason: 'at most 50 custom headers are allowed' },
    ]);
  });

  it('reports every problem, not just the first', () => {
    expect(problemsOf({ 'a b': 'x', Host: 'h', 'x-ok': 'bad\n' }).map((p) => p.name)).toEqual([
      'a b',
      'Host',
      'x-ok',
    ]);
  });
});

describe('buildRequestHeaders', () => {
  const sig = sign({ signingKey: 'key', msgId: 'dlv_1', timestamp: 1_700_000_000, body: '{}' });

  it("reproduces Logto's captured wire order, then the Standard Webhooks headers", () => {
    const headers = buildRequestHeaders({ custom: { 'x-custom-header': 'hello' }, signatureHeaders: sig });
    expect(Object.entries(headers)).toEqual([
      ['logto-signature-sha-256', sig['logto-signature-sha-256']],
      ['user-agent', 'Logto (https://logto.io/)'],
      ['x-custom-header', 'hello'],
      ['content-type', 'application/json'],
      ['accept', '*/*'],
      ['accept-language', '*'],
      ['sec-fetch-mode', 'cors'],
      ['webhook-id', 'dlv_1'],
      ['webhook-timestamp', '1700000000'],
      ['webhook-signature', sig['webhook-signature']],
    ]);
  });

  it('works without custom headers and without a Logto signature (empty key)', () => {
    const unsigned = sign({ signingKey: '', msgId: 'dlv_1', timestamp: 1, body: '{}' });
    expect(Object.keys(buildRequestHeaders({ signatureHeaders: unsigned }))).toEqual([
      'user-agent',
      'content-type',
      'accept',
      'accept-language',
      'sec-fetch-mode',
      'webhook-id',
      'webhook-timestamp',
    ]);
    expect(buildRequestHeaders({ signatureHeaders: {} })).toEqual({
      'user-agent': DEFAULT_USER_AGENT,
      'content-type': 'application/json',
      accept: '*/*',
      'accept-language': '*',
      'sec-fetch-mode': 'cors',
    });
  });

  it('lets a custom User-Agent of any case replace the default in its place', () => {
    const headers = buildRequestHeaders({
      custom: { 'x-a': '1', 'User-Agent': 'mine/1.0' },
      signatureHeaders: sig,
    });
    expect(Object.keys(headers).slice(0, 3)).toEqual(['logto-signature-sha-256', 'User-Agent', 'x-a']);
    expect(headers['User-Agent']).toBe('mine/1.0');
    expect(headers['user-agent']).toBeUndefined();
  });

  it('keeps a custom Content-Type instead of adding application/json', () => {
    const headers = buildRequestHeaders({
      custom: { 'Content-Type': 'application/cloudevents+json', 'x-b': '2' },
      signatureHeaders: sig,
    });
    expect(headers['Content-Type']).toBe('application/cloudevents+json');
    expect(headers['content-type']).toBeUndefined();
    expect(Object.keys(headers).slice(1, 4)).toEqual(['user-agent', 'Content-Type', 'x-b']);
  });

  it.each([
    'logto-signature-sha-256',
    'Logto-Signature-Sha-256',
    'WEBHOOK-ID',
    'Webhook-Timestamp',
    'webhook-signature',
  ])('never lets a custom %s override a signature header', (name) => {
    const headers = buildRequestHeaders({ custom: { [name]: 'forged' }, signatureHeaders: sig });
    expect(headers).toEqual(buildRequestHeaders({ signatureHeaders: sig }));
    expect(Object.values(headers)).not.toContain('forged');
  });

  it('drops a custom signature header even when the hook has no key', () => {
    const unsigned = sign({ signingKey: '', msgId: 'dlv_1', timestamp: 1, body: '{}' });
    const headers = buildRequestHeaders({
      custom: { 'Logto-Signature-Sha-256': 'static' },
      signatureHeaders: unsigned,
    });
    expect(Object.keys(headers).map((n) => n.toLowerCase())).not.toContain('logto-signature-sha-256');
  });

  it('never emits a name twice, case-insensitively, keeping the last duplicate', () => {
    const headers = buildRequestHeaders({
      custom: { 'X-Dup': 'first', 'x-dup': 'second' },
      signatureHeaders: sig,
    });
    const lower = Object.keys(headers).map((n) => n.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
    expect(headers['x-dup']).toBe('second');
    expect(headers['X-Dup']).toBeUndefined();
  });

  it('keeps custom header names as given and values untouched', () => {
    const headers = buildRequestHeaders({ custom: { 'X-Tenant-ID': ' spaced ' }, signatureHeaders: sig });
    expect(headers['X-Tenant-ID']).toBe(' spaced ');
  });
});
