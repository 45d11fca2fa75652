/**
 * Leases taken at insert: the contract between the transaction that appends an event and the
 * delivery engine of the same process. The engine implements {@link LocalDelivery}; the events
 * repo calls {@link LeaseOffer} per new delivery; services/transaction.ts only passes them along.
 */
import type { ClaimedDelivery } from './deliveries-types.js';

/** A lease the local delivery engine takes on a delivery as it is inserted. */
export interface LocalLease {
  readonly workerId: string;
  readonly lockedUntil: number;
}

/**
 * Offers each new delivery's hook to the local engine; a lease means the engine has room for it
 * now and has reserved that room, undefined leaves the delivery pending for a claim.
 */
export type LeaseOffer = (hookId: string) => LocalLease | undefined;

/** Room the local delivery engine holds for one transaction's deliveries. */
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
