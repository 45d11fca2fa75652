/**
 * Time is a dependency: services, repos and the delivery engine read it from here and pass it into
 * queries as a parameter (no `now()` in SQL), so tests control it and both dialects agree.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

/** A clock that only moves when told to, for tests of backoff, grace periods and retention. */
export function createManualClock(start = Date.parse('2026-01-01T00:00:00.000Z')): ManualClock {
  let current = start;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
