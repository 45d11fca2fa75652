import type { Db, Executor } from '../storage/db.js';
import type { ClaimedDelivery } from '../storage/repos/deliveries.js';
import type { EventsRepo, LeaseOffer } from '../storage/repos/events.js';
import type { NewEvent } from '../domain/payloads.js';
import type { EventType } from '../domain/events.js';
import type { Clock } from '../shared/clock.js';

/** Appends an event inside the current transaction. */
export type Emit = (event: NewEvent) => Promise<void>;

/** Room the local delivery engine holds for one transaction's deliveries (see `appendEvent`). */
export interface DeliveryReservation {
  readonly offer: LeaseOffer;
  /** After the commit: the deliveries leased through `offer`, to send now. */
  adopt(leased: readonly ClaimedDelivery[]): void;
  /** After a rollback: frees the room `offer` reserved. */
  cancel(): void;
}

/** The local delivery engine, as far as transactions see it. */
export interface LocalDelivery {
  /** A reservation, or undefined when no engine runs in this process. */
  reserve(): DeliveryReservation | undefined;
}

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

/**
 * The one way services write: the change and the events it causes share a transaction, so an
 * event exists exactly when its change does. Nothing is sent before the commit: deliveries leased
 * to the local engine are handed to it after the commit, the others wait for a claim.
 */
export function createRunInTransaction({
  db,
  events,
  clock,
  onDeliveriesQueued,
  onEventsCommitted,
  localDelivery,
}: TransactionDeps): RunInTransaction {
  return async (work) => {
    let queued = 0;
    const appended: EventType[] = [];
    const leased: ClaimedDelivery[] = [];
    const reservation = localDelivery?.reserve();
    let result: Awaited<ReturnType<typeof work>>;
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
}
