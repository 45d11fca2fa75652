import { describe, expect, it } from 'vitest';
import { checkPassword, describePasswordIssue } from './password-policy.js';

const policy = { minLength: 8 };
const codes = (password: string, user = {}) =>
  checkPassword(password, policy, user).map((issue) => issue.code);

describe('password policy', () => {
  it('accepts a long, uncommon password unrelated to the user', () => {
    expect(codes('Correct-Horse-42', { username: 'ada_lovelace', email: 'ada@example.com' })).toEqual([]);
  });

  it('rejects short and overlong passwords with their limits', () => {
    expect(checkPassword('Ab1!', policy)).toEqual([
      { code: 'password_rejected.too_short', interpolation: { min: 8 } },
    ]);
    expect(codes('x'.repeat(255) + 'yz')).toContain('password_rejected.too_long');
  });

  it('rejects repetition, sequences and common passwords', () => {
    expect(codes('aaaaaaaa')).toEqual(['password_rejected.restricted.repetition']);
    expect(codes('12345678')).toEqual([
      'password_rejected.restricted.sequence',
      'password_rejected.restricted.words',
    ]);
    expect(codes('hgfedcba')).toEqual(['password_rejected.restricted.sequence']);
    expect(codes('Password1')).toEqual(['password_rejected.restricted.words']);
    expect(codes('Kq7-wz3-Rd9')).toEqual([]);
  });

  it('uses the maintained common-password list, not a short hand-kept one', () => {
    for (const common of ['basketball', 'jennifer1', '12345679', 'BASKETBALL']) {
      expect(codes(common), common).toEqual(['password_rejected.restricted.words']);
    }
  });

  it('counts code points: four emoji are four characters, not eight', () => {
    expect(codes('😀😀😀😀')).toContain('password_rejected.too_short');
    expect(codes('😀🎉🚀🌍')).toEqual(['password_rejected.too_short']);
    expect(codes('😀🎉🚀🌍🍕🎸🐙🦊')).toEqual([]);
    expect(codes('🦊'.repeat(257))).toContain('password_rejected.too_long');
  });

  it('sees repetition outside the Basic Multilingual Plane', () => {
    expect(codes('😀'.repeat(8))).toEqual(['password_rejected.restricted.repetition']);
    expect(codes('𝒜'.repeat(9))).toContain('password_rejected.restricted.repetition');
  });

  it('checks the NFKC form: full-width spellings meet the rules of their plain form', () => {
    expect(codes('ＰＡＳＳＷＯＲＤ１')).toEqual(['password_rejected.restricted.words']);
    expect(codes('１２３４５６７８')).toContain('password_rejected.restricted.sequence');
    expect(codes('my-ＡＤＡ_LOVELACE-pw', { username: 'ada_lovelace' })).toEqual([
      'password_rejected.restricted.user_info',
    ]);
  });

  it('rejects passwords containing the username or the email local part, case-insensitively', () => {
    expect(codes('my-ADA_LOVELACE-pw', { username: 'ada_lovelace' })).toEqual([
      'password_rejected.restricted.user_info',
    ]);
    expect(codes('grace.hopper!!', { email: 'Grace.Hopper@example.com' })).toEqual([
      'password_rejected.restricted.user_info',
    ]);
    // Identifiers shorter than 3 characters are too common a substring to forbid.
    expect(codes('xy-long-passphrase', { username: 'xy' })).toEqual([]);
  });

  it('describes every issue in words', () => {
    for (const password of ['short', 'aaaaaaaa', '12345678', 'password', 'ada_lovelace1']) {
      for (const issue of checkPassword(password, policy, { username: 'ada_lovelace' })) {
        expect(describePasswordIssue(issue)).not.toMatch(/requirements/);
      }
    }
  });
});
