import { describe, expect, it } from 'vitest';
import { eventTypes } from './events.js';
import {
  MAX_ORDERING_KEY_LENGTH,
  ORDERING_KEY_RULES,
  orderingKeyKindOf,
  orderingKeyOf,
} from './ordering-keys.js';

const management = (params: Record<string, string>, own: Record<string, unknown> = {}) => ({
  path: '/x',
  method: 'POST',
  status: 200,
  params,
  matchedRoute: '/x',
  ...own,
});

describe('ordering keys', () => {
  it('keys each event by the entity it is about', () => {
    const cases: Array<[string, unknown, string | null]> = [
      ['PostSignIn', { userId: 'u1', user: { id: 'u1' } }, 'user:u1'],
      ['PostSignInFromNewDevice', { userId: 'u1' }, 'user:u1'],
      ['PostSignOut', { userId: 'u1' }, 'user:u1'],
      ['User.Created', management({}, { data: { id: 'u1' } }), 'user:u1'],
      ['User.Deleted', management({ userId: 'u1' }, { data: { id: 'u1' } }), 'user:u1'],
      // PATCH /users/:userId/custom-data sends only the custom data: the route names the user.
      ['User.Data.Updated', management({ userId: 'u1' }, { data: { plan: 'pro' } }), 'user:u1'],
      ['User.Roles.Updated', management({ id: 'r1' }, { data: { userId: 'u1' } }), 'user:u1'],
      ['Grant.LimitExceeded', { userId: 'u1' }, 'user:u1'],
      ['Role.Created', management({}, { data: { id: 'r1' } }), 'role:r1'],
      ['Role.Deleted', management({ id: 'r1' }), 'role:r1'],
      ['Role.Scopes.Updated', management({}, { roleId: 'r1' }), 'role:r1'],
      ['Role.Scopes.Updated', management({ id: 'r1', scopeId: 's1' }), 'role:r1'],
      ['Scope.Created', management({ resourceId: 'api1' }, { data: { id: 's1' } }), 'resource:api1'],
      ['Scope.Deleted', management({ resourceId: 'api1', scopeId: 's1' }), 'resource:api1'],
      ['Organization.Created', management({}, { data: { id: 'o1' } }), 'organization:o1'],
      ['Organization.Deleted', management({ id: 'o1' }), 'organization:o1'],
      // From an invitation's status route `params.id` is the invitation, not the organization.
      [
        'Organization.Membership.Updated',
        management({ id: 'inv1' }, { organizationId: 'o1' }),
        'organization:o1',
      ],
      [
        'Organization.MemberRoles.Updated',
        management({ id: 'o1' }, { data: { organizationId: 'o1' } }),
        'organization:o1',
      ],
      ['OrganizationRole.Created', management({}, { data: { id: 'or1' } }), 'organizationRole:or1'],
      ['OrganizationRole.Scopes.Updated', management({ id: 'or1' }), 'organizationRole:or1'],
      ['OrganizationScope.Deleted', management({ id: 'os1' }), 'organizationScope:os1'],
      ['Hook.Disabled', { data: { id: 'h1' } }, 'hook:h1'],
      ['Identifier.Lockout', { type: 'email', value: 'a@b.c' }, null],
      ['Message.RateLimited', { recipient: 'a@b.c' }, null],
    ];
    for (const [event, payload, key] of cases) expect(orderingKeyOf(event, payload), event).toBe(key);
  });

  it('gives no key when the id is missing, empty, not a string or too long', () => {
    expect(orderingKeyOf('User.Created', management({}, { data: {} }))).toBeNull();
    expect(orderingKeyOf('User.Created', management({}, { data: { id: '' } }))).toBeNull();
    expect(orderingKeyOf('User.Created', management({}, { data: { id: 7 } }))).toBeNull();
    expect(orderingKeyOf('User.Created', null)).toBeNull();
    expect(orderingKeyOf('User.Created', { data: { id: 'x'.repeat(MAX_ORDERING_KEY_LENGTH) } })).toBeNull();
    expect(orderingKeyOf('No.Such.Event', { data: { id: 'u1' } })).toBeNull();
    // Inherited properties are not payload keys.
    expect(orderingKeyOf('toString', {})).toBeNull();
    expect(orderingKeyOf('User.Created', Object.create({ data: { id: 'u1' } }))).toBeNull();
  });

  it('has rules only for catalog events; an event without one is unordered', () => {
    const catalog: readonly string[] = eventTypes;
    expect(Object.keys(ORDERING_KEY_RULES).filter((event) => !catalog.includes(event))).toEqual([]);
    expect(orderingKeyKindOf('Identifier.Lockout')).toBeUndefined();
    expect(orderingKeyKindOf('Message.RateLimited')).toBeUndefined();
    expect(orderingKeyKindOf('User.Created')).toBe('user');
  });
});
