/** What the delivery engine is built from, and its tuning knobs with their defaults. */
import type { Config } from '../config/index.js';
import type { WebhookSender } from '../domain/outbound.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { AttemptRecord, DeliveriesRepo } from '../storage/repos/deliveries.js';
import type { WakeupSource } from './pg-listener.js';

export interface EngineTuning {
  /** Results wait at most this long before their batch is written. @defaultValue 5 */
  readonly flushDelayMs: number;
  /** A batch is written as soon as it has this many results. @defaultValue 100 */
  readonly flushSize: number;
  /** Lease reaper (and health check) interval. @defaultValue half a lease, at most 30 s */
  readonly maintenanceIntervalMs: number;
  /** Retention pruning interval. @defaultValue 3_600_000 */
  readonly pruneIntervalMs: number;
  /** How long stop() lets in-flight requests finish before aborting them. @defaultValue timeout + 1 s */
  readonly shutdownGraceMs: number;
}

export interface DeliveryEngineDeps {
  readonly deliveries: DeliveriesRepo;
  readonly sender: WebhookSender;
  readonly config: Config['delivery'];
  readonly clock: Clock;
  readonly logger: Logger;
  /** @defaultValue Math.random */
  readonly random?: () => number;
  /** Identifies this node's leases. @defaultValue host:pid:random */
  readonly workerId?: string;
  /** Cross-node wake-ups (PostgreSQL LISTEN). */
  readonly wakeups?: WakeupSource;
  /** No other node can hold leases (SQLite's single worker), so all leases are stale at start. */
  readonly isSoleWorker?: boolean;
  /**
   * Endpoint health, run with each housekeeping pass (the container passes the hook-health
   * service: disabling a hook emits an event, which is the services' business, not the engine's).
   */
  readonly checkHealth?: () => Promise<unknown>;
  /** Told of every attempt once it is made, before it is recorded (metrics). */
  readonly onAttempt?: (record: AttemptRecord) => void;
  readonly tuning?: Partial<EngineTuning>;
}

/** Defaults of {@link EngineTuning}; tests shorten some of them. */
export const defaultTuning = (config: Config['delivery']): EngineTuning => ({
  flushDelayMs: 5,
  flushSize: 100,
  // Half a lease (2 × timeout + 5 s): a dead node's deliveries are back in the queue at most one
  // and a half leases after its last claim.
  maintenanceIntervalMs: Math.min(30_000, config.timeoutMs + 2_500),
  pruneIntervalMs: 3_600_000,
  shutdownGraceMs: config.timeoutMs + 1_000,
});
