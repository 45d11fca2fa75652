import type { Selectable } from 'kysely';
import type { Executor, VerificationCodesTable } from '../db.js';
import type { InteractionEventName } from '../../domain/experience.js';

export interface VerificationCode {
  readonly id: string;
  readonly interactionId: string;
  readonly recipient: string;
  readonly interactionEvent: InteractionEventName;
  readonly codeHash: string;
  readonly attempts: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly verifiedAt: number | null;
}

const toCode = (row: Selectable<VerificationCodesTable>): VerificationCode => ({
  id: row.id,
  interactionId: row.interactionId,
  recipient: row.recipient,
  interactionEvent: row.interactionEvent as InteractionEventName,
  codeHash: row.codeHash,
  attempts: row.attempts,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  verifiedAt: row.verifiedAt,
});

export type NewVerificationCode = Omit<VerificationCode, 'attempts' | 'verifiedAt'>;

/** Verification codes sent by email; each belongs to one interaction. */
export function createVerificationCodesRepo(db: Executor) {
  return {
    /** Sends to `recipient` since `since`: what the per-recipient limit counts. */
    async countCodesSentSince(recipient: string, since: number, tx: Executor = db): Promise<number> {
      const row = await tx
        .selectFrom('verificationCodes')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('tenantId', '=', 'default')
        .where('recipient', '=', recipient)
        .where('createdAt', '>', since)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertCode(code: NewVerificationCode, tx: Executor = db): Promise<VerificationCode> {
      const row = await tx
        .insertInto('verificationCodes')
        .values({ ...code, attempts: 0, verifiedAt: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCode(row);
    },

    /** A code by id, scoped by its interaction: a code id from another interaction is not found. */
    async findCodeById(
      interactionId: string,
      id: string,
      tx: Executor = db,
    ): Promise<VerificationCode | undefined> {
      const row = await tx
        .selectFrom('verificationCodes')
        .selectAll()
        .where('tenantId', '=', 'default')
        .where('interactionId', '=', interactionId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toCode(row);
    },

    async recordFailedAttempt(interactionId: string, id: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('verificationCodes')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('tenantId', '=', 'default')
        .where('interactionId', '=', interactionId)
        .where('id', '=', id)
        .execute();
    },

    /**
     * Marks the code used. Conditional on it being unused, so of two concurrent correct attempts
     * only one wins; returns whether this call did.
     */
    async markCodeVerified(
      interactionId: string,
      id: string,
      now: number,
      tx: Executor = db,
    ): Promise<boolean> {
      const result = await tx
        .updateTable('verificationCodes')
        .set({ verifiedAt: now })
        .where('tenantId', '=', 'default')
        .where('interactionId', '=', interactionId)
        .where('id', '=', id)
        .where('verifiedAt', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Removes codes created before `before` (older than any send-limit window and any code lifetime). */
    async deleteCodesCreatedBefore(before: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('verificationCodes')
        .where('tenantId', '=', 'default')
        .where('createdAt', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type VerificationCodesRepo = ReturnType<typeof createVerificationCodesRepo>;
