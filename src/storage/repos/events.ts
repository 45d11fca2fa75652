import { CompiledQuery, sql } from 'kysely';
import type { Executor } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import type { NewEvent } from '../../domain/payloads.js';
import { newRecordId } from '../../shared/ids.js';
import type { LeaseOffer } from './deliveries-lease.js';
import { createOrderingPlaces, isPerKeyConfig, PARKED_AT, type Place } from './deliveries-ordering.js';
import { DELIVERY_CHANNEL, type ClaimedDelivery } from './deliveries-types.js';

export { DELIVERY_CHANNEL };

/*
 * The append path's statements, written once: one SQL text each, so they are prepared once (on
 * SQLite) and Kysely compiles nothing per event. The event row and the hook lookup exist for both
 * dialects (placeholders differ); the delivery insert is written out for SQLite only, where it
 * runs row by row: a multi-row insert changes its text with the number of hooks.
 */
const INSERT_EVENT = (p: (n: number) => string) =>
  `insert into "events" ("id", "type", "payload", "created_at") values (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`;
const SUBSCRIBED_HOOKS = (p: (n: number) => string) =>
  'select "hooks"."id", "hooks"."config", "hooks"."signing_key" as "signingKey", ' +
  '"hooks"."previous_signing_keys" as "previousSigningKeys" from "hook_subscriptions" ' +
  'inner join "hooks" on "hooks"."id" = "hook_subscriptions"."hook_id" ' +
  `where "hook_subscriptions"."event" = ${p(1)} and "hooks"."enabled" = ${p(2)} and "hooks"."tenant_id" = 'default'`;
const sqlitePlaceholder = () => '?';
const postgresPlaceholder = (n: number) => `$${n}`;
const INSERT_DELIVERY_SQLITE =
  'insert into "deliveries" ("id", "event_id", "hook_id", "event_type", "status", "attempts", ' +
  '"next_attempt_at", "locked_by", "locked_until", "created_at", "updated_at") ' +
  'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** The same for a perKey hook's keyed delivery, with its key and place last. */
const INSERT_KEYED_DELIVERY_SQLITE =
  'insert into "deliveries" ("id", "event_id", "hook_id", "event_type", "status", "attempts", ' +
  '"next_attempt_at", "locked_by", "locked_until", "created_at", "updated_at", "ordering_key", "ordering_seq") ' +
  'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

interface SubscribedHook {
  readonly id: string;
  readonly config: string;
  readonly signingKey: string;
  readonly previousSigningKeys: string;
}

export interface AppendedEvent {
  readonly eventId: string;
  /** Deliveries queued as pending, for any worker to claim. */
  readonly deliveryCount: number;
  /** Deliveries leased at insert to the local engine (see deliveries-lease.ts), ready to send. */
  readonly leased: ClaimedDelivery[];
}

/** An event's ordering key, or null (src/domain/ordering-keys.ts; given by the container). */
export type OrderingKeyOf = (type: string, payload: unknown) => string | null;

