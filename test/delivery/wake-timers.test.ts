import { afterEach, describe, expect, it } from 'vitest';
import { createWakeTimers } from '../../src/delivery/wake-timers.js';
import { createManualClock, systemClock, type Clock } from '../../src/shared/clock.js';
import { eventually } from '../helpers/builders.js';

describe('wake timers', () => {
  let stop = () => {};
  afterEach(() => stop());

  /** Started timers recording each wake-up at the clock's time; stopped after each test. */
  const start = (clock: Clock = systemClock) => {
    const wakes: number[] = [];
    const timers = createWakeTimers({ clock, onWake: () => wakes.push(clock.now()) });
    const idle = () => {};
    timers.start({
      pollMs: 60_000,
      maintenanceMs: 60_000,
      pruneMs: 60_000,
      onMaintenance: idle,
      onPrune: idle,
    });
    stop = () => timers.stop();
    return { timers, wakes };
  };

  it('wakes for every scheduled retry, not only the earliest', async () => {
    const { timers, wakes } = start();
    const now = Date.now();
    // Scheduled out of order, as attempts of different deliveries finish.
    timers.wakeAt(now + 60);
    timers.wakeAt(now + 20);
    timers.wakeAt(now + 100);
    await eventually(async () => (wakes.length >= 3 ? wakes : undefined), { timeoutMs: 2_000 });
    expect(wakes[0]).toBeGreaterThanOrEqual(now + 20);
    expect(wakes[1]).toBeGreaterThanOrEqual(now + 60);
    expect(wakes[2]).toBeGreaterThanOrEqual(now + 100);
  });

  it('never drops a retry due a few milliseconds after the one that woke it', async () => {
    const clock = createManualClock(1_000_000);
    const { timers, wakes } = start(clock);
    timers.wakeAt(1_000_020);
    timers.wakeAt(1_000_023);
    // The first wake-up happens at 1_000_021: a claim then cannot see the second retry as due.
    clock.set(1_000_021);
    await eventually(async () => (wakes.length >= 1 ? wakes : undefined), { timeoutMs: 2_000 });
    clock.set(1_000_023);
    await eventually(async () => (wakes.length >= 2 ? wakes : undefined), { timeoutMs: 2_000 });
    expect(wakes).toEqual([1_000_021, 1_000_023]);
  });

  it('coalesces retries due at the same moment into one wake-up, and stops cleanly', async () => {
    const { timers, wakes } = start();
    const at = Date.now() + 20;
    for (let i = 0; i < 50; i++) timers.wakeAt(at);
    timers.wakeAt(at + 1_000);
    await eventually(async () => (wakes.length >= 1 ? wakes : undefined), { timeoutMs: 2_000 });
    timers.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(wakes).toHaveLength(1);
  });
});
