/** The engine's state machine on its own: lifecycle moves and claim scheduling. */
import { describe, expect, it } from 'vitest';
import { createEngineState } from '../../src/delivery/engine-state.js';

const running = () => {
  const state = createEngineState();
  state.moveTo('starting');
  state.moveTo('running');
  return state;
};

describe('delivery engine state', () => {
  it('allows only the lifecycle moves of the diagram', () => {
    const state = createEngineState();
    expect(() => state.moveTo('running')).toThrow(/no transition from idle to running/);
    state.moveTo('starting');
    state.moveTo('stopping'); // stop() during start
    expect(() => state.moveTo('running')).toThrow(/stopping to running/);
    state.moveTo('idle');
    expect(state.lifecycle).toBe('idle');
  });

  it('claims only while running', () => {
    const state = createEngineState();
    expect(state.requestClaim()).toBe(false);
    expect(state.claim).toBe('none');
  });

  it('runs one claim loop at a time and one more pass for requests made meanwhile', () => {
    const state = running();
    expect(state.requestClaim()).toBe(true);
    expect(state.requestClaim()).toBe(false);
    expect(state.requestClaim()).toBe(false);
    expect(state.claim).toBe('claiming-again');
    expect(state.wantsAnotherPass).toBe(true);
    state.beginPass();
    expect(state.wantsAnotherPass).toBe(false);
    expect(state.finish()).toBe(false);
    expect(state.claim).toBe('none');
  });

  it('restarts a loop that ended just as a request arrived', () => {
    const state = running();
    state.requestClaim();
    state.requestClaim(); // after the loop's last check, before its finish
    expect(state.finish()).toBe(true);
    expect(state.requestClaim(), 'the caller starts the loop again').toBe(true);
    expect(state.claim).toBe('claiming');
  });

  it('a deferred claim waits for the recorder flush, even across claims started meanwhile', () => {
    const state = running();
    state.requestClaim();
    state.defer();
    expect(state.finish()).toBe(false);
    expect(state.claim).toBe('deferred');
    // A wake-up starts a claim (during a database outage it fails): the mark stays.
    expect(state.requestClaim()).toBe(true);
    expect(state.finish()).toBe(false);
    expect(state.claim).toBe('deferred');
    expect(state.resumeAfterFlush()).toBe(true);
    expect(state.resumeAfterFlush(), 'once').toBe(false);
    expect(state.claim).toBe('none');
  });

  it('stopping ends claim scheduling', () => {
    const state = running();
    state.requestClaim();
    state.requestClaim();
    state.moveTo('stopping');
    expect(state.wantsAnotherPass).toBe(false);
    expect(state.finish()).toBe(false);
    expect(state.requestClaim()).toBe(false);
  });
});
