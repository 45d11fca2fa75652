import { AppError, notFoundById } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { DeliveriesRepo } from '../storage/repos/deliveries.js';
import type { HooksRepo } from '../storage/repos/hooks.js';
import type { DeliveryView, HookLogsService } from './hook-logs.js';
import type { RunInTransaction } from './transaction.js';

export interface RecoverRange {
  /** Epoch ms, inclusive: deliveries created at or after this. */
  readonly since: number;
  /** Epoch ms, inclusive. */
  readonly until: number;
}

export interface DeliveryReplayDeps {
  readonly hooks: Pick<HooksRepo, 'findHookById'>;
  readonly deliveries: Pick<DeliveriesRepo, 'resend' | 'recoverFailed'>;
  readonly hookLogs: Pick<HookLogsService, 'getDelivery'>;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
  /** Wakes this process's engine after a commit that made deliveries due. */
  readonly wake: () => void;
}

/**
 * Resend and recover (docs/compatibility.md#additions point 6): a finished or waiting delivery becomes due
 * now with a fresh retry schedule, and the engine sends it as the next attempt of the same
 * delivery, so `webhook-id` stays the same and the attempt joins the delivery's history.
 */
export function createDeliveryReplayService(deps: DeliveryReplayDeps) {
  const { hooks, deliveries, hookLogs, runInTransaction, clock, wake } = deps;

  /** The hook must exist and be enabled: a disabled hook's deliveries would only wait. */
  async function assertReplayable(hookId: string): Promise<void> {
    const hook = await hooks.findHookById(hookId);
    if (!hook) throw notFoundById('hook', hookId);
    if (!hook.enabled) throw new AppError('hook.disabled', { data: { hookId } });
  }

  return {
    /**
     * Resends one delivery, whatever its status except `sending`; answers with it, due now. The
     * record of a blocking call (an attempt with a decision) is refused: sending its payload again,
     * after the step it was to decide, would tell the receiver of a decision it never made.
     */
    async resend(hookId: string, deliveryId: string): Promise<DeliveryView> {
      await assertReplayable(hookId);
      const current = await hookLogs.getDelivery(hookId, deliveryId);
      if (current.attempts?.some((attempt) => attempt.decision !== undefined)) {
        throw new AppError('delivery.blocking_call', { data: { deliveryId } });
      }
      const result = await runInTransaction((tx) => deliveries.resend(hookId, deliveryId, clock.now(), tx));
      if (!result) throw notFoundById('delivery', deliveryId);
      if (!result.isReopened) throw new AppError('delivery.in_progress', { data: { deliveryId } });
      wake();
      return hookLogs.getDelivery(hookId, deliveryId);
    },

    /** Reopens every `failed` delivery of the hook created within the range; returns the count. */
    async recover(hookId: string, range: RecoverRange): Promise<{ recovered: number }> {
      if (range.since > range.until) {
        throw new AppError('log.invalid_time_window', { data: { since: range.since, until: range.until } });
      }
      await assertReplayable(hookId);
      const recovered = await runInTransaction((tx) =>
        deliveries.recoverFailed(hookId, range.since, range.until, clock.now(), tx),
      );
      if (recovered > 0) wake();
      return { recovered };
    },
  };
}

export type DeliveryReplayService = ReturnType<typeof createDeliveryReplayService>;
