import { sql, type Selectable } from 'kysely';
import { bit, bool, type Executor, type UsersTable } from '../db.js';
import type { UserIdentifierField, UserProfile, UserRecord } from '../../domain/users.js';
import { fixedStatement } from './fixed-statements.js';

const toRecord = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  username: row.username,
  primaryEmail: row.primaryEmail,
  primaryPhone: row.primaryPhone,
  name: row.name,
  avatar: row.avatar,
  customData: JSON.parse(row.customData) as Record<string, unknown>,
  identities: JSON.parse(row.identities) as UserRecord['identities'],
  lastSignInAt: row.lastSignInAt,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  profile: JSON.parse(row.profile) as UserProfile,
  applicationId: row.applicationId,
  cimdClientId: row.cimdClientId,
  isSuspended: bool(row.isSuspended),
  passwordEncrypted: row.passwordEncrypted,
  passwordEncryptionMethod: row.passwordEncryptionMethod,
});

export interface NewUser {
  id: string;
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  name: string | null;
  avatar: string | null;
  customData: Record<string, unknown>;
  profile: UserProfile;
  passwordEncrypted: string | null;
  passwordEncryptionMethod: string | null;
  applicationId: string | null;
  createdAt: number;
}

export type UserChanges = Partial<{
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  name: string | null;
  avatar: string | null;
  customData: Record<string, unknown>;
  profile: UserProfile;
  passwordEncrypted: string | null;
  passwordEncryptionMethod: string | null;
  isSuspended: boolean;
  lastSignInAt: number;
}>;

export interface UserListQuery {
  search?: string;
  limit: number;
  offset: number;
}

/** Escapes LIKE wildcards so a search for `50%` finds the literal text. */
const likePattern = (term: string) => `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createUsersRepo(db: Executor) {
  const base = (tx: Executor) => tx.selectFrom('users').where('tenantId', '=', 'default');

  const searchFilter = (tx: Executor, search: string | undefined) => {
    const query = base(tx);
    if (!search) return query;
    const pattern = likePattern(search);
    return query.where((eb) =>
      eb.or(
        (['username', 'primaryEmail', 'primaryPhone', 'name'] as const).map(
          (column) => sql<boolean>`lower(${eb.ref(column)}) like ${pattern} escape '\\'`,
        ),
      ),
    );
  };

  // The insert of a created user (issue 14), compiled once: see fixed-statements.ts.
  const INSERT_COLUMNS = [
    'id',
    'username',
    'primaryEmail',
    'primaryPhone',
    'name',
    'avatar',
    'customData',
    'profile',
    'passwordEncrypted',
    'passwordEncryptionMethod',
    'applicationId',
    'createdAt',
    'identities',
    'isSuspended',
    'lastSignInAt',
    'cimdClientId',
    'updatedAt',
  ] as const;
  type InsertColumn = (typeof INSERT_COLUMNS)[number];
  const insert = fixedStatement<InsertColumn, unknown>((slot) =>
    db
      .insertInto('users')
      .values(Object.fromEntries(INSERT_COLUMNS.map((column) => [column, slot(column)])) as never),
  );

  return {
    async findUserById(id: string, tx: Executor = db): Promise<UserRecord | undefined> {
      const row = await base(tx).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    /** Users by id, in the order asked for; unknown ids are left out. */
    async findUsersByIds(ids: readonly string[], tx: Executor = db): Promise<UserRecord[]> {
      if (ids.length === 0) return [];
      const rows = await base(tx).selectAll().where('id', 'in', ids).execute();
      const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** The user with this primary email, compared case-insensitively like the unique index. */
    async findUserByEmail(email: string, tx: Executor = db): Promise<UserRecord | undefined> {
      const row = await base(tx)
        .selectAll()
        .where(sql`lower(primary_email)`, '=', email.toLowerCase())
        .executeTakeFirst();
      return row && toRecord(row);
    },

    /** Which of the given identifiers already belong to another user (emails compare case-insensitively). */
    async findIdentifierConflict(
      fields: Partial<Record<UserIdentifierField, string | null>>,
      excludeUserId: string | undefined,
      tx: Executor = db,
    ): Promise<UserIdentifierField | undefined> {
      for (const field of ['username', 'primaryEmail', 'primaryPhone'] as const) {
        const value = fields[field];
        if (value === undefined || value === null) continue;
        let query = base(tx).select('id');
        query =
          field === 'primaryEmail'
            ? query.where(sql`lower(primary_email)`, '=', value.toLowerCase())
            : query.where(field, '=', value);
        if (excludeUserId) query = query.where('id', '<>', excludeUserId);
        if (await query.executeTakeFirst()) return field;
      }
      return undefined;
    },

    async listUsers({ search, limit, offset }: UserListQuery, tx: Executor = db): Promise<UserRecord[]> {
      const rows = await searchFilter(tx, search)
        .selectAll()
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toRecord);
    },

    async countUsers(search: string | undefined, tx: Executor = db): Promise<number> {
      const row = await searchFilter(tx, search)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertUser(user: NewUser, tx: Executor = db): Promise<UserRecord> {
      const row: Selectable<UsersTable> = {
        tenantId: 'default',
        id: user.id,
        username: user.username,
        primaryEmail: user.primaryEmail,
        primaryPhone: user.primaryPhone,
        passwordEncrypted: user.passwordEncrypted,
        passwordEncryptionMethod: user.passwordEncryptionMethod,
        name: user.name,
        avatar: user.avatar,
        customData: JSON.stringify(user.customData),
        identities: '{}',
        profile: JSON.stringify(user.profile),
        applicationId: user.applicationId,
        cimdClientId: null,
        isSuspended: 0,
        lastSignInAt: null,
        createdAt: user.createdAt,
        updatedAt: user.createdAt,
      };
      await insert(tx, row);
      // The row as stored: every column is written here, no default or trigger changes one, and
      // the JSON columns go through the same text a read would parse, so reading it back again
      // would return exactly this record.
      return toRecord(row);
    },

    /** Applies the changes and returns the updated user, or undefined when it does not exist. */
    async updateUserById(
      id: string,
      changes: UserChanges,
      now: number,
      tx: Executor = db,
    ): Promise<UserRecord | undefined> {
      const { customData, profile, isSuspended, ...plain } = changes;
      const row = await tx
        .updateTable('users')
        .set({
          ...plain,
          ...(customData === undefined ? {} : { customData: JSON.stringify(customData) }),
          ...(profile === undefined ? {} : { profile: JSON.stringify(profile) }),
          ...(isSuspended === undefined ? {} : { isSuspended: bit(isSuspended) }),
          updatedAt: now,
        })
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async deleteUserById(id: string, tx: Executor = db): Promise<UserRecord | undefined> {
      const row = await tx
        .deleteFrom('users')
        .where('tenantId', '=', 'default')
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
