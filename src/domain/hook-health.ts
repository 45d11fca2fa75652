/**
 * Endpoint health (docs/compatibility.md#additions point 7): a hook whose attempts have all failed for a
 * whole window is disabled, and `Hook.Disabled` tells the hooks that subscribe to it.
 *
 * Pure: the repo keeps each hook's current run of failures (`failingSince` … `lastFailureAt`,
 * cleared by any success); this module decides and builds the event.
 */
import type { EventPayload } from './event-schemas.js';
import type { NewEvent } from './payloads.js';

/** 5 days, as svix: long enough to ride out a weekend outage, short enough to stop wasting work. */
export const DEFAULT_DISABLE_AFTER_SECONDS = 5 * 24 * 60 * 60;

export interface FailureRun {
  /** When the first failed attempt of the run finished, epoch ms; null when the hook is healthy. */
  readonly failingSince: number | null;
  /** When the latest failed attempt finished, epoch ms. */
  readonly lastFailureAt: number | null;
}

/**
 * True when failures span the whole window: the run began at least `windowMs` ago and attempts
 * kept failing until at least `windowMs` after it began. One old failure followed by silence is
 * not "failing for five days"; an endpoint that failed every attempt from Monday to Saturday is.
 */
export function hasFailedForWindow(run: FailureRun, now: number, windowMs: number): boolean {
  if (run.failingSince === null || run.lastFailureAt === null) return false;
  return run.failingSince <= now - windowMs && run.lastFailureAt - run.failingSince >= windowMs;
}

export interface DisabledHook extends FailureRun {
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

/**
 * The `Hook.Disabled` payload, in the shape of a data event (`event`, `createdAt`, `data`;
 * `hookId` of the receiving hook appended at send time). `data` names the disabled hook and the
 * failure run; never its signing key or custom headers, which may hold credentials.
 */
export function hookDisabledEvent(hook: DisabledHook, now: number, windowMs: number): NewEvent {
  return {
    type: 'Hook.Disabled',
    payload: {
      event: 'Hook.Disabled',
      createdAt: new Date(now).toISOString(),
      data: {
        id: hook.id,
        name: hook.name,
        url: hook.url,
        enabled: false,
        reason: 'failing',
        failingSince: hook.failingSince,
        lastFailureAt: hook.lastFailureAt,
        disableAfterSeconds: Math.round(windowMs / 1000),
      },
    } satisfies Omit<EventPayload<'Hook.Disabled'>, 'hookId'>,
  };
}
