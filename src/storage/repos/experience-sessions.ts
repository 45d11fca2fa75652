import type { Selectable } from 'kysely';
import type { ExperienceSessionsTable, Executor } from '../db.js';

export interface ExperienceSession {
  readonly id: string;
  readonly userId: string | null;
  readonly signedInAt: number | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

const toSession = (row: Selectable<ExperienceSessionsTable>): ExperienceSession => ({
  id: row.id,
  userId: row.userId,
  signedInAt: row.signedInAt,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
});

export interface NewExperienceSession {
  readonly id: string;
  readonly tokenHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Sign-in sessions, looked up by the digest of their cookie token. */
export function createExperienceSessionsRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('experienceSessions').where('tenantId', '=', 'default');

  return {
    /** The live session whose cookie token hashes to `tokenHash`. */
    async findSessionByTokenHash(
      tokenHash: string,
      now: number,
      tx: Executor = db,
    ): Promise<ExperienceSession | undefined> {
      const row = await base(tx)
        .selectAll()
        .where('tokenHash', '=', tokenHash)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
      return row && toSession(row);
    },

    async findSessionById(
      id: string,
      now: number,
      tx: Executor = db,
    ): Promise<ExperienceSession | undefined> {
      const row = await base(tx)
        .selectAll()
        .where('id', '=', id)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
      return row && toSession(row);
    },

    async insertSession(session: NewExperienceSession, tx: Executor = db): Promise<ExperienceSession> {
      const row = await tx
        .insertInto('experienceSessions')
        .values({ ...session, userId: null, signedInAt: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSession(row);
    },

    /**
     * Binds the session to a signed-in user and replaces its cookie token (the old token stops
     * working, so a token planted before sign-in cannot ride the signed-in session).
     */
    async signInSession(
      id: string,
      changes: { userId: string; tokenHash: string; signedInAt: number; expiresAt: number },
      tx: Executor = db,
    ): Promise<boolean> {
      const result = await tx
        .updateTable('experienceSessions')
        .set(changes)
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async deleteSessionByTokenHash(
      tokenHash: string,
      tx: Executor = db,
    ): Promise<ExperienceSession | undefined> {
      const row = await tx
        .deleteFrom('experienceSessions')
        .where('tenantId', '=', 'default')
        .where('tokenHash', '=', tokenHash)
        .returningAll()
        .executeTakeFirst();
      return row && toSession(row);
    },

    /** Removes expired sessions; returns how many. */
    /** Signs a user out of every browser (suspension, deletion); returns how many sessions ended. */
    async deleteSessionsByUserId(userId: string, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('experienceSessions')
        .where('tenantId', '=', 'default')
        .where('userId', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteExpiredSessions(now: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('experienceSessions')
        .where('tenantId', '=', 'default')
        .where('expiresAt', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ExperienceSessionsRepo = ReturnType<typeof createExperienceSessionsRepo>;
