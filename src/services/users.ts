import { AppError, notFoundById, type ErrorCode } from '../shared/errors.js';
import { newUserId } from '../shared/ids.js';
import { hashPassword, PASSWORD_METHOD } from '../shared/passwords.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../storage/db.js';
import type { UsersRepo, UserChanges } from '../storage/repos/users.js';
import {
  toAdminUser,
  toUserInfo,
  type AdminUser,
  type UserIdentifierField,
  type UserProfile,
} from '../domain/users.js';
import { managementEvent, type ManagementContext } from '../domain/payloads.js';
import type { RunInTransaction } from './transaction.js';

export interface CreateUserInput {
  username?: string;
  primaryEmail?: string;
  primaryPhone?: string;
  password?: string;
  name?: string | null;
  avatar?: string | null;
  customData?: Record<string, unknown>;
  profile?: UserProfile;
}

export interface UpdateUserInput {
  username?: string | null;
  primaryEmail?: string | null;
  primaryPhone?: string | null;
  name?: string | null;
  avatar?: string | null;
  customData?: Record<string, unknown>;
  profile?: UserProfile;
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

const CONFLICT_CODES: Record<UserIdentifierField, ErrorCode> = {
  username: 'user.username_already_in_use',
  primaryEmail: 'user.email_already_in_use',
  primaryPhone: 'user.phone_already_in_use',
};

/** A unique index fired: another request claimed the identifier between our check and our write. */
const isUniqueViolation = (error: unknown) => {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

export interface UsersServiceDeps {
  readonly users: UsersRepo;
  readonly runInTransaction: RunInTransaction;
  readonly clock: Clock;
  /**
   * Ends a user's sessions, grants and tokens (provider and hosted pages), inside the transaction
   * that suspends or deletes them, so no sign-in outlives either.
   */
  readonly revokeUser?: (userId: string, tx: Executor) => Promise<void>;
}

/** The Users Management API: every change commits with its webhook event (docs/events.md#management-api-routes-and-their-events). */
export function createUsersService({ users, runInTransaction, clock, revokeUser }: UsersServiceDeps) {
  async function assertIdentifiersFree(
    fields: Partial<Record<UserIdentifierField, string | null>>,
    excludeUserId: string | undefined,
    tx?: Executor,
  ) {
    const conflict = await users.findIdentifierConflict(fields, excludeUserId, tx);
    if (conflict) throw new AppError(CONFLICT_CODES[conflict]);
  }

  /** Runs a write; a unique violation raced past the check is re-checked to give Logto's code. */
  async function guardUnique<T>(
    fields: Partial<Record<UserIdentifierField, string | null>>,
    excludeUserId: string | undefined,
    write: () => Promise<T>,
  ): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await assertIdentifiersFree(fields, excludeUserId);
      throw error;
    }
  }

  async function getUser(id: string, tx?: Executor) {
    const user = await users.findUserById(id, tx);
    if (!user) throw notFoundById('user', id);
    return user;
  }

  /** Applies `changes` and emits `event` with `data` built from the updated user. */
  async function updateAndEmit<T>(
    ctx: ManagementContext,
    id: string,
    changes: UserChanges,
    event: 'User.Data.Updated' | 'User.SuspensionStatus.Updated',
    pickData: (user: AdminUser) => T,
    onUpdated?: (tx: Executor) => Promise<void>,
  ): Promise<T> {
    const identifiers = {
      username: changes.username,
      primaryEmail: changes.primaryEmail,
      primaryPhone: changes.primaryPhone,
    };
    return guardUnique(identifiers, id, () =>
      runInTransaction(async (tx, emit) => {
        await getUser(id, tx);
        await assertIdentifiersFree(identifiers, id, tx);
        const now = clock.now();
        const updated = await users.updateUserById(id, changes, now, tx);
        if (!updated) throw notFoundById('user', id);
        await onUpdated?.(tx);
        const data = pickData(toAdminUser(updated));
        await emit(managementEvent(ctx, event, now, { tail: { data } }));
        return data;
      }),
    );
  }

