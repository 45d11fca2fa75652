/**
 * Periodic housekeeping of the queue: re-queue deliveries whose lease expired (their node died or
 * hung: graphile's resetLockedAt), end the open deliveries of deleted hooks, and prune history
 * past the retention. Every statement is indexed and cheap, so every node may run it; running it
 * twice at once is harmless.
 */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { DeliveriesRepo } from '../storage/repos/deliveries.js';

const DAY_MS = 86_400_000;

export interface MaintenanceOptions {
  readonly deliveries: DeliveriesRepo;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retentionDays: number;
  /**
   * Attempts a delivery may use from its last resend: the first plus one per retry delay. A
   * re-queued lease whose attempts reach it ends `failed` (a delivery that kills its node).
   */
  readonly maxAttempts: number;
  /** Called when deliveries became due again, so the engine claims them now. */
  readonly onRequeued: () => void;
}

export function createMaintenance({
  deliveries,
  clock,
  logger,
  retentionDays,
  maxAttempts,
  onRequeued,
}: MaintenanceOptions) {
  return {
    /**
     * Re-queues expired leases and fails deliveries of deleted hooks. `reapAllLeases` re-queues
     * every lease regardless of expiry: right for a sole worker at start (SQLite), whose previous
     * process can no longer be sending, so its deliveries need not wait for their leases to run out.
     */
    async reap({ reapAllLeases = false } = {}): Promise<void> {
      try {
        const now = clock.now();
        const { requeued, failed, unparked } = await deliveries.reapExpiredLeases(now, maxAttempts, {
          expiredBefore: reapAllLeases ? Number.MAX_SAFE_INTEGER : now,
        });
        const orphaned = await deliveries.failDeliveriesOfMissingHooks(now);
        if (requeued > 0) logger.info({ requeued }, 're-queued deliveries whose lease had expired');
        if (failed > 0) {
          logger.warn(
            { failed, maxAttempts },
            'failed deliveries whose every attempt ended with its node stopping before a result was recorded',
          );
        }
        if (orphaned > 0) logger.info({ failed: orphaned }, 'failed open deliveries of deleted hooks');
        // Un-parked: perKey deliveries whose key's head ended without a recorded result.
        if (requeued > 0 || unparked > 0) onRequeued();
      } catch (error) {
        logger.error({ err: error }, 'delivery reaper failed; it runs again at the next interval');
      }
    },

    /** Deletes finished deliveries, their attempts and their events past the retention. */
    async prune(): Promise<void> {
      try {
        const pruned = await deliveries.pruneHistory(clock.now() - retentionDays * DAY_MS);
        if (pruned.deliveries + pruned.events > 0)
          logger.info({ ...pruned, retentionDays }, 'pruned delivery history');
      } catch (error) {
        logger.error({ err: error }, 'pruning delivery history failed; it runs again at the next interval');
      }
    },
  };
}
