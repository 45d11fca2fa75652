import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';

import {
  SIGNATURE_HEADER_NAMES,
  hmacSha256Base64,
  logtoSignature,
  signatureHeaders,
  standardWebhooksSignature,
  verifyLogtoSignature,
  whsecOf,
} from './signing.js';

const CAPTURES = new URL('../../test/fixtures/captures/', import.meta.url);
// The captures are checked in (test/fixtures/captures): a missing or unparsable file must fail the
// test, never turn it into a silent skip.
const captures = readdirSync(CAPTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, ...(JSON.parse(readFileSync(new URL(f, CAPTURES), 'utf8')) as CaptureFile) }));
type CaptureFile = { bodyRaw: string; rawHeaders: string[] };

// A 32-character key like Logto's generateStandardSecret output.
const KEY = 'N7vRk2Qp9sXw4LmT1bYc8HdJ3fGz6AeU';
const BODY =
  '{"event":"User.Created","createdAt":"2026-01-01T00:00:00.000Z","data":{"name":"Zoë ✓"},"hookId":"h1"}';
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('logtoSignature', () => {
  it('is the lowercase hex HMAC-SHA256 of the body keyed with the UTF-8 key', () => {
    const expected = createHmac('sha256', Buffer.from(KEY, 'utf8'))
      .update(Buffer.from(BODY, 'utf8'))
      .digest('hex');
    expect(logtoSignature(KEY, BODY)).toBe(expected);
    expect(logtoSignature(KEY, BODY)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs bytes and the equivalent string identically', () => {
    expect(logtoSignature(KEY, Buffer.from(BODY, 'utf8'))).toBe(logtoSignature(KEY, BODY));
  });

  it('uses non-ASCII keys as UTF-8, not latin1 or base64', () => {
    const key = 'clé-ü';
    const expected = createHmac('sha256', Buffer.from(key, 'utf8')).update(BODY).digest('hex');
    expect(logtoSignature(key, BODY)).toBe(expected);
    expect(logtoSignature(key, BODY)).not.toBe(
      createHmac('sha256', Buffer.from(key, 'latin1')).update(BODY).digest('hex'),
    );
  });

  it('changes with any byte of the body', () => {
    expect(logtoSignature(KEY, `${BODY} `)).not.toBe(logtoSignature(KEY, BODY));
  });

  it('verifies in constant time and rejects malformed values', () => {
    const sig = logtoSignature(KEY, BODY);
    expect(verifyLogtoSignature(KEY, BODY, sig)).toBe(true);
    expect(verifyLogtoSignature(KEY, BODY, sig.toUpperCase())).toBe(true);
    expect(verifyLogtoSignature('other', BODY, sig)).toBe(false);
    expect(verifyLogtoSignature(KEY, BODY, sig.slice(1))).toBe(false);
    expect(verifyLogtoSignature(KEY, BODY, `${sig.slice(0, 63)}g`)).toBe(false);
  });

  it('matches the shape of every captured Logto header', () => {
    expect(captures.length).toBeGreaterThan(0);
    for (const capture of captures) {
      const index = capture.rawHeaders.indexOf('logto-signature-sha-256');
      expect(index, capture.file).toBeGreaterThanOrEqual(0);
      const header = capture.rawHeaders[index + 1];
      expect(header, capture.file).toMatch(/^[0-9a-f]{64}$/);
      // The captures do not include Logto's key, so only the format can be compared with Logto.
      expect(logtoSignature(KEY, capture.bodyRaw)).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});

describe('Standard Webhooks', () => {
  it('reproduces the public test vector', () => {
    const secretBytes = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    expect(secretBytes).toHaveLength(24);
    const msg = 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}';
    expect(`v1,${hmacSha256Base64(secretBytes, msg)}`).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('whsecOf is whsec_ + base64 of the key bytes', () => {
    expect(whsecOf('abc')).toBe('whsec_YWJj');
    expect(Buffer.from(whsecOf(KEY).slice('whsec_'.length), 'base64').toString('utf8')).toBe(KEY);
  });

  it('signs `${id}.${timestamp}.${body}` once per key, space-separated', () => {
    const input = { msgId: 'dlv_1', timestamp: 1_700_000_000, body: BODY };
    const one = standardWebhooksSignature({ keys: [KEY], ...input });
    const expected = createHmac('sha256', KEY).update(`dlv_1.1700000000.${BODY}`).digest('base64');
    expect(one).toBe(`v1,${expected}`);
    const two = standardWebhooksSignature({ keys: [KEY, 'old-key'], ...input });
    expect(two.split(' ')).toEqual([one, standardWebhooksSignature({ keys: ['old-key'], ...input })]);
  });

  it("skips empty keys and returns '' with none", () => {
    const input = { msgId: 'm', timestamp: 1, body: '{}' };
    expect(standardWebhooksSignature({ keys: [], ...input })).toBe('');
    expect(standardWebhooksSignature({ keys: ['', ''], ...input })).toBe('');
    expect(standardWebhooksSignature({ keys: ['', 'k'], ...input })).toBe(
      standardWebhooksSignature({ keys: ['k'], ...input }),
    );
  });

  it('rejects timestamps that are not whole unix seconds', () => {
    for (const timestamp of [1.5, -1, Number.NaN, Date.now() * 1000 ** 3]) {
      expect(() => standardWebhooksSignature({ keys: [KEY], msgId: 'm', timestamp, body: '' })).toThrow(
        RangeError,
      );
    }
  });

  it('is accepted by the standardwebhooks library with one key', () => {
    const headers = signatureHeaders({
      signingKey: KEY,
      msgId: 'dlv_abc',
      timestamp: nowSeconds(),
      body: BODY,
    });
    expect(new Webhook(whsecOf(KEY)).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('is accepted for each key during rotation, and rejected for an unrelated key', () => {
    const headers = signatureHeaders({
      signingKey: KEY,
      previousKeys: ['previous-key-0123456789abcdefghij'],
      msgId: 'dlv_abc',
      timestamp: nowSeconds(),
      body: BODY,
    });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => new Webhook(whsecOf(KEY)).verify(BODY, headers)).not.toThrow();
    expect(() =>
      new Webhook(whsecOf('previous-key-0123456789abcdefghij')).verify(BODY, headers),
    ).not.toThrow();
    expect(() => new Webhook(whsecOf('someone-else')).verify(BODY, headers)).toThrow();
  });

  it('fails verification outside the 5-minute window (replay protection)', () => {
    const headers = signatureHeaders({
      signingKey: KEY,
      msgId: 'm',
      timestamp: nowSeconds() - 600,
      body: BODY,
    });
    expect(() => new Webhook(whsecOf(KEY)).verify(BODY, headers)).toThrow(/timestamp/i);
  });
});

describe('signatureHeaders', () => {
  const input = { msgId: 'dlv_1', timestamp: 1_700_000_000, body: BODY };

  it('emits all four headers in wire order', () => {
    const headers = signatureHeaders({ signingKey: KEY, ...input });
    expect(Object.keys(headers)).toEqual([...SIGNATURE_HEADER_NAMES]);
    expect(headers).toEqual({
      'logto-signature-sha-256': logtoSignature(KEY, BODY),
      'webhook-id': 'dlv_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': standardWebhooksSignature({ keys: [KEY], ...input }),
    });
  });

  it('signs the Logto header with the new key only during rotation', () => {
    const headers = signatureHeaders({ signingKey: KEY, previousKeys: ['old'], ...input });
    expect(headers['logto-signature-sha-256']).toBe(logtoSignature(KEY, BODY));
  });

  it('omits the Logto header for an empty key, like Logto', () => {
    const headers = signatureHeaders({ signingKey: '', ...input });
    expect(headers).toEqual({ 'webhook-id': 'dlv_1', 'webhook-timestamp': '1700000000' });
  });

  it('still signs webhook-signature with previous keys when the current one is empty', () => {
    const headers = signatureHeaders({ signingKey: '', previousKeys: ['old'], ...input });
    expect(headers['logto-signature-sha-256']).toBeUndefined();
    expect(headers['webhook-signature']).toBe(standardWebhooksSignature({ keys: ['old'], ...input }));
  });
});
