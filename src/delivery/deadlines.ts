/**
 * Deadlines for outbound requests, shared: requests started within the same short window (and
 * under the same caller signal) share one AbortController and one timer, instead of each paying
 * for its own controller, timer and listener on the caller's signal (together ~5 % of a draining
 * worker's CPU). A request is aborted between `timeoutMs` and `timeoutMs + WINDOW_MS` after it
 * started: never early.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';

const WINDOW_MS = 10;

export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the shared timer fired: the abort, if any, was this timeout. */
  readonly timedOut: boolean;
}

interface Group {
  readonly controller: AbortController;
  readonly closesAt: number;
  timedOut: boolean;
}

export function createDeadlines(timeoutMs: number) {
  /** The group new requests join, per caller signal (undefined: none). */
  const current = new Map<AbortSignal | undefined, Group>();

  function open(parent: AbortSignal | undefined, now: number): Group {
    const group: Group = { controller: new AbortController(), closesAt: now + WINDOW_MS, timedOut: false };
    // Every request of the window listens to this one signal; dozens is the design, not a leak.
    setMaxListeners(0, group.controller.signal);
    const onParentAbort = () => group.controller.abort(parent?.reason);
    if (parent?.aborted) onParentAbort();
    else parent?.addEventListener('abort', onParentAbort, { once: true });
    // Unref'd: a finished request's deadline must not keep the process alive. Requests still in
    // flight keep it alive through their sockets.
    setTimeout(() => {
      group.timedOut = true;
      group.controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      parent?.removeEventListener('abort', onParentAbort);
      if (current.get(parent) === group) current.delete(parent);
    }, WINDOW_MS + timeoutMs).unref();
    current.set(parent, group);
    return group;
  }

  return {
    /** The deadline of a request starting now, aborted also when `parent` is. */
    start(parent?: AbortSignal): Deadline {
      const now = performance.now();
      const joined = current.get(parent);
      const group = joined && now < joined.closesAt ? joined : open(parent, now);
      return {
        signal: group.controller.signal,
        get timedOut() {
          return group.timedOut;
        },
      };
    },
  };
}
