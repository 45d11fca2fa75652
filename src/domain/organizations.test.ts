import { describe, expect, it } from 'vitest';
import { effectiveInvitationStatus, MEMBERSHIP_DELTA_CAP, membershipDelta } from './organizations.js';

describe('membershipDelta', () => {
  it('is just the organization id when nothing changed', () => {
    expect(membershipDelta('org1', {})).toEqual({ organizationId: 'org1' });
    expect(membershipDelta('org1', { addedUserIds: [], removedUserIds: [] })).toEqual({
      organizationId: 'org1',
    });
  });

  it('keeps Logto key order and omits empty sides', () => {
    const delta = membershipDelta('org1', {
      removedApplicationIds: ['a2'],
      removedUserIds: ['u1'],
      addedUserIds: ['u2'],
      addedApplicationIds: [],
    });
    expect(Object.keys(delta)).toEqual([
      'organizationId',
      'addedUserIds',
      'removedUserIds',
      'removedApplicationIds',
    ]);
    expect(delta).toEqual({
      organizationId: 'org1',
      addedUserIds: ['u2'],
      removedUserIds: ['u1'],
      removedApplicationIds: ['a2'],
    });
  });

  it(`caps each side at ${MEMBERSHIP_DELTA_CAP} ids, silently`, () => {
    const ids = Array.from({ length: MEMBERSHIP_DELTA_CAP + 7 }, (_, i) => `u${i}`);
    const delta = membershipDelta('org1', { addedUserIds: ids, removedUserIds: ids.slice(0, 3) });
    expect(delta.addedUserIds).toEqual(ids.slice(0, MEMBERSHIP_DELTA_CAP));
    expect(delta.removedUserIds).toEqual(['u0', 'u1', 'u2']);
  });
});

describe('effectiveInvitationStatus', () => {
  it('reads an expired pending invitation as Expired, and leaves settled ones alone', () => {
    expect(effectiveInvitationStatus('Pending', 1000, 999)).toBe('Pending');
    expect(effectiveInvitationStatus('Pending', 1000, 1000)).toBe('Expired');
    expect(effectiveInvitationStatus('Accepted', 1000, 5000)).toBe('Accepted');
    expect(effectiveInvitationStatus('Revoked', 1000, 5000)).toBe('Revoked');
  });
});
