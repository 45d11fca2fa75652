import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { HooksRepo } from '../storage/repos/hooks.js';
import { hasFailedForWindow, hookDisabledEvent } from '../domain/hook-health.js';
import type { RunInTransaction } from './transaction.js';

export interface HookHealthDeps {
  readonly hooks: Pick<HooksRepo, 'findFailingSince' | 'disableFailing'>;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
  readonly logger: Logger;
  /** config `IDHOOKS_HOOK_DISABLE_AFTER_SECONDS`; 0 turns the check off. */
  readonly disableAfterSeconds: number;
}

/**
 * Disables hooks that have failed every attempt for the configured window, each in a transaction
 * with its `Hook.Disabled` event, so subscribers learn of it exactly when it happens. Run by every
 * worker's housekeeping; the compare-and-set in the repo makes concurrent runs harmless.
 */
export function createHookHealthService({ hooks, runInTransaction, clock, logger, ...deps }: HookHealthDeps) {
  const windowMs = deps.disableAfterSeconds * 1000;

  return {
    /** Returns the ids of the hooks it disabled. */
    async disableFailingHooks(): Promise<string[]> {
      if (windowMs === 0) return [];
      const now = clock.now();
      const candidates = await hooks.findFailingSince(now - windowMs);
      const disabled: string[] = [];
      for (const hook of candidates) {
        const since = hook.failingSince;
        if (since === null || !hasFailedForWindow(hook, now, windowMs)) continue;
        const isDisabled = await runInTransaction(async (tx, emit) => {
          if (!(await hooks.disableFailing(hook.id, since, now, tx))) return false;
          await emit(hookDisabledEvent(hook, now, windowMs));
          return true;
        });
        if (!isDisabled) continue;
        disabled.push(hook.id);
        logger.warn(
          { hookId: hook.id, failingSince: hook.failingSince, lastFailureAt: hook.lastFailureAt },
          'hook disabled: every attempt failed for the whole window; enable it again once its endpoint works',
        );
      }
      return disabled;
    },
  };
}

export type HookHealthService = ReturnType<typeof createHookHealthService>;
