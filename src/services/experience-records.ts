import { type InteractionState, type PendingProfile, type VerificationRecord } from '../domain/experience.js';
import { AppError } from '../shared/errors.js';
import { PASSWORD_METHOD } from '../shared/passwords.js';
import type { UserRecord } from '../domain/users.js';
import type { ExperienceUsersRepo } from '../storage/repos/experience-users.js';
import type { UserChanges, UsersRepo } from '../storage/repos/users.js';

/** Pure helpers of the Experience API's steps over an interaction's verification records. */

export const isUniqueViolation = (error: unknown) => {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

/** The record a later step consumes; 404 when unknown, 400 when unusable. */
export function findUsableRecord(state: InteractionState, id: string): VerificationRecord {
  const record = state.verifications.find((r) => r.id === id);
  if (!record) throw new AppError('session.verification_session_not_found');
  const isVerified = record.type !== 'EmailVerificationCode' || record.isVerified;
  if (record.isConsumed || !isVerified) throw new AppError('session.verification_failed');
  return record;
}

export const consume = (state: InteractionState, id: string): InteractionState => ({
  ...state,
  verifications: state.verifications.map((r) => (r.id === id ? { ...r, isConsumed: true } : r)),
});

export const profileChanges = (profile: PendingProfile): UserChanges => ({
  ...(profile.username === undefined ? {} : { username: profile.username }),
  ...(profile.primaryEmail === undefined ? {} : { primaryEmail: profile.primaryEmail }),
  ...(profile.passwordEncrypted === undefined
    ? {}
    : { passwordEncrypted: profile.passwordEncrypted, passwordEncryptionMethod: PASSWORD_METHOD }),
  ...(profile.name === undefined ? {} : { name: profile.name }),
  ...(profile.avatar === undefined ? {} : { avatar: profile.avatar }),
});

/** The user a sign-in or reset verification names; an email code must belong to an account. */
export async function userOfRecord(
  users: UsersRepo,
  experienceUsers: ExperienceUsersRepo,
  record: VerificationRecord,
): Promise<UserRecord> {
  if (record.type === 'Password') {
    const user = await users.findUserById(record.userId);
    if (user) return user;
  } else if (record.type === 'EmailVerificationCode') {
    const userId = await experienceUsers.findUserIdByIdentifier(record.identifier);
    const user = userId === undefined ? undefined : await users.findUserById(userId);
    if (user) return user;
  } else {
    throw new AppError('session.verification_failed');
  }
  throw new AppError('user.user_not_exist', { params: { identifier: record.identifier.value } });
}
