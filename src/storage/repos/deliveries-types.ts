/**
 * The shapes the delivery queue hands between its repos and the engine, in a module of their own
 * so that the events repo (which inserts deliveries) and the deliveries repos share them without
 * importing each other.
 */

/** The channel nodes LISTEN on; a NOTIFY on it means "deliveries became due". */
export const DELIVERY_CHANNEL = 'idhooks_deliveries';

/** A delivery this node has leased, with everything needed to sign and send it. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly hookId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** Attempts made before this one (this one is already counted in the row: see claimDue). */
  readonly attempts: number;
  /** Attempts made before the last resend or recovery: the retry schedule counts from there. */
  readonly retryBase: number;
  readonly lockedUntil: number;
  /** The hook's `config` JSON (`{ url, headers?, retries? }`). */
  readonly hookConfig: string;
  readonly signingKey: string;
  /** `[{ key, expiresAt }]` JSON of keys still inside their rotation grace period. */
  readonly previousSigningKeys: string;
  /** The event payload JSON, without `hookId`. */
  readonly payload: string;
  /** Set for a perKey hook's keyed delivery: its key waits until this one is recorded final. */
  readonly orderingKey?: string | null;
}

export interface ClaimOptions {
  readonly now: number;
  /** Most deliveries to lease in this call. */
  readonly limit: number;
  /** Most deliveries of any one hook in this call, so one hook's backlog cannot fill the batch. */
  readonly perHookLimit: number;
  readonly workerId: string;
  readonly leaseUntil: number;
  /** Hooks this node is already saturating; their deliveries stay for later (or for other nodes). */
  readonly excludeHookIds?: readonly string[];
}

/** The outcome of one attempt, as the engine records it. */
export interface AttemptRecord {
  readonly deliveryId: string;
  readonly hookId: string;
  readonly eventType: string;
  /** This attempt's number, 1 for the first. */
  readonly attempt: number;
  readonly isSuccess: boolean;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly requestUrl: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly responseStatus?: number;
  readonly responseHeaders?: Readonly<Record<string, string>>;
  readonly responseBody?: string;
  readonly error?: string;
  /** The delivery's state after this attempt. */
  readonly status: 'succeeded' | 'pending' | 'failed';
  /** When the next attempt is due; only with status `pending`. */
  readonly nextAttemptAt: number | null;
}
