import type { Executor } from '../db.js';

/** The console's view of what happened to one user: its organizations, events and deliveries. */
export interface UserEventRecord {
  id: string;
  type: string;
  createdAt: number;
}

export interface UserDeliveryRecord {
  id: string;
  hookId: string;
  hookName: string | null;
  /** False when the hook is disabled or deleted: its waiting deliveries are held. */
  hookEnabled: boolean;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  createdAt: number;
}

/**
 * Events carry the user inside their JSON payload, with no column to index, so the search looks
 * only at the newest `scanLimit` events: enough for a "recent" list, and bounded however long the
 * history grows. User ids are lower-case letters and digits (no LIKE wildcard), and the quotes make
 * the match a whole JSON string, not a part of a longer id.
 */
export function createUserActivityRepo(db: Executor) {
  return {
    async listUserOrganizations(userId: string, tx: Executor = db) {
      return tx
        .selectFrom('organizationUserRelations as m')
        .innerJoin('organizations as o', 'o.id', 'm.organizationId')
        .select(['o.id', 'o.name'])
        .where('m.userId', '=', userId)
        .orderBy('o.name')
        .limit(100)
        .execute();
    },

    async recentEventsMentioning(
      userId: string,
      { scanLimit, limit }: { scanLimit: number; limit: number },
      tx: Executor = db,
    ): Promise<UserEventRecord[]> {
      if (!/^[a-z0-9]{1,64}$/.test(userId)) return [];
      const recent = tx
        .selectFrom('events')
        .select(['id', 'type', 'payload', 'createdAt'])
        .orderBy('createdAt', 'desc')
        .limit(scanLimit)
        .as('recent');
      const rows = await tx
        .selectFrom(recent)
        .select(['recent.id', 'recent.type', 'recent.createdAt'])
        .where('recent.payload', 'like', `%"${userId}"%`)
        .orderBy('recent.createdAt', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...row, createdAt: Number(row.createdAt) }));
    },

    async deliveriesOfEvents(eventIds: readonly string[], tx: Executor = db): Promise<UserDeliveryRecord[]> {
      if (eventIds.length === 0) return [];
      const rows = await tx
        .selectFrom('deliveries as d')
        .leftJoin('hooks as h', 'h.id', 'd.hookId')
        .select([
          'd.id',
          'd.hookId',
          'h.name as hookName',
          'h.enabled as hookEnabled',
          'd.eventId',
          'd.eventType',
          'd.status',
          'd.attempts',
          'd.lastStatus',
          'd.createdAt',
        ])
        .where('d.eventId', 'in', eventIds)
        .orderBy('d.createdAt', 'desc')
        .orderBy('d.id', 'desc')
        .execute();
      return rows.map((row) => ({
        ...row,
        hookEnabled: Number(row.hookEnabled ?? 0) === 1,
        attempts: Number(row.attempts),
        createdAt: Number(row.createdAt),
        lastStatus: row.lastStatus === null ? null : Number(row.lastStatus),
      }));
    },
  };
}

export type UserActivityRepo = ReturnType<typeof createUserActivityRepo>;
