/**
 * Batches attempt results into one transaction per flush. better-sqlite3 runs every statement on
 * the event loop, and a commit costs far more than a row: recording deliveries one by one would
 * cap throughput at the commit rate and stall in-flight requests while it commits.
 *
 * A result that is not recorded is a request that went out and will be sent again once its lease
 * expires, so a failed write is retried rather than dropped: with growing pauses while the database
 * is unreachable or busy, until the batch's leases are surely gone. A write that fails for any
 * other reason (bad data) would fail again; its records are retried one by one instead, so one bad
 * record cannot take the rest of its batch down with it.
 */
import { isTransientDbError } from '../shared/coerce-error.js';
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
  /**
   * How long writes may keep failing on a transient error before the waiting results are given
   * up: the engine's lease, after which their deliveries are no longer this node's to complete.
   */
  readonly giveUpAfterMs: number;
  /** Called with every record once it is committed. */
  readonly onRecorded: (records: readonly AttemptRecord[]) => void;
}

/**
 * Pause before retrying a failed write, doubling per failure up to the maximum. The reliability
 * suite found the old fixed retry (five tries, 1 s apart) firing at once instead: a result added
 * meanwhile had armed the 5 ms flush timer, which the retry reused, so a database blip of a few
 * milliseconds dropped whole batches and every one of their deliveries was sent twice.
 */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

export function createRecorder(options: RecorderOptions) {
  const { deliveries, workerId, now, logger, flushDelayMs, flushSize, giveUpAfterMs, onRecorded } = options;
  let pending: AttemptRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  /**
   * Results in the write under way. Each leaves the count the moment its fate is known, before
   * `onRecorded` runs: the engine claims from there and must see the room the write just made.
   */
  let writing = 0;
  /** When the current run of failed writes began; undefined while writes succeed. */
  let failingSince: number | undefined;
  let retryDelayMs = RETRY_MIN_MS;

  const schedule = (delayMs: number) => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
  };

  async function writeBatch(batch: AttemptRecord[]): Promise<void> {
    let lostLeases: string[];
    try {
      ({ lostLeases } = await deliveries.recordAttempts(batch, workerId, now()));
    } catch (error) {
      return writeFailed(batch, error);
    }
    writing -= batch.length;
    failingSince = undefined;
    retryDelayMs = RETRY_MIN_MS;
    if (lostLeases.length > 0) {
      logger.warn(
        { deliveryIds: lostLeases },
        'attempt recorded after this node lost the lease; the delivery state was left to the node that holds it',
      );
    }
    onRecorded(batch);
  }

  async function writeFailed(batch: AttemptRecord[], error: unknown): Promise<void> {
    const isTransient = isTransientDbError(error);
    if (!isTransient && batch.length > 1) {
      for (const record of batch) await writeBatch([record]);
      return;
    }
    writing -= batch.length;
    if (!isTransient) {
      logger.error(
        { err: error, deliveryId: batch[0]?.deliveryId },
        'could not record an attempt; its lease will expire and the delivery will be retried',
      );
      return;
    }
    failingSince ??= now();
    if (now() - failingSince >= giveUpAfterMs) {
      logger.error(
        { err: error, deliveryIds: batch.map((r) => r.deliveryId) },
        'could not record attempts while their leases lasted; the deliveries will be retried. Check the database.',
      );
      failingSince = undefined;
    } else {
      logger.warn({ err: error, retryInMs: retryDelayMs }, 'recording attempts failed; retrying');
      pending = [...batch, ...pending];
    }
    // Replace a flush timer armed meanwhile: the retry must wait, not follow within milliseconds.
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0) schedule(retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, RETRY_MAX_MS);
  }

  /** Writes everything waiting now; concurrent calls run one after another. */
  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    flushing = flushing.then(async () => {
      // Flushes queued before a failure wait for the scheduled retry instead of hammering the database.
      if (pending.length === 0 || (failingSince !== undefined && timer)) return;
      const batch = pending;
      pending = [];
      writing += batch.length;
      await writeBatch(batch);
    });
    return flushing;
  }

  return {
    add(record: AttemptRecord): void {
      pending.push(record);
      if (failingSince !== undefined) return; // the scheduled retry writes everything waiting
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
    /** Results not committed yet: waiting, or in the write under way. */
    get unrecorded(): number {
      return pending.length + writing;
    },
  };
}

export type Recorder = ReturnType<typeof createRecorder>;
