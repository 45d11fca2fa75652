import { sql } from 'kysely';
import type { Db } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import { createEventFeedRepo } from './event-feed.js';

/** Retention deletes in slices so that no single statement holds SQLite's write lock for long. */
const PRUNE_BATCH = 500;

/**
 * History retention for the delivery queue (config.delivery.retentionDays), part of the
 * deliveries repo. There is no index on `completed_at`: pruning runs hourly and scans from the
 * oldest rows, which are the ones it deletes, so only the last slice reads the whole table.
 */
export function createDeliveryRetention(db: Db, capabilities: Capabilities) {
  const feed = createEventFeedRepo(db, capabilities);
  return {
    /**
     * Retention: deletes deliveries that ended before `olderThan` (their attempts go with them by
     * cascade), then events older than that with no delivery left. Open deliveries keep their
     * whole history until they end. Works in slices; returns the number of rows deleted.
     */
    async pruneHistory(olderThan: number): Promise<{ deliveries: number; events: number }> {
      const deliveries = await deleteInSlices(() =>
        db
          .deleteFrom('deliveries')
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('deliveries')
              .select('id')
              .where('completedAt', '<', olderThan)
              .where('status', 'in', ['succeeded', 'failed'])
              .limit(PRUNE_BATCH),
          )
          .executeTakeFirst(),
      );
      // The events feed answers 410 below this floor; raised before the events it covers go.
      await feed.advanceFloor(olderThan);
      const events = await deleteInSlices(() =>
        db
          .deleteFrom('events')
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('events')
              .select('events.id')
              .where('events.createdAt', '<', olderThan)
              .where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom('deliveries')
                      .select(sql.lit(1).as('one'))
                      .whereRef('deliveries.eventId', '=', 'events.id'),
                  ),
                ),
              )
              .limit(PRUNE_BATCH),
          )
          .executeTakeFirst(),
      );
      return { deliveries, events };
    },
  };
}

async function deleteInSlices(run: () => Promise<{ numDeletedRows: bigint }>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = Number((await run()).numDeletedRows);
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
    // Yield between slices: on SQLite each statement blocks the event loop.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
