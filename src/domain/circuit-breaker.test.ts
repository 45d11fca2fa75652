import { describe, expect, it } from 'vitest';
import { admit, CIRCUIT_POLICY, CLOSED, recordResult, type CircuitState } from './circuit-breaker.js';

const fail = (state: CircuitState, now: number, isTrial = false) =>
  recordResult(state, { ok: false, isTrial }, now);

describe('circuit breaker', () => {
  it('opens after 5 consecutive failures within 60 s, then skips calls for 30 s', () => {
    let state: CircuitState = CLOSED;
    for (let i = 0; i < 4; i++) {
      const next = fail(state, 1000 + i * 1000);
      expect(next.transition).toBeUndefined();
      state = next.state;
    }
    const opened = fail(state, 10_000);
    expect(opened.transition).toBe('opened');
    expect(admit(opened.state, 10_000 + CIRCUIT_POLICY.openForMs - 1).call).toBe(false);
  });

  it('does not count a success-broken run or failures spread past the window', () => {
    let state: CircuitState = CLOSED;
    for (let i = 0; i < 4; i++) state = fail(state, i).state;
    state = recordResult(state, { ok: true, isTrial: false }, 5).state;
    expect(fail(state, 6).transition).toBeUndefined();
    state = CLOSED;
    for (let i = 0; i < 4; i++) state = fail(state, i * 1000).state;
    // The fifth failure comes 61 s after the first: a new run starts.
    const late = fail(state, 61_000);
    expect(late.transition).toBeUndefined();
    expect(late.state).toEqual({ phase: 'closed', failures: 1, firstFailureAt: 61_000 });
  });

  it('lets one trial through after 30 s: success closes, failure reopens', () => {
    const open: CircuitState = { phase: 'open', openedAt: 0 };
    const trial = admit(open, CIRCUIT_POLICY.openForMs);
    expect(trial).toMatchObject({ call: true, isTrial: true, state: { phase: 'halfOpen' } });
    // While the trial is out, others are skipped.
    expect(admit(trial.state, CIRCUIT_POLICY.openForMs + 1).call).toBe(false);
    // A late result of a call admitted before the breaker opened changes nothing.
    expect(recordResult(trial.state, { ok: true, isTrial: false }, 1).state).toBe(trial.state);
    expect(recordResult(trial.state, { ok: true, isTrial: true }, 2)).toEqual({
      state: CLOSED,
      transition: 'closed',
    });
    const reopened = fail(trial.state, 40_000, true);
    expect(reopened).toEqual({ state: { phase: 'open', openedAt: 40_000 }, transition: undefined });
    expect(admit(reopened.state, 40_000 + CIRCUIT_POLICY.openForMs - 1).call).toBe(false);
  });
});
