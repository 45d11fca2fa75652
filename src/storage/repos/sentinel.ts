import type { Executor } from '../db.js';
import type { SentinelAction, SentinelTarget } from '../../domain/sentinel.js';
import { newStandardId } from '../../shared/ids.js';

export type SentinelResult = 'Success' | 'Failed' | 'Blocked';

/** The sentinel's activity log: one row per verification attempt, and one 'Blocked' row per lock. */
export function createSentinelRepo(db: Executor) {
  const forTarget = (tx: Executor, target: SentinelTarget) =>
    tx
      .selectFrom('sentinelActivities')
      .where('tenantId', '=', 'default')
      .where('targetType', '=', target.type)
      .where('targetValue', '=', target.value);

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

    /** When the target's active lock ends, or undefined when it is not locked at `now`. */
    async findActiveLockUntil(
      target: SentinelTarget,
      now: number,
      tx: Executor = db,
    ): Promise<number | undefined> {
      const row = await forTarget(tx, target)
        .select((eb) => eb.fn.max('lockedUntil').as('until'))
        .where('result', '=', 'Blocked')
        .where('lockedUntil', '>', now)
        .executeTakeFirst();
      return row?.until == null ? undefined : Number(row.until);
    },

    /** The latest success and the latest lock end at or before `now`, where counting restarts. */
    async findCountingResets(
      target: SentinelTarget,
      now: number,
      tx: Executor = db,
    ): Promise<{ lastSuccessAt: number | undefined; lastLockEndedAt: number | undefined }> {
      const success = await forTarget(tx, target)
        .select((eb) => eb.fn.max('createdAt').as('at'))
        .where('result', '=', 'Success')
        .executeTakeFirst();
      const lock = await forTarget(tx, target)
        .select((eb) => eb.fn.max('lockedUntil').as('at'))
        .where('result', '=', 'Blocked')
        .where('lockedUntil', '<=', now)
        .executeTakeFirst();
      const num = (value: unknown) => (value == null ? undefined : Number(value));
      return { lastSuccessAt: num(success?.at), lastLockEndedAt: num(lock?.at) };
    },

    async countFailuresSince(target: SentinelTarget, since: number, tx: Executor = db): Promise<number> {
      const row = await forTarget(tx, target)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('result', '=', 'Failed')
        .where('createdAt', '>', since)
        .executeTakeFirstOrThrow();
      return Number(row.count);
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
