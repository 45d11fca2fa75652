/**
 * The engine's timers: the slow poll (safety net for missed wake-ups and retries scheduled by other
 * nodes), housekeeping intervals, and a timer for the retries this node scheduled, so a 5-second
 * retry leaves after 5 seconds rather than at the next poll.
 *
 * Every scheduled retry time is kept (a min-heap), not only the earliest: one timer fires for the
 * earliest, then re-arms for the next. Keeping only the earliest lost the later ones until the
 * poll, because a claim at the first time finds the others not yet due.
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
/** Beyond this many scheduled times the latest are left to the poll, bounding memory. */
const MAX_SCHEDULED = 100_000;

/** A binary min-heap of epoch-ms times. */
function createTimeHeap() {
  const heap: number[] = [];
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  return {
    get size(): number {
      return heap.length;
    },
    peek: (): number | undefined => heap[0],
    push(value: number): void {
      heap.push(value);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (heap[parent]! <= heap[i]!) break;
        swap(i, parent);
        i = parent;
      }
    },
    pop(): number | undefined {
      const top = heap[0];
      const last = heap.pop();
      if (heap.length > 0 && last !== undefined) {
        heap[0] = last;
        for (let i = 0; ;) {
          const [left, right] = [2 * i + 1, 2 * i + 2];
          let smallest = i;
          if (left < heap.length && heap[left]! < heap[smallest]!) smallest = left;
          if (right < heap.length && heap[right]! < heap[smallest]!) smallest = right;
          if (smallest === i) break;
          swap(i, smallest);
          i = smallest;
        }
      }
      return top;
    },
    clear: () => void heap.splice(0),
  };
}

export function createWakeTimers({ clock, onWake }: { clock: Clock; onWake: () => void }) {
  let intervals: NodeJS.Timeout[] = [];
  let retryTimer: NodeJS.Timeout | undefined;
  /** When `retryTimer` fires; +Infinity when it is not armed. */
  let armedAt = Number.POSITIVE_INFINITY;
  const scheduled = createTimeHeap();
  let isActive = false;

  function arm(): void {
    const next = scheduled.peek();
    if (next === undefined || next >= armedAt) return;
    if (retryTimer) clearTimeout(retryTimer);
    armedAt = next;
    retryTimer = setTimeout(fire, Math.max(0, next - clock.now()) + EARLY_FIRE_MARGIN_MS);
  }

  function fire(): void {
    retryTimer = undefined;
    armedAt = Number.POSITIVE_INFINITY;
    // Only times already reached: the claim this wake-up starts reads the same clock, so a time
    // even a millisecond ahead would not be due for it and must keep its own wake-up. Retries due
    // at the same moment still share this one.
    const now = clock.now();
    let isDue = false;
    while ((scheduled.peek() ?? Number.POSITIVE_INFINITY) <= now) {
      scheduled.pop();
      isDue = true;
    }
    // A timer that fired early only re-arms: waking the engine would claim nothing.
    if (isDue) onWake();
    arm();
  }

  return {
    start({ pollMs, maintenanceMs, pruneMs, onMaintenance, onPrune }: TimerIntervals): void {
      isActive = true;
      intervals = [
        setInterval(onWake, pollMs),
        setInterval(onMaintenance, maintenanceMs),
        setInterval(onPrune, pruneMs),
      ];
    },
    /** Wakes the engine at `at` (epoch ms), in addition to every wake-up already scheduled. */
    wakeAt(at: number): void {
      if (!isActive || scheduled.size >= MAX_SCHEDULED) return;
      scheduled.push(at);
      arm();
    },
    stop(): void {
      isActive = false;
      intervals.forEach(clearInterval);
      intervals = [];
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      armedAt = Number.POSITIVE_INFINITY;
      scheduled.clear();
    },
  };
}
