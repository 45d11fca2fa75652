import type { Db, Executor } from '../storage/db.js';
import type { EventsRepo } from '../storage/repos/events.js';
import type { NewEvent } from '../domain/payloads.js';
import type { EventType } from '../domain/events.js';
import type { Clock } from '../shared/clock.js';

/** Appends an event inside the current transaction. */
export type Emit = (event: NewEvent) => Promise<void>;

export interface TransactionDeps {
  readonly db: Db;
  readonly events: EventsRepo;
  readonly clock: Clock;
  /** Called after a commit that queued deliveries: wakes this process's delivery engine at once. */
  readonly onDeliveriesQueued: () => void;
  /** Called after a commit with the type of each event it appended (metrics). */
  readonly onEventsCommitted?: (types: readonly EventType[]) => void;
}

export type RunInTransaction = <T>(work: (tx: Executor, emit: Emit) => Promise<T>) => Promise<T>;

/**
 * The one way services write: the change and the events it causes share a transaction, so an
 * event exists exactly when its change does. Nothing is sent from here; the delivery engine picks
 * the committed deliveries up.
 */
export function createRunInTransaction({
  db,
  events,
  clock,
  onDeliveriesQueued,
  onEventsCommitted,
}: TransactionDeps): RunInTransaction {
  return async (work) => {
    let queued = 0;
    const appended: EventType[] = [];
    const result = await db.transaction().execute((tx) =>
      work(tx, async (event) => {
        queued += (await events.appendEvent(tx, event, clock.now())).deliveryCount;
        appended.push(event.type);
      }),
    );
    if (queued > 0) onDeliveriesQueued();
    if (appended.length > 0) onEventsCommitted?.(appended);
    return result;
  };
}
