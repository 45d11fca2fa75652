import type { Db, Executor } from '../storage/db.js';
import type { LocalDelivery } from '../storage/repos/deliveries-lease.js';
import type { ClaimedDelivery } from '../storage/repos/deliveries-types.js';
import type { EventsRepo } from '../storage/repos/events.js';
import type { NewEvent } from '../domain/payloads.js';
import type { EventType } from '../domain/events.js';
import type { Clock } from '../shared/clock.js';
import { coerceError } from '../shared/coerce-error.js';

/** Appends an event inside the current transaction. */
export type Emit = (event: NewEvent) => Promise<void>;

export interface TransactionDeps {
  readonly db: Db;
  readonly events: EventsRepo;
  readonly clock: Clock;
  /** Called after a commit that queued pending deliveries: wakes this process's engine at once. */
  readonly onDeliveriesQueued: () => void;
  /** Called after a commit with the type of each event it appended (metrics). */
  readonly onEventsCommitted?: (types: readonly EventType[]) => void;
  /** When given, deliveries the local engine has room for are leased to it as they are inserted. */
  readonly localDelivery?: LocalDelivery;
}

export type RunInTransaction = <T>(work: (tx: Executor, emit: Emit) => Promise<T>) => Promise<T>;

/** PostgreSQL's "deadlock detected": the server rolled one transaction back to free the other. */
const DEADLOCK_CODE = '40P01';
/** Tries of a transaction that keeps being chosen as a deadlock's victim, the first included. */
const DEADLOCK_TRIES = 3;

const isDeadlock = (error: unknown) => coerceError(error).code === DEADLOCK_CODE;

/**
 * The one way services write: the change and the events it causes share a transaction, so an
 * event exists exactly when its change does. Nothing is sent before the commit: deliveries leased
 * to the local engine are handed to it after the commit, the others wait for a claim.
 *
 * A transaction PostgreSQL rolls back to break a deadlock is run again (issue 13 item 12: a hook
 * deleted while its deliveries were being recorded answered 500). That is safe because it was
 * rolled back whole and `work` writes only through `tx` and `emit`; every try starts afresh,
 * with its own reservation and its own list of appended events.
 */
export function createRunInTransaction({
  db,
  events,
  clock,
  onDeliveriesQueued,
  onEventsCommitted,
  localDelivery,
}: TransactionDeps): RunInTransaction {
  const runOnce = async <T>(work: (tx: Executor, emit: Emit) => Promise<T>): Promise<T> => {
    let queued = 0;
    const appended: EventType[] = [];
    const leased: ClaimedDelivery[] = [];
    const reservation = localDelivery?.reserve();
    let result: T;
    try {
      result = await db.transaction().execute((tx) =>
        work(tx, async (event) => {
          const outcome = await events.appendEvent(tx, event, clock.now(), reservation?.offer);
          queued += outcome.deliveryCount;
          leased.push(...outcome.leased);
          appended.push(event.type);
        }),
      );
    } catch (error) {
      reservation?.cancel();
      throw error;
    }
    reservation?.adopt(leased);
    if (queued > 0) onDeliveriesQueued();
    if (appended.length > 0) onEventsCommitted?.(appended);
    return result;
  };
  return async (work) => {
    for (let tries = 1; ; tries++) {
      try {
        return await runOnce(work);
      } catch (error) {
        if (tries >= DEADLOCK_TRIES || !isDeadlock(error)) throw error;
      }
    }
  };
}
