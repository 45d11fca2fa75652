/**
 * The delivery engine: claims due deliveries with a lease, sends them within per-hook and global
 * limits, records the attempts in batches and schedules retries (docs/architecture.md#events-and-delivery).
 *
 * Wake-ups, fastest first: `wake()` right after a local commit, a PostgreSQL NOTIFY from another
 * node, a timer for the earliest retry this node scheduled, and a slow poll as the safety net.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomString } from '../shared/ids.js';
import type { ClaimedDelivery } from '../storage/repos/deliveries.js';
import { attemptRecord, logAttempt, prepareRequest, sendPrepared, type RetryPolicy } from './attempt.js';
import { defaultTuning, type DeliveryEngineDeps, type EngineTuning } from './engine-options.js';
import { createEngineState } from './engine-state.js';
import { createMaintenance } from './maintenance.js';
import { createRecorder } from './recorder.js';
import { createReleaser } from './releaser.js';
import { createReservations, createSlots } from './slots.js';
import { createWakeTimers } from './wake-timers.js';

/** One claim leases at most this many rows, so a claim on SQLite never blocks the loop for long. */
const MAX_CLAIM_BATCH = 200;
/** Extra lease time beyond a request's timeout, covering the recording of its result. */
const LEASE_MARGIN_MS = 5_000;

