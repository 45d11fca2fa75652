import { z } from 'zod';
import { emailSchema, phoneSchema, usernameSchema } from './users.js';

/**
 * The end-user sign-in experience: Logto's Experience API (docs/compatibility.md#sign-in-flows, docs/compatibility.md#sign-in-flows) for
 * the subset idhooks serves: username/email/phone + password sign-in, username + password sign-up,
 * email verification codes, and password reset by email code.
 *
 * The shapes below are Logto's request bodies; the interaction state is ours (kept server-side,
 * never sent to the browser).
 */

/** Logto's `InteractionEvent`. */
export const INTERACTION_EVENTS = ['SignIn', 'Register', 'ForgotPassword'] as const;
export type InteractionEventName = (typeof INTERACTION_EVENTS)[number];
export const interactionEventSchema = z.enum(INTERACTION_EVENTS);

/** Identifier types a user can sign in with (Logto's `SignInIdentifier`). */
export const IDENTIFIER_TYPES = ['username', 'email', 'phone'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export interface Identifier {
  readonly type: IdentifierType;
  readonly value: string;
}

/**
 * `{ type, value }` as Logto accepts it. The value is validated per type so that a malformed
 * identifier is a 400 naming the field, never a lookup.
 */
export const identifierSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('username'), value: usernameSchema }),
  z.strictObject({ type: z.literal('email'), value: emailSchema }),
  z.strictObject({ type: z.literal('phone'), value: phoneSchema }),
]);

/** Identifiers a verification code can be sent to. Only email has a connector today. */
export const codeIdentifierSchema = z.strictObject({ type: z.literal('email'), value: emailSchema });

/** New-password identities register a username (Logto: email and phone need a code instead). */
export const newPasswordIdentifierSchema = z.strictObject({
  type: z.literal('username'),
  value: usernameSchema,
});

/** Passwords are length-checked by the policy; this only caps what we are willing to hash. */
export const passwordInputSchema = z.string().min(1).max(256);

/**
 * Emails compare case-insensitively everywhere (the users table has a unique index on
 * `lower(primary_email)`); usernames and phones are exact.
 */
export const normaliseIdentifierValue = ({ type, value }: Identifier): string =>
  type === 'email' ? value.toLowerCase() : value;

/** The verification records of an interaction (Logto's `VerificationType` names). */
export type VerificationRecord =
  | {
      readonly id: string;
      readonly type: 'Password';
      readonly identifier: Identifier;
      readonly userId: string;
      readonly isConsumed: boolean;
    }
  | {
      readonly id: string;
      readonly type: 'NewPasswordIdentity';
      readonly identifier: Identifier;
      /** Argon2id digest of the chosen password: the clear text never reaches storage. */
      readonly passwordEncrypted: string;
      readonly isConsumed: boolean;
    }
  | {
      readonly id: string;
      readonly type: 'EmailVerificationCode';
      readonly identifier: Identifier;
      readonly interactionEvent: InteractionEventName;
      readonly isVerified: boolean;
      readonly isConsumed: boolean;
    };

/** Profile changes collected by `POST /api/experience/profile`, applied at identification or submit. */
export interface PendingProfile {
  readonly username?: string;
  readonly primaryEmail?: string;
  readonly passwordEncrypted?: string;
  readonly name?: string | null;
  readonly avatar?: string | null;
}

/** The server-side state of one interaction, stored as JSON beside its row. */
export interface InteractionState {
  readonly verifications: readonly VerificationRecord[];
  /** The user this interaction acts for, once identified. */
  readonly userId?: string;
  /** True when this interaction created the user (Register identification). */
  readonly hasCreatedUser?: boolean;
  readonly profile: PendingProfile;
}

export const EMPTY_INTERACTION_STATE: InteractionState = Object.freeze({
  verifications: Object.freeze([]),
  profile: Object.freeze({}),
});

export const hasPendingProfile = (profile: PendingProfile): boolean =>
  Object.values(profile).some((value) => value !== undefined);

/** `POST /api/experience/profile` bodies (Logto's `UpdateProfileApiPayload`, our subset). */
export const profileInputSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('username'), value: usernameSchema }),
  z.strictObject({ type: z.literal('password'), value: passwordInputSchema }),
  z.strictObject({ type: z.literal('email'), verificationId: z.string().min(1).max(64) }),
  z.strictObject({
    type: z.literal('extraProfile'),
    values: z.strictObject({
      name: z.string().max(128).nullable().optional(),
      avatar: z.url().max(2048).or(z.literal('')).nullable().optional(),
    }),
  }),
]);
export type ProfileInput = z.infer<typeof profileInputSchema>;
