import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  type AttemptOutcome,
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  DELIVERY_STATUSES,
  canTransition,
  classifyResponse,
  isTerminalStatus,
  nextAttemptAt,
  parseRetryAfter,
  retryDelaySeconds,
  statusAfterAttempt,
} from './delivery.js';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const MID = () => 0.5; // jitter factor exactly 1
type Failure = Extract<AttemptOutcome, { ok: false }>;
const fail = (extra: Partial<Failure> = {}): Failure => ({
  ok: false,
  retryable: true,
  error: 'HTTP 500',
  status: 500,
  ...extra,
});
const delayOf = (input: Partial<Parameters<typeof retryDelaySeconds>[0]> = {}) =>
  retryDelaySeconds({ attempt: 1, outcome: fail(), random: MID, ...input });
const secondsUntil = (date: Date | null) => (date === null ? null : (date.getTime() - NOW.getTime()) / 1000);

describe('status machine', () => {
  it('has the four statuses', () => {
    expect(DELIVERY_STATUSES).toEqual(['pending', 'sending', 'succeeded', 'failed']);
  });

  it.each([
    ['pending', 'sending', true],
    ['pending', 'succeeded', false],
    ['pending', 'failed', false],
    ['sending', 'succeeded', true],
    ['sending', 'failed', true],
    ['sending', 'pending', true],
    ['succeeded', 'pending', true],
    ['succeeded', 'failed', false],
    ['failed', 'pending', true],
    ['failed', 'succeeded', false],
    ['failed', 'sending', false],
  ] as const)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  it('never allows a self-transition', () => {
    for (const s of DELIVERY_STATUSES) expect(canTransition(s, s)).toBe(false);
  });

  it('treats succeeded and failed as terminal', () => {
    expect(DELIVERY_STATUSES.filter(isTerminalStatus)).toEqual(['succeeded', 'failed']);
  });

  it('derives the status after an attempt', () => {
    expect(statusAfterAttempt({ ok: true, status: 200 }, null)).toBe('succeeded');
    expect(statusAfterAttempt(fail(), NOW)).toBe('pending');
    expect(statusAfterAttempt(fail(), null)).toBe('failed');
  });
});