  return {
    async listUsers(query: { search?: string; page: number; pageSize: number }): Promise<Page<AdminUser>> {
      const [records, total] = await Promise.all([
        users.listUsers({
          search: query.search,
          limit: query.pageSize,
          offset: (query.page - 1) * query.pageSize,
        }),
        users.countUsers(query.search),
      ]);
      return { items: records.map(toAdminUser), total };
    },

    async getUser(id: string): Promise<AdminUser> {
      return toAdminUser(await getUser(id));
    },

    async createUser(ctx: ManagementContext, input: CreateUserInput): Promise<AdminUser> {
      const identifiers = {
        username: input.username,
        primaryEmail: input.primaryEmail,
        primaryPhone: input.primaryPhone,
      };
      // Hash outside the transaction: argon2 takes tens of milliseconds and must not hold a lock.
      const passwordEncrypted = input.password === undefined ? null : await hashPassword(input.password);
      // No check before the insert: the unique indexes refuse a taken identifier (emails compared
      // lowercased, as the check does) and guardUnique answers with the check's code, so a check
      // here would only repeat the indexes' work on every user that is created (issue 14).
      return guardUnique(identifiers, undefined, () =>
        runInTransaction(async (tx, emit) => {
          const now = clock.now();
          const user = await users.insertUser(
            {
              id: newUserId(),
              username: input.username ?? null,
              primaryEmail: input.primaryEmail ?? null,
              primaryPhone: input.primaryPhone ?? null,
              name: input.name ?? null,
              avatar: input.avatar ?? null,
              customData: input.customData ?? {},
              profile: input.profile ?? {},
              passwordEncrypted,
              passwordEncryptionMethod: passwordEncrypted ? PASSWORD_METHOD : null,
              applicationId: null,
              createdAt: now,
            },
            tx,
          );
          const data = toAdminUser(user);
          await emit(managementEvent(ctx, 'User.Created', now, { tail: { data } }));
          return data;
        }),
      );
    },

    updateUser: (ctx: ManagementContext, id: string, input: UpdateUserInput) =>
      updateAndEmit(ctx, id, input, 'User.Data.Updated', (user) => user),

    updateCustomData: (ctx: ManagementContext, id: string, customData: Record<string, unknown>) =>
      updateAndEmit(ctx, id, { customData }, 'User.Data.Updated', (user) => user.customData),

    /** Logto merges the given profile claims into the existing ones. */
    async updateProfile(ctx: ManagementContext, id: string, profile: UserProfile): Promise<UserProfile> {
      const current = await getUser(id);
      return updateAndEmit(
        ctx,
        id,
        { profile: { ...current.profile, ...profile } },
        'User.Data.Updated',
        (user) => user.profile,
      );
    },

    async updatePassword(ctx: ManagementContext, id: string, password: string): Promise<AdminUser> {
      await getUser(id);
      const passwordEncrypted = await hashPassword(password);
      return updateAndEmit(
        ctx,
        id,
        { passwordEncrypted, passwordEncryptionMethod: PASSWORD_METHOD },
        'User.Data.Updated',
        (user) => user,
      );
    },

    updateIsSuspended: (ctx: ManagementContext, id: string, isSuspended: boolean) =>
      updateAndEmit(
        ctx,
        id,
        { isSuspended },
        'User.SuspensionStatus.Updated',
        (user) => user,
        async (tx) => {
          if (isSuspended) await revokeUser?.(id, tx);
        },
      ),

    async deleteUser(ctx: ManagementContext, id: string): Promise<void> {
      await runInTransaction(async (tx, emit) => {
        const deleted = await users.deleteUserById(id, tx);
        if (!deleted) throw notFoundById('user', id);
        await revokeUser?.(id, tx);
        // Logto sends the deleted user's info (without hasPassword) before the route context.
        await emit(
          managementEvent(ctx, 'User.Deleted', clock.now(), { lead: { data: toUserInfo(deleted) } }),
        );
      });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
