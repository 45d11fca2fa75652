import type { Selectable } from 'kysely';
import { bit, bool, type Executor, type HooksTable } from '../db.js';
import type { Capabilities } from '../dialects/capabilities.js';
import type { EventType } from '../../domain/events.js';
import type { HookConfig, HookRecord, PreviousSigningKey } from '../../domain/hooks.js';

const toRecord = (row: Selectable<HooksTable>): HookRecord => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  event: row.event as EventType | null,
  events: JSON.parse(row.events) as EventType[],
  config: JSON.parse(row.config) as HookConfig,
  signingKey: row.signingKey,
  previousSigningKeys: JSON.parse(row.previousSigningKeys) as PreviousSigningKey[],
  enabled: bool(row.enabled),
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export interface NewHook {
  id: string;
  name: string;
  event: EventType | null;
  events: EventType[];
  config: HookConfig;
  signingKey: string;
  enabled: boolean;
  createdAt: number;
}

/** Columns a PATCH may set. JSON columns are replaced as a whole, never merged (docs/compatibility.md#hooks-api). */
export type HookChanges = Partial<{
  name: string;
  event: EventType | null;
  events: EventType[];
  config: HookConfig;
  enabled: boolean;
}>;

/** A hook in a run of failed attempts (see migration 0005). */
export interface FailingHook {
  id: string;
  name: string;
  url: string;
  failingSince: number | null;
  lastFailureAt: number | null;
}

/** Why a hook's unfinished deliveries end when the hook is deleted; shown on the delivery. */
export const HOOK_DELETED_ERROR = 'The hook was deleted.';

/** Delivery statuses that still expect an attempt. */
const UNFINISHED_STATUSES = ['pending', 'sending'] as const;

