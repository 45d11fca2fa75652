import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The end-user password policy for sign-up and password reset (the Management API lets an
 * administrator set any password, as Logto does). Documented in the README; the issue codes are
 * Logto's `password_rejected.*`, returned in `data.issues` of a 422 `password.rejected`.
 *
 * - at least `minLength` (default 8) and at most 256 characters, counted in code points after
 *   NFKC normalisation (every rule below sees the normalised form);
 * - not one character repeated, nor a run of consecutive letters or digits (`aaaaaaaa`,
 *   `12345678`, `abcdefgh`, `87654321`);
 * - not in the common-password list of `@zxcvbn-ts/language-common`;
 * - not containing the username or the email's local part (case-insensitive, when they are at
 *   least 3 characters long).
 */

export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordPolicy {
  /** @defaultValue 8 */
  readonly minLength: number;
}

export interface PasswordIssue {
  readonly code: string;
  readonly interpolation?: Record<string, number | string>;
}

/**
 * The common-password list of `@zxcvbn-ts/language-common` (about 49,000 entries drawn from breach
 * corpora, maintained upstream and pinned in package.json), built into a set on first use.
 */
let commonPasswords: ReadonlySet<string> | undefined;
const isCommonPassword = (lower: string) => {
  commonPasswords ??= new Set(dictionary.passwords.map((p) => p.toLowerCase()));
  return commonPasswords.has(lower);
};

/** Characters as a person counts them: code points, so an emoji is one, not two UTF-16 units. */
const codePoints = (value: string) => [...value];

const isRepetition = (chars: readonly string[]) => chars.length > 1 && chars.every((c) => c === chars[0]);

/** True when every character is the previous one plus (or minus) one: `abcdef`, `654321`. */
function isSequence(value: string): boolean {
  if (value.length < 3 || !/^([a-z]+|\d+)$/i.test(value)) return false;
  const codes = codePoints(value.toLowerCase()).map((c) => c.codePointAt(0) ?? 0);
  const step = (codes[1] ?? 0) - (codes[0] ?? 0);
  if (step !== 1 && step !== -1) return false;
  return codes.every((code, i) => i === 0 || code - (codes[i - 1] ?? 0) === step);
}

export interface PasswordUserInfo {
  readonly username?: string | null;
  readonly email?: string | null;
}

/** The policy's verdict: an empty list means the password is accepted. */
export function checkPassword(
  password: string,
  policy: PasswordPolicy,
  user: PasswordUserInfo = {},
): PasswordIssue[] {
  const issues: PasswordIssue[] = [];
  // Checked in NFKC form, so full-width or other compatibility spellings ("ＰＡＳＳＷＯＲＤ１")
  // meet the same rules as their plain form. The password itself is stored as typed.
  const normalised = password.normalize('NFKC');
  const chars = codePoints(normalised);
  if (chars.length < policy.minLength) {
    issues.push({ code: 'password_rejected.too_short', interpolation: { min: policy.minLength } });
  }
  if (chars.length > PASSWORD_MAX_LENGTH) {
    issues.push({ code: 'password_rejected.too_long', interpolation: { max: PASSWORD_MAX_LENGTH } });
  }
  const lower = normalised.toLowerCase();
  if (isRepetition(chars)) issues.push({ code: 'password_rejected.restricted.repetition' });
  else if (isSequence(normalised)) issues.push({ code: 'password_rejected.restricted.sequence' });
  if (isCommonPassword(lower)) issues.push({ code: 'password_rejected.restricted.words' });
  const userParts = [user.username, user.email?.split('@')[0]]
    .filter((part): part is string => typeof part === 'string' && part.length >= 3)
    .map((part) => part.normalize('NFKC').toLowerCase());
  if (userParts.some((part) => lower.includes(part))) {
    issues.push({ code: 'password_rejected.restricted.user_info' });
  }
  return issues;
}

/**
 * The rules of `policy` as a person reads them before choosing a password, in the order
 * `checkPassword` applies them: the pages show these up front, so they cannot drift from the check.
 */
export function describePasswordPolicy(policy: PasswordPolicy): string[] {
  return [
    `At least ${policy.minLength} and at most ${PASSWORD_MAX_LENGTH} characters.`,
    'Not one character repeated, nor a run of consecutive letters or digits (like 12345678 or abcdefgh).',
    'Not a commonly used password.',
    'Not containing your username or the part of your email before the @.',
  ];
}

/** Human-readable text for one issue, shown on the hosted pages. */
export function describePasswordIssue(issue: PasswordIssue): string {
  switch (issue.code) {
    case 'password_rejected.too_short':
      return `Use at least ${issue.interpolation?.min ?? 8} characters.`;
    case 'password_rejected.too_long':
      return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
    case 'password_rejected.restricted.repetition':
      return 'Do not repeat a single character.';
    case 'password_rejected.restricted.sequence':
      return 'Do not use a run of consecutive letters or digits.';
    case 'password_rejected.restricted.words':
      return 'This password is too common.';
    case 'password_rejected.restricted.user_info':
      return 'Do not include your username or email in the password.';
    default:
      return 'The password does not meet the requirements.';
  }
}