describe('classifyResponse', () => {
  it.each([200, 201, 202, 204, 299])('%i is success', (status) => {
    expect(classifyResponse(status)).toEqual({ ok: true, status });
  });

  it('410 Gone is a failure that stops retries', () => {
    const outcome = classifyResponse(410, '5');
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 410 });
    expect(outcome.ok === false && outcome.error).toContain('410 Gone stops retries');
  });

  it.each([100, 199, 300, 301, 302, 304, 307, 308, 400, 401, 404, 408, 409, 429, 500, 502, 503, 504, 599])(
    '%i is a retryable failure',
    (status) => {
      expect(classifyResponse(status)).toEqual({
        ok: false,
        retryable: true,
        status,
        error: `HTTP ${status}`,
      });
    },
  );

  it('parses Retry-After delta-seconds and HTTP-date relative to now', () => {
    expect(classifyResponse(429, '120', NOW)).toMatchObject({ retryAfterSeconds: 120 });
    expect(classifyResponse(503, 'Thu, 01 Jan 2026 00:02:00 GMT', NOW)).toMatchObject({
      retryAfterSeconds: 120,
    });
    expect(classifyResponse(503, 'garbage', NOW)).not.toHaveProperty('retryAfterSeconds');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    [undefined, undefined],
    ['0', 0],
    ['7', 7],
    [' 30 ', 30],
    ['86400', 86400],
    ['', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['1e3', undefined],
    ['soon', undefined],
    ['99999999999999999999', undefined],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['Thu, 01 Jan 2026 00:00:30.5 GMT', 31], // rounds up: never before the stated instant
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0], // past date means now
  ])('%j → %j', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('retryDelaySeconds / nextAttemptAt', () => {
  it('uses the default schedule for every attempt, then gives up', () => {
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    DEFAULT_RETRY_SCHEDULE_SECONDS.forEach((base, index) => {
      const at = nextAttemptAt({ attempt: index + 1, outcome: fail(), now: NOW, random: MID });
      expect(secondsUntil(at)).toBe(base);
    });
    expect(nextAttemptAt({ attempt: 8, outcome: fail(), now: NOW, random: MID })).toBeNull();
    expect(nextAttemptAt({ attempt: 100, outcome: fail(), now: NOW, random: MID })).toBeNull();
  });

  it('returns null on success and on non-retryable failures', () => {
    expect(
      nextAttemptAt({ attempt: 1, outcome: { ok: true, status: 204 }, now: NOW, random: MID }),
    ).toBeNull();
    const gone = classifyResponse(410);
    expect(nextAttemptAt({ attempt: 1, outcome: gone, now: NOW, random: MID })).toBeNull();
    expect(delayOf({ outcome: fail({ retryable: false, status: undefined }) })).toBeNull();
  });

  it('rejects attempt numbers that are not positive integers', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) expect(() => delayOf({ attempt })).toThrow(RangeError);
  });

  it('rejects invalid schedules with a message naming the entry', () => {
    expect(() => delayOf({ scheduleSeconds: [5, -1] })).toThrow(/entry 1 is -1/);
    expect(() => delayOf({ scheduleSeconds: [Number.POSITIVE_INFINITY] })).toThrow(RangeError);
  });

  describe('jitter', () => {
    it('is -20 % with random = 0 and approaches +20 % as random → 1', () => {
      expect(delayOf({ attempt: 2, random: () => 0 })).toBe(240);
      expect(delayOf({ attempt: 2, random: () => 0.999999 })).toBeCloseTo(360, 3);
      expect(delayOf({ attempt: 2, random: () => 0.25 })).toBe(270);
    });

    it('clamps a misbehaving random() into [0, 1]', () => {
      expect(delayOf({ attempt: 2, random: () => -3 })).toBe(240);
      expect(delayOf({ attempt: 2, random: () => 7 })).toBeCloseTo(360, 9);
    });

    it('rounds the date to whole milliseconds', () => {
      // 5 s × (0.8 + 0.4 / 3) = 4666.66… ms
      const at = nextAttemptAt({ attempt: 1, outcome: fail(), now: NOW, random: () => 1 / 3 });
      expect(at?.getTime()).toBe(NOW.getTime() + 4667);
    });
  });

  describe('429 and timeouts wait at least 60 s', () => {
    it.each([
      ['429', fail({ status: 429, error: 'HTTP 429' })],
      ['timeout', fail({ status: undefined, isTimeout: true, error: 'timeout' })],
    ])('%s: early attempts are raised to 60 s even at the low end of jitter', (_name, outcome) => {
      expect(delayOf({ attempt: 1, outcome, random: () => 0 })).toBe(60);
      expect(delayOf({ attempt: 1, outcome, random: () => 0.999 })).toBe(60);
      // Later attempts are already longer: the floor does not change them.
      expect(delayOf({ attempt: 2, outcome, random: () => 0 })).toBe(240);
    });

    it('applies to a 429 with Retry-After too, after the clamp', () => {
      const outcome = fail({ status: 429, retryAfterSeconds: 8 });
      expect(delayOf({ attempt: 1, outcome })).toBe(60);
    });

    it('does not apply to other failures', () => {
      expect(delayOf({ attempt: 1, outcome: fail({ status: 503 }), random: () => 0 })).toBe(4);
      expect(delayOf({ attempt: 1, outcome: fail({ status: undefined, error: 'ECONNREFUSED' }) })).toBe(5);
    });
  });

  describe('Retry-After is clamped to [base, 2 × base] without jitter', () => {
    it.each([
      [0, 300],
      [299, 300],
      [300, 300],
      [450, 450],
      [600, 600],
      [601, 600],
      [86_400, 600],
    ])('attempt 2 (base 300) with Retry-After %i → %i', (retryAfterSeconds, expected) => {
      for (const r of [0, 0.5, 0.999]) {
        expect(
          delayOf({ attempt: 2, outcome: fail({ status: 503, retryAfterSeconds }), random: () => r }),
        ).toBe(expected);
      }
    });

    it('works end to end from an HTTP-date header', () => {
      const outcome = classifyResponse(503, 'Thu, 01 Jan 2026 00:07:00 GMT', NOW); // 420 s
      expect(secondsUntil(nextAttemptAt({ attempt: 2, outcome, now: NOW, random: () => 0 }))).toBe(420);
    });

    it('is ignored once the schedule is exhausted', () => {
      expect(delayOf({ attempt: 8, outcome: fail({ retryAfterSeconds: 10 }) })).toBeNull();
    });
  });

  describe('custom schedules', () => {
    it('an empty schedule means no retries', () => {
      expect(delayOf({ attempt: 1, scheduleSeconds: [] })).toBeNull();
    });

    it('follows a shorter or longer schedule', () => {
      expect(delayOf({ attempt: 1, scheduleSeconds: [1, 2] })).toBe(1);
      expect(delayOf({ attempt: 2, scheduleSeconds: [1, 2] })).toBe(2);
      expect(delayOf({ attempt: 3, scheduleSeconds: [1, 2] })).toBeNull();
      const long = Array.from({ length: 20 }, (_, i) => i + 10);
      expect(delayOf({ attempt: 20, scheduleSeconds: long })).toBe(29);
      expect(delayOf({ attempt: 21, scheduleSeconds: long })).toBeNull();
    });

    it('a zero entry retries immediately, never before now', () => {
      const at = nextAttemptAt({
        attempt: 1,
        outcome: fail(),
        now: NOW,
        random: () => 0,
        scheduleSeconds: [0],
      });
      expect(at?.getTime()).toBe(NOW.getTime());
    });
  });

  it('property: the delay stays within its bounds for any input', () => {
    const outcome = fc.record({
      status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
      retryAfterSeconds: fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined }),
      isTimeout: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 100_000 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 15 }),
        outcome,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (schedule, attempt, extra, r, nowMs) => {
          const now = new Date(nowMs);
          const o = fail(extra);
          const at = nextAttemptAt({ attempt, outcome: o, now, random: () => r, scheduleSeconds: schedule });
          const base = schedule[attempt - 1];
          if (base === undefined) return at === null;
          if (at === null) return false;
          const delay = (at.getTime() - nowMs) / 1000;
          const floor = o.status === 429 || o.isTimeout === true ? 60 : 0;
          const [low, high] = o.retryAfterSeconds === undefined ? [0.8 * base, 1.2 * base] : [base, 2 * base];
          // 1 ms of slack for the rounding to whole milliseconds.
          return (
            delay >= Math.max(floor, low) - 0.001 && delay <= Math.max(floor, high) + 0.001 && delay >= 0
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
