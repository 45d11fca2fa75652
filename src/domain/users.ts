import { z } from 'zod';

/**
 * Logto's user as webhooks and the Management API show it. The key order of `UserInfo` is
 * `userInfoSelectFields` (docs/events.md#payloads) and is part of the wire contract: receivers that hash or
 * diff payloads see the same bytes Logto would send.
 */
export interface UserInfo {
  id: string;
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  name: string | null;
  avatar: string | null;
  customData: Record<string, unknown>;
  identities: Record<string, { userId: string; details?: Record<string, unknown> }>;
  lastSignInAt: number | null;
  createdAt: number;
  updatedAt: number;
  profile: UserProfile;
  applicationId: string | null;
  cimdClientId: string | null;
  isSuspended: boolean;
}

/** A user as stored, with the password hash that must never leave the service layer. */
export interface UserRecord extends UserInfo {
  passwordEncrypted: string | null;
  passwordEncryptionMethod: string | null;
}

/** `UserInfo` plus `hasPassword`: the Management API's user response. */
export type AdminUser = UserInfo & { hasPassword: boolean };

/** Builds `UserInfo` with Logto's key order from any record that has the fields. */
export const toUserInfo = (user: UserInfo): UserInfo => ({
  id: user.id,
  username: user.username,
  primaryEmail: user.primaryEmail,
  primaryPhone: user.primaryPhone,
  name: user.name,
  avatar: user.avatar,
  customData: user.customData,
  identities: user.identities,
  lastSignInAt: user.lastSignInAt,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
  profile: user.profile,
  applicationId: user.applicationId,
  cimdClientId: user.cimdClientId,
  isSuspended: user.isSuspended,
});

export const toAdminUser = (user: UserRecord): AdminUser => ({
  ...toUserInfo(user),
  hasPassword: Boolean(user.passwordEncrypted),
});

/** Logto's identifier rules. */
export const USERNAME_REGEX = /^[A-Z_a-z]\w*$/;
export const EMAIL_REGEX = /^\S+@\S+\.\S+$/;
export const PHONE_REGEX = /^\d+$/;

export const usernameSchema = z
  .string()
  .max(128)
  .regex(USERNAME_REGEX, 'must start with a letter or _ and contain only letters, digits and _');
export const emailSchema = z.string().max(128).regex(EMAIL_REGEX, 'must be an email address');
export const phoneSchema = z.string().max(128).regex(PHONE_REGEX, 'must contain digits only');
/**
 * The Management API lets an administrator set any non-empty password (as Logto does); the
 * end-user policy of the sign-up flow is stricter.
 */
export const adminPasswordSchema = z.string().min(1).max(256);

/**
 * How deep free-form JSON (`customData`) may nest. Logto sets no limit, but storing it serialises
 * it with JSON.stringify, which recurses: a few thousand levels (a 20 KB body) overflowed the stack
 * and answered 500 (found by the reliability suite's bad-input scenario). No real document comes
 * near 64 levels.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests at most `maxDepth` arrays and objects deep; iterative, so depth cannot hurt it. */
export function isJsonDepthWithin(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > maxDepth) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

export const jsonObjectSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => isJsonDepthWithin(value, MAX_JSON_DEPTH), {
    message: `must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
  });

/** OIDC standard claims that Logto keeps in `profile`. */
export const userProfileSchema = z.strictObject({
  familyName: z.string().optional(),
  givenName: z.string().optional(),
  middleName: z.string().optional(),
  nickname: z.string().optional(),
  preferredUsername: z.string().optional(),
  profile: z.string().optional(),
  website: z.string().optional(),
  gender: z.string().optional(),
  birthdate: z.string().optional(),
  zoneinfo: z.string().optional(),
  locale: z.string().optional(),
  address: z
    .strictObject({
      formatted: z.string().optional(),
      streetAddress: z.string().optional(),
      locality: z.string().optional(),
      region: z.string().optional(),
      postalCode: z.string().optional(),
      country: z.string().optional(),
    })
    .optional(),
});
export type UserProfile = z.infer<typeof userProfileSchema>;

/** Which identifier a uniqueness conflict is about, mapped to Logto's error codes by services. */
export type UserIdentifierField = 'username' | 'primaryEmail' | 'primaryPhone';
