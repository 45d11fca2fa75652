/**
 * The engine's local bookkeeping of leased deliveries: a global budget (every leased delivery,
 * queued or in flight, takes a slot) and a per-hook cap on requests in flight. A hook that hangs
 * holds at most its own cap of requests; its other leased deliveries wait in its own queue, and
 * hooks at the cap are left out of the next claim, so they never take slots from other hooks.
 */
import type { ClaimedDelivery } from '../storage/repos/deliveries.js';

interface HookState {
  inFlight: number;
  readonly queue: ClaimedDelivery[];
}

export interface SlotLimits {
  /** Leased deliveries this node holds at most (config.delivery.concurrency). */
  readonly concurrency: number;
  /** Requests in flight per hook at most (config.delivery.hookMaxInFlight). */
  readonly hookMaxInFlight: number;
}

export function createSlots({ concurrency, hookMaxInFlight }: SlotLimits) {
  const hooks = new Map<string, HookState>();
  /** Hooks with queued work, in arrival order; iterated round-robin so no hook starves another. */
  const ready = new Set<string>();
  let held = 0;
  let inFlight = 0;

  const stateOf = (hookId: string): HookState => {
    let state = hooks.get(hookId);
    if (!state) {
      state = { inFlight: 0, queue: [] };
      hooks.set(hookId, state);
    }
    return state;
  };
  const forget = (hookId: string, state: HookState) => {
    if (state.inFlight === 0 && state.queue.length === 0) hooks.delete(hookId);
  };

  return {
    /** Slots left for new claims. */
    get free(): number {
      return concurrency - held;
    },
    get inFlight(): number {
      return inFlight;
    },
    get held(): number {
      return held;
    },
    /** Deliveries this hook holds locally, queued or in flight. */
    heldBy(hookId: string): number {
      const state = hooks.get(hookId);
      return state ? state.inFlight + state.queue.length : 0;
    },
    /** Requests in flight per hook (hooks with none are left out). */
    inFlightByHook(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const [hookId, state] of hooks) if (state.inFlight > 0) counts.set(hookId, state.inFlight);
      return counts;
    },
    /** Hooks holding their cap or more: the next claim must skip them. */
    saturatedHooks(): string[] {
      return [...hooks].filter(([, s]) => s.inFlight + s.queue.length >= hookMaxInFlight).map(([id]) => id);
    },
    add(delivery: ClaimedDelivery): void {
      stateOf(delivery.hookId).queue.push(delivery);
      ready.add(delivery.hookId);
      held++;
    },
    /** Takes the next delivery that may start now (its hook is under the cap), or undefined. */
    takeStartable(): ClaimedDelivery | undefined {
      for (const hookId of ready) {
        const state = stateOf(hookId);
        ready.delete(hookId);
        if (state.inFlight >= hookMaxInFlight) continue; // re-added when one of its requests ends
        const delivery = state.queue.shift();
        if (!delivery) continue;
        state.inFlight++;
        inFlight++;
        if (state.queue.length > 0) ready.add(hookId); // to the back: round-robin
        return delivery;
      }
      return undefined;
    },
    /** A taken delivery is done (sent, released or abandoned): frees its slot and its hook's. */
    finish(delivery: ClaimedDelivery): void {
      const state = stateOf(delivery.hookId);
      state.inFlight--;
      inFlight--;
      held--;
      if (state.queue.length > 0) ready.add(delivery.hookId);
      forget(delivery.hookId, state);
    },
    /** Removes and returns every queued (not started) delivery, for release at shutdown. */
    takeAllQueued(): ClaimedDelivery[] {
      const all: ClaimedDelivery[] = [];
      for (const [hookId, state] of hooks) {
        all.push(...state.queue.splice(0));
        forget(hookId, state);
      }
      ready.clear();
      held -= all.length;
      return all;
    },
  };
}

export type Slots = ReturnType<typeof createSlots>;

/**
 * Room promised to open transactions for deliveries they may lease at insert: counted against the
 * free slots until the transaction adopts its leases or gives them up.
 */
export function createReservations() {
  let total = 0;
  const byHook = new Map<string, number>();
  return {
    get total(): number {
      return total;
    },
    of: (hookId: string): number => byHook.get(hookId) ?? 0,
    add(hookId: string): void {
      total++;
      byHook.set(hookId, (byHook.get(hookId) ?? 0) + 1);
    },
    release(hookIds: readonly string[]): void {
      for (const hookId of hookIds) {
        total--;
        const left = (byHook.get(hookId) ?? 1) - 1;
        if (left > 0) byHook.set(hookId, left);
        else byHook.delete(hookId);
      }
    },
  };
}
