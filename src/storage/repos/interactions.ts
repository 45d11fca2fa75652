import type { Selectable } from 'kysely';
import type { Executor, InteractionsTable } from '../db.js';
import type { InteractionEventName, InteractionState } from '../../domain/experience.js';

export interface Interaction {
  readonly id: string;
  readonly sessionId: string;
  readonly applicationId: string | null;
  readonly interactionEvent: InteractionEventName | null;
  readonly state: InteractionState;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number;
  /** Bumped by every change; `compareAndSetState` writes only over the version it read. */
  readonly version: number;
}

const toInteraction = (row: Selectable<InteractionsTable>): Interaction => ({
  id: row.id,
  sessionId: row.sessionId,
  applicationId: row.applicationId,
  interactionEvent: row.interactionEvent as InteractionEventName | null,
  state: JSON.parse(row.state) as InteractionState,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  expiresAt: row.expiresAt,
  version: Number(row.version),
});

export interface NewInteraction {
  readonly id: string;
  readonly tokenHash: string;
  readonly sessionId: string;
  readonly applicationId: string | null;
  readonly interactionEvent: InteractionEventName | null;
  readonly state: InteractionState;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export type InteractionChanges = Partial<{
  sessionId: string;
  interactionEvent: InteractionEventName | null;
  state: InteractionState;
}>;

/** Interactions, looked up by the digest of their cookie token. */
export function createInteractionsRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('interactions').where('tenantId', '=', 'default');

  return {
    /** The live interaction whose cookie token hashes to `tokenHash`. */
    async findInteractionByTokenHash(
      tokenHash: string,
      now: number,
      tx: Executor = db,
    ): Promise<Interaction | undefined> {
      const row = await base(tx)
        .selectAll()
        .where('tokenHash', '=', tokenHash)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
      return row && toInteraction(row);
    },

    async insertInteraction(interaction: NewInteraction, tx: Executor = db): Promise<Interaction> {
      const row = await tx
        .insertInto('interactions')
        .values({
          ...interaction,
          state: JSON.stringify(interaction.state),
          updatedAt: interaction.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toInteraction(row);
    },

    async updateInteractionById(
      id: string,
      changes: InteractionChanges,
      now: number,
      tx: Executor = db,
    ): Promise<Interaction | undefined> {
      const { state, ...plain } = changes;
      const row = await tx
        .updateTable('interactions')
        .set((eb) => ({
          ...plain,
          ...(state === undefined ? {} : { state: JSON.stringify(state) }),
          updatedAt: now,
          version: eb('version', '+', 1),
        }))
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toInteraction(row);
    },

    async findInteractionById(id: string, tx: Executor = db): Promise<Interaction | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toInteraction(row);
    },

    /**
     * Writes `state` only if the interaction is still at `expectedVersion` (optimistic concurrency:
     * two parallel steps cannot overwrite each other's verification); returns whether it did.
     */
    async compareAndSetState(
      id: string,
      expectedVersion: number,
      state: InteractionState,
      now: number,
      tx: Executor = db,
    ): Promise<boolean> {
      const result = await tx
        .updateTable('interactions')
        .set((eb) => ({ state: JSON.stringify(state), updatedAt: now, version: eb('version', '+', 1) }))
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Deletes the interaction; returns whether it existed. Submit deletes inside its transaction and
     * rolls back when this is false, so two concurrent submits cannot both complete.
     */
    async deleteInteractionById(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('interactions')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async deleteInteractionByTokenHash(tokenHash: string, tx: Executor = db): Promise<void> {
      await tx
        .deleteFrom('interactions')
        .where('tenantId', '=', 'default')
        .where('tokenHash', '=', tokenHash)
        .execute();
    },

    /** Removes expired interactions; returns how many. */
    async deleteExpiredInteractions(now: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('interactions')
        .where('tenantId', '=', 'default')
        .where('expiresAt', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type InteractionsRepo = ReturnType<typeof createInteractionsRepo>;
