import type { Executor } from '../db.js';
import type { SentinelAction, SentinelTarget } from '../../domain/sentinel.js';
import { newStandardId } from '../../shared/ids.js';

export type SentinelResult = 'Success' | 'Failed' | 'Blocked';

/**
 * The sentinel's activity log: one row per verification attempt, and one 'Blocked' row per lock.
 * Decisions come from the attempt counters (`attempt-counters.ts`); this is the audit trail.
 */
export function createSentinelRepo(db: Executor) {
  return {
    async insertActivity(
      activity: {
        target: SentinelTarget;
        action: SentinelAction;
        result: SentinelResult;
        lockedUntil?: number;
        createdAt: number;
      },
      tx: Executor = db,
    ): Promise<void> {
      await tx
        .insertInto('sentinelActivities')
        .values({
          id: newStandardId(),
          targetType: activity.target.type,
          targetValue: activity.target.value,
          action: activity.action,
          result: activity.result,
          lockedUntil: activity.lockedUntil ?? null,
          createdAt: activity.createdAt,
        })
        .execute();
    },

    /** Ends the target's active locks at `now` (a completed password reset lifts them). */
    async releaseLocks(target: SentinelTarget, now: number, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('sentinelActivities')
        .set({ lockedUntil: now })
        .where('tenantId', '=', 'default')
        .where('targetType', '=', target.type)
        .where('targetValue', '=', target.value)
        .where('result', '=', 'Blocked')
        .where('lockedUntil', '>', now)
        .execute();
    },

    async deleteActivitiesBefore(before: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('sentinelActivities')
        .where('tenantId', '=', 'default')
        .where('createdAt', '<', before)
        .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<', before)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SentinelRepo = ReturnType<typeof createSentinelRepo>;
