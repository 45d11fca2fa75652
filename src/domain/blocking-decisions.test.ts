import { describe, expect, it } from 'vitest';
import {
  combineResults,
  DENY_MESSAGE_MAX_LENGTH,
  readDecision,
  recordedDecisionOf,
  RESERVED_CLAIMS,
  type CallResult,
} from './blocking-decisions.js';
import { hookConfigSchema, blockingSettingsOf } from './hooks.js';

const json = (value: unknown) => JSON.stringify(value);

describe('readDecision', () => {
  it('reads allow and deny for every blocking event', () => {
    for (const event of ['PreRegister', 'PreSignIn', 'PreTokenIssue'] as const) {
      expect(readDecision(event, 200, json({ decision: 'allow' }))).toEqual({
        ok: true,
        value: { decision: 'allow' },
      });
      expect(readDecision(event, 201, json({ decision: 'deny', message: 'No.' }))).toEqual({
        ok: true,
        value: { decision: 'deny', message: 'No.' },
      });
    }
  });

  it('accepts customData only on PreRegister and claims only on PreTokenIssue', () => {
    expect(
      readDecision('PreRegister', 200, json({ decision: 'allow', customData: { plan: 'pro' } })),
    ).toEqual({
      ok: true,
      value: { decision: 'allow', customData: { plan: 'pro' } },
    });
    expect(readDecision('PreTokenIssue', 200, json({ decision: 'allow', claims: { tenant: 't1' } }))).toEqual(
      {
        ok: true,
        value: { decision: 'allow', claims: { tenant: 't1' } },
      },
    );
    expect(readDecision('PreSignIn', 200, json({ decision: 'allow', customData: {} })).ok).toBe(false);
    expect(readDecision('PreRegister', 200, json({ decision: 'allow', claims: {} })).ok).toBe(false);
    expect(readDecision('PreRegister', 200, json({ decision: 'allow', customData: [1] })).ok).toBe(false);
    expect(readDecision('PreTokenIssue', 200, json({ decision: 'allow', claims: 'x' })).ok).toBe(false);
  });

  it('refuses reserved and standard claims, naming them', () => {
    for (const name of ['sub', 'scope', 'aud', 'email', 'roles', 'client_id']) {
      const reading = readDecision(
        'PreTokenIssue',
        200,
        json({ decision: 'allow', claims: { [name]: 'x' } }),
      );
      expect(reading).toEqual({ ok: false, error: expect.stringContaining(name) as string });
    }
    expect(RESERVED_CLAIMS.has('tenant')).toBe(false);
  });

  it('treats every other answer as a failure', () => {
    const failures: Array<[number, string]> = [
      [500, json({ decision: 'allow' })],
      [302, json({ decision: 'allow' })],
      [200, ''],
      [200, 'allow'],
      [200, json(['allow'])],
      [200, json(null)],
      [200, json({})],
      [200, json({ decision: 'ALLOW' })],
      [200, json({ decision: true })],
      [200, json({ decision: 'deny' })],
      [200, json({ decision: 'deny', message: '' })],
      [200, json({ decision: 'deny', message: 42 })],
      [200, json({ decision: 'deny', message: 'x'.repeat(DENY_MESSAGE_MAX_LENGTH + 1) })],
      [200, '{"decision":"allow"'],
    ];
    for (const [status, body] of failures) {
      expect(readDecision('PreRegister', status, body).ok, `${status} ${body.slice(0, 40)}`).toBe(false);
    }
  });

  it('ignores unknown keys beside a valid decision', () => {
    expect(readDecision('PreSignIn', 200, json({ decision: 'allow', reason: 'ok' })).ok).toBe(true);
  });
});

describe('combineResults', () => {
  const allow = (extra: object = {}): CallResult => ({
    kind: 'decided',
    decision: { decision: 'allow', ...extra },
  });
  const deny = (message: string): CallResult => ({
    kind: 'decided',
    decision: { decision: 'deny', message },
  });

  it('lets any deny win, with the first deny message', () => {
    expect(
      combineResults([allow(), deny('first'), { kind: 'failed', policy: 'closed' }, deny('second')]),
    ).toEqual({ outcome: 'deny', message: 'first' });
  });

  it('stops on a closed-policy failure and goes on past an open one', () => {
    expect(combineResults([allow(), { kind: 'failed', policy: 'closed' }])).toEqual({
      outcome: 'unavailable',
    });
    expect(combineResults([{ kind: 'failed', policy: 'open' }, allow({ customData: { a: 1 } })])).toEqual({
      outcome: 'allow',
      customData: { a: 1 },
      claims: {},
    });
  });

  it('merges customData and claims in the order given, later hooks overriding', () => {
    expect(
      combineResults([
        allow({ customData: { plan: 'free', a: 1 } }),
        allow({ customData: { plan: 'pro' } }),
        allow({ claims: { t: 1 } }),
        allow({ claims: { t: 2, u: 3 } }),
      ]),
    ).toEqual({ outcome: 'allow', customData: { plan: 'pro', a: 1 }, claims: { t: 2, u: 3 } });
    expect(combineResults([])).toEqual({ outcome: 'allow', customData: {}, claims: {} });
  });

  it('records what the policy made of a failure', () => {
    expect(recordedDecisionOf({ kind: 'failed', policy: 'open' })).toBe('skipped');
    expect(recordedDecisionOf({ kind: 'failed', policy: 'closed' })).toBe('unavailable');
    expect(recordedDecisionOf(deny('x'))).toBe('deny');
  });
});

describe('blocking settings in the hook config', () => {
  it('defaults to 2000 ms and the open policy, and bounds the timeout', () => {
    expect(blockingSettingsOf({})).toEqual({ timeoutMs: 2000, failurePolicy: 'open' });
    const parse = (config: object) =>
      hookConfigSchema.safeParse({ url: 'https://a.example', ...config }).success;
    expect(parse({ timeoutMs: 5000, failurePolicy: 'closed' })).toBe(true);
    expect(parse({ timeoutMs: 5001 })).toBe(false);
    expect(parse({ timeoutMs: 0 })).toBe(false);
    expect(parse({ timeoutMs: 1.5 })).toBe(false);
    expect(parse({ timeoutMs: '100' })).toBe(false);
    expect(parse({ failurePolicy: 'maybe' })).toBe(false);
  });
});
