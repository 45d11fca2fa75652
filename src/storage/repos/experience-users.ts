import { sql } from 'kysely';
import type { Executor } from '../db.js';
import type { Identifier } from '../../domain/experience.js';

/**
 * The sign-in experience's own queries on `users` (the Users repo serves the Management API):
 * finding an account by a sign-in identifier and recording the first application a user signed
 * in from.
 */
export function createExperienceUsersRepo(db: Executor) {
  return {
    /** The id of the user an identifier names (emails case-insensitively), if any. */
    async findUserIdByIdentifier(identifier: Identifier, tx: Executor = db): Promise<string | undefined> {
      let query = tx.selectFrom('users').select('id').where('tenantId', '=', 'default');
      if (identifier.type === 'email') {
        query = query.where(sql`lower(primary_email)`, '=', identifier.value.toLowerCase());
      } else if (identifier.type === 'phone') {
        query = query.where('primaryPhone', '=', identifier.value);
      } else {
        query = query.where('username', '=', identifier.value);
      }
      return (await query.executeTakeFirst())?.id;
    },

    /**
     * Sets `application_id` unless it is already set: Logto records the application a user first
     * signed in from (docs/compatibility.md#sign-in-flows: null after registration, set from the first PostSignIn).
     */
    async setFirstApplicationId(userId: string, applicationId: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('users')
        .set({ applicationId })
        .where('tenantId', '=', 'default')
        .where('id', '=', userId)
        .where('applicationId', 'is', null)
        .execute();
    },
  };
}

export type ExperienceUsersRepo = ReturnType<typeof createExperienceUsersRepo>;
