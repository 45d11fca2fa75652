import { sql } from 'kysely';
import type { Executor } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import type { NewEvent } from '../../domain/payloads.js';
import { newRecordId } from '../../shared/ids.js';

/** The channel nodes LISTEN on; a NOTIFY on it means "deliveries became due". */
export const DELIVERY_CHANNEL = 'idhooks_deliveries';

export interface AppendedEvent {
  readonly eventId: string;
  readonly deliveryCount: number;
}

export function createEventsRepo(db: Executor, capabilities: Capabilities) {
  return {
    /**
     * Appends the event and one pending delivery per enabled hook subscribed to it, due now. Call it
     * inside the transaction that makes the change, so the change, its event and its deliveries
     * commit or roll back together. On PostgreSQL the NOTIFY is transactional too: other nodes
     * hear it only if the transaction commits.
     */
    async appendEvent(tx: Executor, event: NewEvent, now: number): Promise<AppendedEvent> {
      const eventId = newRecordId('evt');
      await tx
        .insertInto('events')
        .values({ id: eventId, type: event.type, payload: JSON.stringify(event.payload), createdAt: now })
        .execute();
      const hooks = await tx
        .selectFrom('hookSubscriptions')
        .innerJoin('hooks', 'hooks.id', 'hookSubscriptions.hookId')
        .select('hooks.id')
        .where('hookSubscriptions.event', '=', event.type)
        .where('hooks.enabled', '=', 1)
        .where('hooks.tenantId', '=', 'default')
        .execute();
      if (hooks.length > 0) {
        await tx
          .insertInto('deliveries')
          .values(
            hooks.map((hook) => ({
              id: newRecordId('dlv'),
              eventId,
              hookId: hook.id,
              eventType: event.type,
              status: 'pending',
              attempts: 0,
              nextAttemptAt: now,
              createdAt: now,
              updatedAt: now,
            })),
          )
          .execute();
        if (capabilities.listenNotify) await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(tx);
      }
      return { eventId, deliveryCount: hooks.length };
    },
  };
}

export type EventsRepo = ReturnType<typeof createEventsRepo>;