export function createEventsRepo(
  db: Executor,
  capabilities: Capabilities,
  orderingKeyOf: OrderingKeyOf = () => null,
) {
  const isSqlite = capabilities.name === 'sqlite';
  const placeholder = isSqlite ? sqlitePlaceholder : postgresPlaceholder;
  const insertEvent = INSERT_EVENT(placeholder);
  const subscribedHooks = SUBSCRIBED_HOOKS(placeholder);
  const places = createOrderingPlaces(capabilities);

  /**
   * The place of each hook's delivery: null unless the hook is perKey and the event has a key.
   * The key is locked once, before the first place is read, and stays locked to the commit.
   */
  async function placesOf(tx: Executor, event: NewEvent, hooks: readonly SubscribedHook[]) {
    const result = new Map<string, Place & { key: string }>();
    const keyed = hooks.filter((hook) => isPerKeyConfig(hook.config));
    const key = keyed.length > 0 ? orderingKeyOf(event.type, event.payload) : null;
    if (key === null) return result;
    await places.lockKey(tx, key);
    for (const hook of keyed) result.set(hook.id, { key, ...(await places.nextPlace(tx, hook.id, key)) });
    return result;
  }

  return {
    /**
     * Appends the event and one delivery per enabled hook subscribed to it, due now. Call it inside
     * the transaction that makes the change, so the change, its event and its deliveries commit or
     * roll back together.
     *
     * With `offer`, a delivery the local engine can take at once is inserted already leased to it
     * (`sending`, as a claim would leave it) and returned ready to send: no claim statement, no
     * wait for one. It is exactly as safe as a claimed one: if the process dies, the lease expires
     * and another claim takes it. The rest are `pending`; on PostgreSQL a NOTIFY (transactional,
     * heard only if the transaction commits) wakes the other nodes for them.
     */
    async appendEvent(
      tx: Executor,
      event: NewEvent,
      now: number,
      offer?: LeaseOffer,
    ): Promise<AppendedEvent> {
      const eventId = newRecordId('evt');
      const payload = JSON.stringify(event.payload);
      await tx.executeQuery(CompiledQuery.raw(insertEvent, [eventId, event.type, payload, now]));
      const hooks: readonly SubscribedHook[] = (
        await tx.executeQuery<SubscribedHook>(CompiledQuery.raw(subscribedHooks, [event.type, 1]))
      ).rows;
      if (hooks.length === 0) return { eventId, deliveryCount: 0, leased: [] };

      const placeOf = await placesOf(tx, event, hooks);
      const leased: ClaimedDelivery[] = [];
      const rows = hooks.map((hook) => {
        const id = newRecordId('dlv');
        const place = placeOf.get(hook.id);
        // A keyed delivery behind an open one of its key waits for its turn in the queue.
        const lease = place === undefined || place.isFirst ? offer?.(hook.id) : undefined;
        if (lease) {
          leased.push({
            id,
            hookId: hook.id,
            eventId,
            eventType: event.type,
            attempts: 0,
            retryBase: 0,
            lockedUntil: lease.lockedUntil,
            hookConfig: hook.config,
            signingKey: hook.signingKey,
            previousSigningKeys: hook.previousSigningKeys,
            payload,
            orderingKey: place?.key ?? null,
          });
        }
        // Key order is INSERT_DELIVERY_SQLITE's column order (its parameters are these values).
        return {
          id,
          eventId,
          hookId: hook.id,
          eventType: event.type,
          status: lease ? 'sending' : 'pending',
          // A lease counts its attempt, as a claim does (deliveries-claims.ts).
          attempts: lease ? 1 : 0,
          // Behind an open delivery of its key: parked until that one ends (deliveries-ordering.ts).
          nextAttemptAt: place?.isParked ? PARKED_AT : now,
          lockedBy: lease?.workerId ?? null,
          lockedUntil: lease?.lockedUntil ?? null,
          createdAt: now,
          updatedAt: now,
        };
      });
      if (isSqlite) {
        for (const row of rows) {
          const place = placeOf.get(row.hookId);
          await tx.executeQuery(
            place === undefined
              ? CompiledQuery.raw(INSERT_DELIVERY_SQLITE, Object.values(row))
              : CompiledQuery.raw(INSERT_KEYED_DELIVERY_SQLITE, [
                  ...Object.values(row),
                  place.key,
                  place.seq,
                ]),
          );
        }
      } else {
        await tx
          .insertInto('deliveries')
          .values(
            rows.map((row) => {
              const place = placeOf.get(row.hookId);
              return { ...row, orderingKey: place?.key ?? null, orderingSeq: place?.seq ?? null };
            }),
          )
          .execute();
      }
      const deliveryCount = rows.length - leased.length;
      if (deliveryCount > 0 && capabilities.listenNotify) {
        await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(tx);
      }
      return { eventId, deliveryCount, leased };
    },
  };
}

export type EventsRepo = ReturnType<typeof createEventsRepo>;
