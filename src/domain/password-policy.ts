/**
 * The end-user password policy for sign-up and password reset (the Management API lets an
 * administrator set any password, as Logto does). Documented in the README; the issue codes are
 * Logto's `password_rejected.*`, returned in `data.issues` of a 422 `password.rejected`.
 *
 * - at least `minLength` (default 8) and at most 256 characters;
 * - not one character repeated, nor a run of consecutive letters or digits (`aaaaaaaa`,
 *   `12345678`, `abcdefgh`, `87654321`);
 * - not one of the most common passwords;
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
 * A deliberately small list: the passwords at the top of every breach corpus that still satisfy
 * the length rule. A full breach list needs a lookup service, which idhooks does not call.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'p@ssw0rd',
  'qwertyuiop',
  'qwerty123',
  'qwerty12',
  '1q2w3e4r',
  '1q2w3e4r5t',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'welcome123',
  'letmein1',
  'trustno1',
  'superman',
  'starwars',
  'dragon123',
  'monkey123',
  'abc12345',
  'abcd1234',
  'admin123',
  'changeme',
  'asdfghjkl',
  'zaq12wsx',
  '11111111',
  '00000000',
]);

const isRepetition = (value: string) => value.length > 1 && [...value].every((c) => c === value[0]);

/** True when every character is the previous one plus (or minus) one: `abcdef`, `654321`. */
function isSequence(value: string): boolean {
  if (value.length < 3 || !/^([a-z]+|\d+)$/i.test(value)) return false;
  const codes = [...value.toLowerCase()].map((c) => c.charCodeAt(0));
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
  if (password.length < policy.minLength) {
    issues.push({ code: 'password_rejected.too_short', interpolation: { min: policy.minLength } });
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    issues.push({ code: 'password_rejected.too_long', interpolation: { max: PASSWORD_MAX_LENGTH } });
  }
  const lower = password.toLowerCase();
  if (isRepetition(password)) issues.push({ code: 'password_rejected.restricted.repetition' });
  else if (isSequence(password)) issues.push({ code: 'password_rejected.restricted.sequence' });
  if (COMMON_PASSWORDS.has(lower)) issues.push({ code: 'password_rejected.restricted.words' });
  const userParts = [user.username, user.email?.split('@')[0]]
    .filter((part): part is string => typeof part === 'string' && part.length >= 3)
    .map((part) => part.toLowerCase());
  if (userParts.some((part) => lower.includes(part))) {
    issues.push({ code: 'password_rejected.restricted.user_info' });
  }
  return issues;
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
