/**
 * The engine's timers: the slow poll (safety net for missed wake-ups and retries scheduled by other
 * nodes), housekeeping intervals, and one timer for the earliest retry this node scheduled, so a
 * 5-second retry leaves after 5 seconds rather than at the next poll.
 */
import type { Clock } from '../shared/clock.js';

export interface TimerIntervals {
  readonly pollMs: number;
  readonly maintenanceMs: number;
  readonly pruneMs: number;
  readonly onMaintenance: () => void;
  readonly onPrune: () => void;
}

/** Node's timers may fire a millisecond before the wall clock reaches the due time. */
const EARLY_FIRE_MARGIN_MS = 2;

export function createWakeTimers({ clock, onWake }: { clock: Clock; onWake: () => void }) {
  let intervals: NodeJS.Timeout[] = [];
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt = Number.POSITIVE_INFINITY;
  let isActive = false;

  return {
    start({ pollMs, maintenanceMs, pruneMs, onMaintenance, onPrune }: TimerIntervals): void {
      isActive = true;
      intervals = [
        setInterval(onWake, pollMs),
        setInterval(onMaintenance, maintenanceMs),
        setInterval(onPrune, pruneMs),
      ];
    },
    /** Wakes the engine at `at` (epoch ms) unless an earlier wake-up is already set. */
    wakeAt(at: number): void {
      if (!isActive || at >= retryAt) return;
      if (retryTimer) clearTimeout(retryTimer);
      retryAt = at;
      retryTimer = setTimeout(
        () => {
          retryTimer = undefined;
          retryAt = Number.POSITIVE_INFINITY;
          onWake();
        },
        Math.max(0, at - clock.now()) + EARLY_FIRE_MARGIN_MS,
      );
    },
    stop(): void {
      isActive = false;
      intervals.forEach(clearInterval);
      intervals = [];
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      retryAt = Number.POSITIVE_INFINITY;
    },
  };
}
