/**
 * Prometheus metrics (README "Operating idhooks"). One registry per container, so tests that build
 * several containers never share counters. Counters and the histogram are this process's; the
 * queue gauges are read from the database at scrape time and so are the same on every node.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The queue as the database sees it at one instant. */
export interface QueueStats {
  /** Deliveries waiting for their first attempt or a retry. */
  readonly pending: number;
  /** Deliveries leased by a node that is sending them. */
  readonly sending: number;
  /** The `nextAttemptAt` of the oldest delivery that is due now, epoch ms; null when none is. */
  readonly oldestDueAt: number | null;
}

export interface MetricsSources {
  readonly queueStats: (now: number) => Promise<QueueStats>;
  /** Requests in flight per hook on this node (empty where no engine runs). */
  readonly inFlightByHook: () => ReadonlyMap<string, number>;
  readonly now: () => number;
}

/** What became of a delivery after an attempt: done, retried later, or failed for good. */
export type AttemptOutcomeLabel = 'succeeded' | 'retrying' | 'failed';

/** Request durations from a few ms (a receiver on the same network) up to the 120 s timeout cap. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Blocking calls wait at most 5 s, and a healthy receiver answers in milliseconds. */
const BLOCKING_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

export function createMetrics(options: { processMetrics: boolean }) {
  const registry = new Registry();
  // Only the real server collects process metrics: they install GC and event-loop observers that
  // have no off switch, which tests building many containers must not pile up.
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'idhooks_' });
  const registers = [registry];

  const eventsAppended = new Counter({
    name: 'idhooks_events_appended_total',
    help: 'Events committed by this process, by event type.',
    labelNames: ['event'] as const,
    registers,
  });
  const attempts = new Counter({
    name: 'idhooks_delivery_attempts_total',
    help: 'Delivery attempts made by this process, by what became of the delivery: succeeded, retrying (another attempt is scheduled) or failed (no attempt left).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const attemptDuration = new Histogram({
    name: 'idhooks_delivery_attempt_duration_seconds',
    help: 'Duration of delivery requests made by this process, from connect to the end of the response.',
    buckets: DURATION_BUCKETS_SECONDS,
    registers,
  });
  const pending = new Gauge({
    name: 'idhooks_deliveries_pending',
    help: 'Deliveries waiting for an attempt (first or retry), in the whole database.',
    registers,
  });
  const sending = new Gauge({
    name: 'idhooks_deliveries_sending',
    help: 'Deliveries leased by a node that is sending them, in the whole database.',
    registers,
  });
  const oldestDueAge = new Gauge({
    name: 'idhooks_oldest_due_delivery_age_seconds',
    help: 'How long the oldest due delivery of an enabled hook has been due; 0 when none is. A growing value means workers fall behind.',
    registers,
  });
  const inFlight = new Gauge({
    name: 'idhooks_hook_in_flight_requests',
    help: 'Delivery requests in flight on this process, per hook.',
    labelNames: ['hook_id'] as const,
    registers,
  });

  const blockingCalls = new Counter({
    name: 'idhooks_blocking_calls_total',
    help: 'Blocking hook calls by this process, by event and outcome: allow, deny, failure (timeout, network, refused, bad answer) or circuit_open (skipped without a call).',
    labelNames: ['event', 'outcome'] as const,
    registers,
  });
  const blockingDuration = new Histogram({
    name: 'idhooks_blocking_call_duration_seconds',
    help: 'Time a flow waited for one blocking hook call, by event (calls skipped by an open circuit are not observed).',
    labelNames: ['event'] as const,
    buckets: BLOCKING_BUCKETS_SECONDS,
    registers,
  });

  let sources: MetricsSources | undefined;

  return {
    contentType: registry.contentType,
    /** Connects the scrape-time readings; the container calls it once the engine exists. */
    setSources(next: MetricsSources): void {
      sources = next;
    },
    eventAppended(type: string): void {
      eventsAppended.inc({ event: type });
    },
    attemptFinished(outcome: AttemptOutcomeLabel, durationMs: number): void {
      attempts.inc({ outcome });
      attemptDuration.observe(durationMs / 1000);
    },
    blockingCall(event: string, outcome: string, durationMs: number): void {
      blockingCalls.inc({ event, outcome });
      if (outcome !== 'circuit_open') blockingDuration.observe({ event }, durationMs / 1000);
    },
    /** The exposition text, with the gauges read now. */
    async render(): Promise<string> {
      if (sources) {
        const now = sources.now();
        const stats = await sources.queueStats(now);
        pending.set(stats.pending);
        sending.set(stats.sending);
        oldestDueAge.set(stats.oldestDueAt === null ? 0 : Math.max(0, (now - stats.oldestDueAt) / 1000));
        inFlight.reset();
        for (const [hookId, count] of sources.inFlightByHook()) inFlight.set({ hook_id: hookId }, count);
      }
      return registry.metrics();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