export function createDeliveryEngine(deps: DeliveryEngineDeps) {
  const { deliveries, sender, config, clock, logger } = deps;
  const tuning: EngineTuning = { ...defaultTuning(config), ...deps.tuning };
  const workerId =
    deps.workerId ??
    `${hostname().slice(0, 32)}:${process.pid}:${randomString(6, 'abcdefghijklmnopqrstuvwxyz')}`;
  const policy: RetryPolicy = {
    scheduleSeconds: config.retryScheduleSeconds,
    random: deps.random ?? Math.random,
  };
  // The lease outlives two request timeouts, so a node never loses a delivery it is still sending;
  // a queued delivery with less than one timeout (plus margin) left is released, not sent.
  const leaseMs = config.timeoutMs * 2 + LEASE_MARGIN_MS;
  const minLeaseLeftMs = config.timeoutMs + LEASE_MARGIN_MS / 2;
  // After a completion, claim again only once this many slots are free: fewer, larger claims.
  const claimLowWater = Math.max(1, Math.floor(config.concurrency / 4));

  const slots = createSlots(config);
  const inFlight = new Map<string, Promise<void>>();
  /** Aborts every request in flight at shutdown: one signal for all, not a controller per request. */
  let stopSending = new AbortController();
  /** Keyed (perKey) deliveries sent and not yet recorded: their record frees their key. */
  const keyedSent = new Set<string>();
  // 'starting': re-queueing stale leases; claims wait until that is done, or a sole worker's
  // start-up reap could re-queue a delivery it has just claimed itself.
  const state = createEngineState();
  /** The claim loop in progress, awaited at shutdown. */
  let claiming: Promise<void> | undefined;
  /** Due work may exist that no claim has looked at (set by wake-ups, cleared by a complete claim). */
  let mayHaveMore = false;
  /** Hooks that may have more due work than this node holds: cut at the per-hook limit, or skipped. */
  const hooksWithMore = new Set<string>();
  /** Room promised to open transactions for deliveries leased at insert (see reserve()). */
  const reserved = createReservations();
  let stopping: Promise<void> | undefined;
  /** The housekeeping run in progress, awaited at shutdown so it never outlives the database. */
  let housekeeping: Promise<void> = Promise.resolve();
  const runHousekeeping = (task: () => Promise<void>) => {
    housekeeping = housekeeping
      .then(task)
      .catch((error: unknown) => logger.error({ err: error }, 'delivery housekeeping failed'));
  };

  const recorder = createRecorder({
    deliveries,
    workerId,
    now: () => clock.now(),
    logger,
    flushDelayMs: tuning.flushDelayMs,
    flushSize: tuning.flushSize,
    giveUpAfterMs: leaseMs,
    onRecorded: (records) => {
      let isKeyFreed = false;
      for (const record of records) {
        if (record.nextAttemptAt !== null) timers.wakeAt(record.nextAttemptAt);
        if (keyedSent.delete(record.deliveryId) && record.status !== 'pending') isKeyFreed = true;
      }
      // A perKey delivery recorded final lets the next one of its key be claimed, which no
      // earlier claim could see (deliveries-ordering.ts).
      const isResumed = state.resumeAfterFlush();
      if (isKeyFreed) wake();
      else if (isResumed) requestClaim();
    },
  });
  const maintenance = createMaintenance({
    deliveries,
    clock,
    logger,
    retentionDays: config.retentionDays,
    maxAttempts: config.retryScheduleSeconds.length + 1,
    onRequeued: () => wake(),
  });
  const timers = createWakeTimers({ clock, onWake: () => wake() });
  const checkHealth = async () => {
    try {
      await deps.checkHealth?.();
    } catch (error) {
      logger.error({ err: error }, 'endpoint health check failed; it runs again at the next interval');
    }
  };
  const releaser = createReleaser({ deliveries, workerId, clock, logger, onReleased: () => wake() });
  const releaseSoon = releaser.release;

  /** Skip the wake-up that follows adopt(): see coverLocalCommit(). */
  let localCommitCovered = false;

  /** When the claims began failing without a success since; readiness reports such a node. */
  let claimsFailingSince: number | undefined;

  function wake(): void {
    if (!state.isRunning) return;
    if (localCommitCovered) {
      localCommitCovered = false;
      return;
    }
    mayHaveMore = true;
    requestClaim();
  }

  function requestClaim(): void {
    if (!state.requestClaim()) return;
    claiming = claimLoop().finally(() => {
      claiming = undefined;
      if (state.finish()) requestClaim();
    });
  }

  /**
   * Claims until the slots are full or every due delivery has been seen. A claim that returns
   * fewer rows than asked, with no hook cut at its per-hook limit, has seen all due work except
   * that of saturated hooks; those are remembered in `hooksWithMore` and claimed for again as soon
   * as they drop below their cap, without rescanning the whole queue after every completion.
   */
  async function claimLoop(): Promise<void> {
    do {
      state.beginPass();
      // A sent but unrecorded result still holds its slot: its delivery stays leased until the
      // write commits, and a node killed now sends it again. Without this, sending outran
      // recording on PostgreSQL and thousands of results waited at once (the reliability suite's
      // crash scenario re-sent every one of them); now at most `concurrency` deliveries are
      // leased or unrecorded, and a slow database slows claiming instead. Room reserved for
      // deliveries leased at insert is not free either.
      const free = slots.free - recorder.unrecorded - reserved.total;
      const limit = Math.min(free, MAX_CLAIM_BATCH);
      if (limit <= 0) {
        if (slots.free > 0) state.defer();
        return;
      }
      const excluded = slots.saturatedHooks();
      const claimed = await claimSafely(limit, excluded);
      if (claimed === undefined) return;
      for (const delivery of claimed) slots.add(delivery);
      startReady();
      const cut = hooksAtLimit(claimed);
      excluded.forEach((hookId) => hooksWithMore.add(hookId));
      cut.forEach((hookId) => hooksWithMore.add(hookId));
      if (claimed.length === limit) {
        state.passAgain(); // the batch was full: more may be due now
      } else if (cut.size > 0) {
        // Rows of other hooks may sit behind the cut ones; those are saturated now, so the next
        // claim skips them. Only worth it when something may be due that we have not seen.
        if (mayHaveMore) state.passAgain();
      } else if (state.claim !== 'claiming-again') {
        // Complete: every hook this claim looked at has nothing more due.
        mayHaveMore = false;
        for (const hookId of hooksWithMore) if (!excluded.includes(hookId)) hooksWithMore.delete(hookId);
      }
    } while (state.wantsAnotherPass);
  }

  async function claimSafely(limit: number, excluded: string[]): Promise<ClaimedDelivery[] | undefined> {
    const now = clock.now();
    try {
      const claimed = await deliveries.claimDue({
        now,
        limit,
        perHookLimit: config.hookMaxInFlight,
        workerId,
        leaseUntil: now + leaseMs,
        excludeHookIds: excluded,
      });
      claimsFailingSince = undefined;
      return claimed;
    } catch (error) {
      claimsFailingSince ??= now;
      logger.error({ err: error }, 'claiming deliveries failed; retrying at the next poll');
      return undefined;
    }
  }

  function hooksAtLimit(claimed: readonly ClaimedDelivery[]): Set<string> {
    const counts = new Map<string, number>();
    for (const { hookId } of claimed) counts.set(hookId, (counts.get(hookId) ?? 0) + 1);
    return new Set(
      [...counts].filter(([, count]) => count >= config.hookMaxInFlight).map(([hookId]) => hookId),
    );
  }

  function startReady(): void {
    if (!state.isRunning) return;
    const now = clock.now();
    for (let delivery = slots.takeStartable(); delivery; delivery = slots.takeStartable()) {
      if (delivery.lockedUntil - now < minLeaseLeftMs) {
        slots.finish(delivery);
        releaseSoon(delivery.id);
        continue;
      }
      inFlight.set(delivery.id, attempt(delivery, stopSending.signal));
    }
  }

  async function attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    try {
      const startedAt = clock.now();
      const prepared = prepareRequest(delivery, startedAt);
      const result = await sendPrepared(sender, prepared, signal);
      if (signal.aborted) {
        // Stopped mid-request: whether the receiver got it is unknown, so the attempt is not
        // counted; the delivery goes back to the queue and is sent again (receivers de-duplicate
        // on webhook-id).
        releaseSoon(delivery.id);
        return;
      }
      const record = attemptRecord(delivery, prepared, result, startedAt, clock.now(), policy);
      if (delivery.orderingKey) keyedSent.add(delivery.id);
      logAttempt(logger, record);
      deps.onAttempt?.(record);
      recorder.add(record);
    } catch (error) {
      logger.error(
        { err: error, deliveryId: delivery.id, hookId: delivery.hookId },
        'unexpected error while delivering; the lease will expire and the delivery will be retried',
      );
    } finally {
      inFlight.delete(delivery.id);
      slots.finish(delivery);
      afterFinish(delivery.hookId);
    }
  }

  function afterFinish(hookId: string): void {
    startReady();
    // A hook with more due work can take some now that it is under its cap.
    const isHookFreed = hooksWithMore.has(hookId) && slots.heldBy(hookId) < config.hookMaxInFlight;
    if (isHookFreed || (mayHaveMore && slots.free >= claimLowWater)) requestClaim();
  }

  /**
   * A commit left deliveries pending for `hookIds`; when this node holds deliveries of each, their
   * next finish claims for the hook (afterFinish), so the commit needs no claim (under load each
   * API commit ran one that excluded the saturated hook and walked its whole queue to find nothing).
   */
  function coverLocalCommit(hookIds: readonly string[]): void {
    if (hookIds.length === 0 || !state.isRunning) return;
    if (state.claim === 'claiming' || state.claim === 'claiming-again') return; // it may predate the commit
    if (!hookIds.every((hookId) => slots.heldBy(hookId) > 0)) return;
    for (const hookId of hookIds) hooksWithMore.add(hookId);
    localCommitCovered = true;
    // The transaction wakes synchronously after adopt(); never let the mark reach a later wake-up.
    queueMicrotask(() => (localCommitCovered = false));
  }

  /**
   * Room for the deliveries a transaction is about to insert, so they can be leased to this node
   * at insert and sent right after the commit, without a claim. Never for a hook with due work
   * waiting (fresh events would overtake it); while other due work may be waiting, only beyond
   * the room a claim needs, so the queue keeps draining.
   */
  function reserve() {
    if (!state.isRunning) return undefined;
    const mine: string[] = [];
    /** Hooks of the deliveries left pending (declined), for adopt() to decide on the wake-up. */
    const declined: string[] = [];
    const decline = (hookId: string) => {
      declined.push(hookId);
      return undefined;
    };
    return {
      offer(hookId: string) {
        if (!state.isRunning) return undefined;
        if (hooksWithMore.has(hookId)) return decline(hookId);
        // While due work may wait in the queue, keep room for the claim that fetches it, so fresh
        // events cannot starve a backlog one freed slot at a time.
        const room = slots.free - recorder.unrecorded - reserved.total;
        if (room <= (mayHaveMore ? claimLowWater : 0)) return decline(hookId);
        if (slots.heldBy(hookId) + reserved.of(hookId) >= config.hookMaxInFlight) return decline(hookId);
        reserved.add(hookId);
        mine.push(hookId);
        return { workerId, lockedUntil: clock.now() + leaseMs };
      },
      adopt(leased: readonly ClaimedDelivery[]): void {
        reserved.release(mine.splice(0));
        coverLocalCommit(declined);
        if (leased.length === 0) return;
        if (!state.isRunning) {
          for (const delivery of leased) releaseSoon(delivery.id); // stopping: back to the queue
          return;
        }
        for (const delivery of leased) slots.add(delivery);
        startReady();
      },
      cancel(): void {
        reserved.release(mine.splice(0));
      },
    };
  }

  async function shutdown(): Promise<void> {
    state.moveTo('stopping');
    timers.stop();
    await deps.wakeups?.stop();
    await claiming;
    await housekeeping;
    for (const delivery of slots.takeAllQueued()) releaseSoon(delivery.id);
    const allDone = () => Promise.all(inFlight.values());
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, tuning.shutdownGraceMs)));
    await Promise.race([allDone(), grace]);
    clearTimeout(graceTimer);
    stopSending.abort(new Error('the delivery engine is stopping'));
    await allDone();
    await recorder.flush();
    recorder.dispose();
    await releaser.releaseNow();
    state.moveTo('idle');
    logger.info({ workerId }, 'delivery engine stopped');
  }

  return {
    workerId,
    /** True from start() until stop() has finished; tests assert nothing is left running. */
    get isRunning(): boolean {
      return state.lifecycle !== 'idle';
    },
    /** Set while this node's last claim failed (e.g. the queue's tables cannot be written). */
    get claimsFailingSince(): number | undefined {
      return claimsFailingSince;
    },
    /** Requests in flight on this node, per hook. */
    inFlightByHook: (): ReadonlyMap<string, number> => slots.inFlightByHook(),
    /** Deliveries held by this node (queued or in flight) and requests in flight. */
    get load(): { held: number; inFlight: number } {
      return { held: slots.held, inFlight: slots.inFlight };
    },
    async start(): Promise<void> {
      if (!state.is('idle')) return;
      state.moveTo('starting');
      if (stopSending.signal.aborted) stopSending = new AbortController();
      setMaxListeners(0, stopSending.signal); // every request in flight listens to it
      runHousekeeping(() => maintenance.reap({ reapAllLeases: deps.isSoleWorker === true }));
      await housekeeping;
      if (!state.is('starting')) return; // stop() was called meanwhile
      state.moveTo('running');
      await deps.wakeups?.start(wake);
      if (!state.isRunning) return;
      timers.start({
        pollMs: config.pollMs,
        maintenanceMs: tuning.maintenanceIntervalMs,
        pruneMs: tuning.pruneIntervalMs,
        onMaintenance: () =>
          runHousekeeping(async () => {
            await maintenance.reap();
            await checkHealth();
          }),
        onPrune: () => runHousekeeping(() => maintenance.prune()),
      });
      logger.info({ workerId, concurrency: config.concurrency }, 'delivery engine started');
      wake();
    },
    /** Claims due deliveries now; call after a commit that queued some. Ignored unless running. */
    wake,
    reserve,
    /** Stops claiming, lets in-flight requests finish (bounded), then hands back every lease held. */
    stop(): Promise<void> {
      if (state.lifecycle === 'idle') return Promise.resolve();
      stopping ??= shutdown().finally(() => {
        stopping = undefined;
      });
      return stopping;
    },
    /** Runs the lease reaper, the health check and retention pruning once (tests, operators). */
    async runMaintenance(): Promise<void> {
      runHousekeeping(async () => {
        await maintenance.reap();
        await checkHealth();
        await maintenance.prune();
      });
      await housekeeping;
    },
  };
}

export type DeliveryEngine = ReturnType<typeof createDeliveryEngine>;
export type { DeliveryEngineDeps, EngineTuning };
