import type { Selectable } from 'kysely';
import type { ConsoleSessionsTable, Executor } from '../db.js';

export interface ConsoleSessionRecord {
  readonly id: string;
  readonly csrfToken: string;
  readonly clientId: string;
  /** The signed-in user, or null for a break-glass session (admin client credentials). */
  readonly userId: string | null;
  readonly secretStamp: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface NewConsoleSession extends Omit<ConsoleSessionRecord, 'secretStamp'> {
  readonly tokenHash: string;
  readonly secretStamp: string;
}

const toSession = (row: Selectable<ConsoleSessionsTable>): ConsoleSessionRecord => ({
  id: row.id,
  csrfToken: row.csrfToken,
  clientId: row.clientId,
  userId: row.userId ?? null,
  secretStamp: row.secretStamp,
  createdAt: Number(row.createdAt),
  expiresAt: Number(row.expiresAt),
});

/** Admin console sessions, looked up by the digest of their cookie token. */
export function createConsoleSessionsRepo(db: Executor) {
  return {
    async insertSession(session: NewConsoleSession, tx: Executor = db): Promise<void> {
      await tx.insertInto('consoleSessions').values(session).execute();
    },

    /** The session whose token hashes to `tokenHash`, unless it has expired by `now`. */
    async findLiveSessionByTokenHash(
      tokenHash: string,
      now: number,
      tx: Executor = db,
    ): Promise<ConsoleSessionRecord | undefined> {
      const row = await tx
        .selectFrom('consoleSessions')
        .selectAll()
        .where('tenantId', '=', 'default')
        .where('tokenHash', '=', tokenHash)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
      return row && toSession(row);
    },

    async deleteSessionByTokenHash(tokenHash: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('consoleSessions')
        .where('tenantId', '=', 'default')
        .where('tokenHash', '=', tokenHash)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Ends every session opened with this application's credentials; returns how many. */
    async deleteSessionsByClientId(clientId: string, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('consoleSessions')
        .where('tenantId', '=', 'default')
        .where('clientId', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Removes sessions expired by `now`; returns how many. */
    async deleteExpiredSessions(now: number, tx: Executor = db): Promise<number> {
      const result = await tx
        .deleteFrom('consoleSessions')
        .where('tenantId', '=', 'default')
        .where('expiresAt', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ConsoleSessionsRepo = ReturnType<typeof createConsoleSessionsRepo>;
