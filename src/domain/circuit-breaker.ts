/**
 * The circuit breaker of one blocking hook (docs/blocking-hooks.md), as a pure state machine: the
 * service keeps one state per hook and the time comes from its clock.
 *
 * closed → (5 consecutive failures within 60 s) → open → (30 s) → half-open, one trial call →
 * closed on success, open again on failure. While open, and while the trial is in flight, calls are
 * skipped and the hook's failure policy applies at once.
 */

export const CIRCUIT_POLICY = Object.freeze({
  failureThreshold: 5,
  failureWindowMs: 60_000,
  openForMs: 30_000,
});

export type CircuitPolicy = typeof CIRCUIT_POLICY;

export type CircuitState =
  | { readonly phase: 'closed'; readonly failures: number; readonly firstFailureAt: number | null }
  | { readonly phase: 'open'; readonly openedAt: number }
  | { readonly phase: 'halfOpen'; readonly openedAt: number };

export const CLOSED: CircuitState = Object.freeze({ phase: 'closed', failures: 0, firstFailureAt: null });

export interface Admission {
  /** True when the call is made; false when it is skipped (policy applies without a call). */
  readonly call: boolean;
  /** True when this call is the half-open trial. */
  readonly isTrial: boolean;
  readonly state: CircuitState;
}

/** Whether a call may go out now, and the state after asking. */
export function admit(state: CircuitState, now: number, policy: CircuitPolicy = CIRCUIT_POLICY): Admission {
  if (state.phase === 'closed') return { call: true, isTrial: false, state };
  if (state.phase === 'open' && now - state.openedAt >= policy.openForMs) {
    return { call: true, isTrial: true, state: { phase: 'halfOpen', openedAt: state.openedAt } };
  }
  return { call: false, isTrial: false, state };
}

export type CircuitTransition = 'opened' | 'closed' | undefined;

/**
 * The state after a call finished. Only the trial's result moves a half-open breaker; results of
 * calls admitted before it opened do not reopen or close it.
 */
export function recordResult(
  state: CircuitState,
  result: { readonly ok: boolean; readonly isTrial: boolean },
  now: number,
  policy: CircuitPolicy = CIRCUIT_POLICY,
): { state: CircuitState; transition: CircuitTransition } {
  if (state.phase === 'halfOpen') {
    if (!result.isTrial) return { state, transition: undefined };
    return result.ok
      ? { state: CLOSED, transition: 'closed' }
      : { state: { phase: 'open', openedAt: now }, transition: undefined };
  }
  if (state.phase === 'open') return { state, transition: undefined };
  if (result.ok) return { state: CLOSED, transition: undefined };
  const isRunFresh = state.firstFailureAt !== null && now - state.firstFailureAt <= policy.failureWindowMs;
  const failures = isRunFresh ? state.failures + 1 : 1;
  const firstFailureAt = isRunFresh ? state.firstFailureAt : now;
  if (failures >= policy.failureThreshold) {
    return { state: { phase: 'open', openedAt: now }, transition: 'opened' };
  }
  return { state: { phase: 'closed', failures, firstFailureAt }, transition: undefined };
}
