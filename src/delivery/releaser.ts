/**
 * Hands leased deliveries back to the queue without sending them, batched into one statement per
 * event-loop turn: a lease too short to use, a request aborted at shutdown, the queue at shutdown.
 */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { DeliveriesRepo } from '../storage/repos/deliveries.js';

export interface ReleaserOptions {
  readonly deliveries: Pick<DeliveriesRepo, 'releaseLeases'>;
  readonly workerId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after a batch went back to the queue (it is due at once, so claim it again). */
  readonly onReleased: () => void;
}

export function createReleaser({ deliveries, workerId, clock, logger, onReleased }: ReleaserOptions) {
  const waiting = new Set<string>();
  let isScheduled = false;

  async function releaseNow(): Promise<void> {
    if (waiting.size === 0) return;
    const ids = [...waiting];
    waiting.clear();
    try {
      await deliveries.releaseLeases(ids, workerId, clock.now());
    } catch (error) {
      logger.warn(
        { err: error, count: ids.length },
        'releasing leases failed; they will expire and be reaped',
      );
    }
  }

  return {
    /** Queues a release for the end of this event-loop turn. */
    release(id: string): void {
      waiting.add(id);
      if (isScheduled) return;
      isScheduled = true;
      setImmediate(() => {
        isScheduled = false;
        void releaseNow().then(onReleased);
      });
    },
    /** Releases everything queued now (shutdown). */
    releaseNow,
  };
}
