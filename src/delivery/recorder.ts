/**
 * Batches attempt results into one transaction per flush. better-sqlite3 runs every statement on
 * the event loop, and a commit costs far more than a row: recording deliveries one by one would
 * cap throughput at the commit rate and stall in-flight requests while it commits.
 */
import type { Logger } from '../shared/logger.js';
import type { AttemptRecord, DeliveriesRepo } from '../storage/repos/deliveries.js';

export interface RecorderOptions {
  readonly deliveries: Pick<DeliveriesRepo, 'recordAttempts'>;
  readonly workerId: string;
  readonly now: () => number;
  readonly logger: Logger;
  /** Flush at most this long after the first unflushed result. */
  readonly flushDelayMs: number;
  /** Flush as soon as this many results wait. */
  readonly flushSize: number;
  /** Called with every record once it is committed. */
  readonly onRecorded: (records: readonly AttemptRecord[]) => void;
}

/** A batch that keeps failing is dropped after this many tries; the leases then expire and the reaper re-queues it. */
const MAX_FLUSH_TRIES = 5;
const RETRY_DELAY_MS = 1_000;

export function createRecorder(options: RecorderOptions) {
  const { deliveries, workerId, now, logger, flushDelayMs, flushSize, onRecorded } = options;
  let pending: AttemptRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let failures = 0;

  const schedule = (delayMs: number) => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
  };

  async function writeBatch(batch: AttemptRecord[]): Promise<void> {
    try {
      const { lostLeases } = await deliveries.recordAttempts(batch, workerId, now());
      failures = 0;
      if (lostLeases.length > 0) {
        logger.warn(
          { deliveryIds: lostLeases },
          'attempt recorded after this node lost the lease; the delivery state was left to the node that holds it',
        );
      }
      onRecorded(batch);
    } catch (error) {
      failures++;
      if (failures >= MAX_FLUSH_TRIES) {
        failures = 0;
        logger.error(
          { err: error, deliveryIds: batch.map((r) => r.deliveryId) },
          'could not record attempts; their leases will expire and the deliveries will be retried. Check the database.',
        );
        return;
      }
      logger.warn({ err: error, tries: failures }, 'recording attempts failed; retrying');
      pending = [...batch, ...pending];
      schedule(RETRY_DELAY_MS);
    }
  }

  /** Writes everything waiting now; concurrent calls run one after another. */
  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    flushing = flushing.then(async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await writeBatch(batch);
    });
    return flushing;
  }

  return {
    add(record: AttemptRecord): void {
      pending.push(record);
      if (pending.length >= flushSize) void flush();
      else schedule(flushDelayMs);
    },
    flush,
    /** Stops retry timers; call after the last flush at shutdown. */
    dispose(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    /** Results waiting to be written. */
    get size(): number {
      return pending.length;
    },
  };
}

export type Recorder = ReturnType<typeof createRecorder>;
