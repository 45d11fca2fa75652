import { describe, expect, it } from 'vitest';
import { signatureHeaders, whsecOf } from '../../src/domain/signing.js';
import {
  InvalidHeadersError,
  InvalidPayloadError,
  MissingSignatureError,
  SignatureMismatchError,
  standardWebhooksSecret,
  TimestampOutOfToleranceError,
  verifyWebhook,
  WebhookVerificationError,
} from '../../packages/webhooks/src/index.js';

/**
 * verifyWebhook against the server's own signer (src/domain/signing.ts): header shapes, key
 * forms and every refusal. pack.test.ts runs the built package against real deliveries.
 */
const KEY = 'k3y0123456789abcdefghijklmnopqrs';
const OLD = 'old0123456789abcdefghijklmnopqrs';
const NOW = Date.parse('2026-12-02T12:00:00.000Z');
const body = JSON.stringify({ event: 'Role.Deleted', createdAt: '2026-12-02T12:00:00.000Z', hookId: 'h1' });
const signed = (options: { keys?: string[]; timestamp?: number; text?: string } = {}) => {
  const [current = KEY, ...previous] = options.keys ?? [KEY];
  return signatureHeaders({
    signingKey: current,
    previousKeys: previous,
    msgId: 'dlv_1',
    timestamp: options.timestamp ?? NOW / 1000,
    body: options.text ?? body,
  });
};
const now = () => NOW;

describe('verifyWebhook', () => {
  it('accepts the key, its whsec_ form, a Buffer body, Fetch Headers and array-valued Node headers', () => {
    const headers = signed();
    expect(verifyWebhook(body, headers, KEY, { now }).event).toBe('Role.Deleted');
    expect(verifyWebhook(Buffer.from(body), headers, whsecOf(KEY), { now }).event).toBe('Role.Deleted');
    expect(verifyWebhook(body, new Headers(headers), KEY, { now }).event).toBe('Role.Deleted');
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), [v]]));
    expect(verifyWebhook(body, upper, KEY, { now }).event).toBe('Role.Deleted');
    expect(standardWebhooksSecret(KEY)).toBe(whsecOf(KEY));
  });

  it('accepts any of several v1 signatures (rotation) and any of several keys', () => {
    const headers = signed({ keys: [KEY, OLD] });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verifyWebhook(body, headers, OLD, { now }).event).toBe('Role.Deleted');
    expect(verifyWebhook(body, signed(), ['wrong-key', KEY], { now }).event).toBe('Role.Deleted');
  });

  it('checks the Logto header alone when asked, or when it is the only one', () => {
    const { 'logto-signature-sha-256': logto } = signed();
    expect(verifyWebhook(body, { 'logto-signature-sha-256': logto }, KEY).event).toBe('Role.Deleted');
    expect(() => verifyWebhook(body, { 'logto-signature-sha-256': logto }, OLD)).toThrow(
      SignatureMismatchError,
    );
    const stale = signed({ timestamp: NOW / 1000 - 3600 });
    expect(verifyWebhook(body, stale, KEY, { now, scheme: 'logto' }).event).toBe('Role.Deleted');
  });

  it('refuses each kind of bad request with its typed error and status', () => {
    const cases: [() => unknown, new (...args: never[]) => WebhookVerificationError, number][] = [
      [() => verifyWebhook(body, {}, KEY, { now }), MissingSignatureError, 401],
      [
        () => verifyWebhook(body, signed(), KEY, { now, scheme: 'logto', toleranceSeconds: 1 }),
        WebhookVerificationError,
        200,
      ],
      [() => verifyWebhook(`${body} `, signed(), KEY, { now }), SignatureMismatchError, 401],
      [() => verifyWebhook(body, signed(), OLD, { now }), SignatureMismatchError, 401],
      [
        () => verifyWebhook(body, signed({ timestamp: NOW / 1000 - 301 }), KEY, { now }),
        TimestampOutOfToleranceError,
        401,
      ],
      [
        () => verifyWebhook(body, signed({ timestamp: NOW / 1000 + 301 }), KEY, { now }),
        TimestampOutOfToleranceError,
        401,
      ],
      [() => verifyWebhook(body, { ...signed(), 'webhook-id': '' }, KEY, { now }), InvalidHeadersError, 400],
      [
        () => verifyWebhook(body, { ...signed(), 'webhook-timestamp': '12.5' }, KEY, { now }),
        InvalidHeadersError,
        400,
      ],
      [
        () => verifyWebhook(body, { ...signed(), 'webhook-signature': 'v2,abc' }, KEY, { now }),
        SignatureMismatchError,
        401,
      ],
      [() => verifyWebhook(body, { 'logto-signature-sha-256': 'zz' }, KEY), SignatureMismatchError, 401],
      [() => verifyWebhook('[1]', signed({ text: '[1]' }), KEY, { now }), InvalidPayloadError, 400],
      [() => verifyWebhook('{"a":1}', signed({ text: '{"a":1}' }), KEY, { now }), InvalidPayloadError, 400],
    ];
    for (const [index, [run, type, status]] of cases.entries()) {
      if (status === 200) {
        expect(run, `case ${index}`).not.toThrow();
        continue;
      }
      let thrown: unknown;
      try {
        run();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `case ${index}`).toBeInstanceOf(type);
      expect((thrown as WebhookVerificationError).status, `case ${index}`).toBe(status);
    }
    expect(() => verifyWebhook(body, signed(), '')).toThrow(TypeError);
  });

  it('widens the window with toleranceSeconds', () => {
    const headers = signed({ timestamp: NOW / 1000 - 600 });
    expect(() => verifyWebhook(body, headers, KEY, { now })).toThrow(TimestampOutOfToleranceError);
    expect(verifyWebhook(body, headers, KEY, { now, toleranceSeconds: 900 }).event).toBe('Role.Deleted');
  });

  it('refuses options it cannot honour instead of verifying with another rule', () => {
    const headers = signed();
    for (const toleranceSeconds of [-1, Number.NaN, Number.POSITIVE_INFINITY, '300' as unknown as number]) {
      expect(
        () => verifyWebhook(body, headers, KEY, { now, toleranceSeconds }),
        String(toleranceSeconds),
      ).toThrow(/toleranceSeconds must be/);
    }
    expect(() => verifyWebhook(body, headers, KEY, { scheme: 'svix' as never })).toThrow(
      /scheme must be one of/,
    );
    expect(verifyWebhook(body, headers, KEY, { now, toleranceSeconds: 0 }).event).toBe('Role.Deleted');
  });
});