export function createHooksRepo(db: Executor, capabilities?: Capabilities) {
  const base = (tx: Executor) => tx.selectFrom('hooks').where('tenantId', '=', 'default');

  return {
    /**
     * Makes the hook's `hook_subscriptions` rows exactly `events` (see `subscribedEvents`). Call it
     * in the transaction that wrote the hook, so fan-out never sees one without the other.
     */
    async replaceSubscriptions(
      hookId: string,
      events: readonly EventType[],
      tx: Executor = db,
    ): Promise<void> {
      await tx.deleteFrom('hookSubscriptions').where('hookId', '=', hookId).execute();
      if (events.length > 0) {
        await tx
          .insertInto('hookSubscriptions')
          .values(events.map((event) => ({ hookId, event })))
          .execute();
      }
    },

    async findHookById(id: string, tx: Executor = db): Promise<HookRecord | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    /** Newest first (Logto's `createdAt desc`); without a limit, every hook. */
    async listHooks(
      page: { limit: number; offset: number } | undefined,
      tx: Executor = db,
    ): Promise<HookRecord[]> {
      let query = base(tx).selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc');
      if (page) query = query.limit(page.limit).offset(page.offset);
      return (await query.execute()).map(toRecord);
    },

    async countHooks(tx: Executor = db): Promise<number> {
      const row = await base(tx)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Inserts the hook; its subscriptions are written with `replaceSubscriptions`. */
    async insertHook(hook: NewHook, tx: Executor = db): Promise<HookRecord> {
      const row = await tx
        .insertInto('hooks')
        .values({
          ...hook,
          events: JSON.stringify(hook.events),
          config: JSON.stringify(hook.config),
          enabled: bit(hook.enabled),
          updatedAt: hook.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    /** Applies the changes and returns the updated hook, or undefined when it does not exist. */
    async updateHookById(
      id: string,
      changes: HookChanges,
      now: number,
      tx: Executor = db,
    ): Promise<HookRecord | undefined> {
      const { events, config, enabled, ...plain } = changes;
      const row = await tx
        .updateTable('hooks')
        .set({
          ...plain,
          ...(events === undefined ? {} : { events: JSON.stringify(events) }),
          ...(config === undefined ? {} : { config: JSON.stringify(config) }),
          ...(enabled === undefined ? {} : { enabled: bit(enabled) }),
          // Enabling starts health afresh, or a hook disabled for failing would be disabled again
          // at the next check before its endpoint had a chance to answer.
          ...(enabled === true ? { failingSince: null, lastFailureAt: null } : {}),
          updatedAt: now,
        })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /**
     * Sets a new signing key if the current one is still `expectedKey` (compare-and-set), so two
     * concurrent regenerations cannot both move the same old key and lose the other's. Returns
     * undefined when the hook is gone or its key changed meanwhile.
     */
    async replaceSigningKey(
      id: string,
      expectedKey: string,
      next: { signingKey: string; previousSigningKeys: PreviousSigningKey[] },
      now: number,
      tx: Executor = db,
    ): Promise<HookRecord | undefined> {
      const row = await tx
        .updateTable('hooks')
        .set({
          signingKey: next.signingKey,
          previousSigningKeys: JSON.stringify(next.previousSigningKeys),
          updatedAt: now,
        })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .where('signingKey', '=', expectedKey)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /** Enabled hooks whose current run of failures began at or before `cutoff` (candidates to disable). */
    async findFailingSince(cutoff: number, tx: Executor = db): Promise<FailingHook[]> {
      const rows = await base(tx)
        .select(['id', 'name', 'config', 'failingSince', 'lastFailureAt'])
        .where('enabled', '=', 1)
        .where('failingSince', '<=', cutoff)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        url: (JSON.parse(row.config) as HookConfig).url,
        failingSince: row.failingSince,
        lastFailureAt: row.lastFailureAt,
      }));
    },

    /**
     * Disables the hook if it is still enabled and still in the same run of failures (compare-and-set
     * on `failingSince`), so two nodes checking at once disable it once, and a success that landed
     * meanwhile keeps it enabled. Returns whether it was disabled.
     */
    async disableFailing(id: string, failingSince: number, now: number, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .updateTable('hooks')
        .set({ enabled: bit(false), updatedAt: now })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .where('failingSince', '=', failingSince)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Deletes the hook and its subscriptions; its deliveries and attempts stay as history. */
    async deleteHookById(id: string, tx: Executor = db): Promise<HookRecord | undefined> {
      await tx.deleteFrom('hookSubscriptions').where('hookId', '=', id).execute();
      const row = await tx
        .deleteFrom('hooks')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /**
     * Ends the deleted hook's deliveries that still wait for an attempt: `failed` with
     * {@link HOOK_DELETED_ERROR}, lease cleared, so no worker sends to an endpoint the operator
     * removed. A worker that is sending one right now loses its lease and must not record over it.
     * Returns how many deliveries were ended.
     *
     * On PostgreSQL the rows are locked in id order first, the order every writer of several
     * deliveries keeps (deliveries-results.ts), so this cannot deadlock with a batch of results
     * being recorded for the same deliveries. Call it before deleting the hook row: deliveries
     * first, then hooks, as the recorder does.
     */
    async failUnfinishedDeliveries(hookId: string, now: number, tx: Executor = db): Promise<number> {
      if (capabilities?.skipLocked) {
        await tx
          .selectFrom('deliveries')
          .select('id')
          .where('tenantId', '=', 'default')
          .where('hookId', '=', hookId)
          .where('status', 'in', UNFINISHED_STATUSES)
          .orderBy('id')
          .forUpdate()
          .execute();
      }
      const result = await tx
        .updateTable('deliveries')
        .set({
          status: 'failed',
          lastError: HOOK_DELETED_ERROR,
          completedAt: now,
          updatedAt: now,
          lockedBy: null,
          lockedUntil: null,
        })
        .where('tenantId', '=', 'default')
        .where('hookId', '=', hookId)
        .where('status', 'in', UNFINISHED_STATUSES)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export type HooksRepo = ReturnType<typeof createHooksRepo>;
