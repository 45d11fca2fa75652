import { describe, expect, it } from 'vitest';

import {
  HOOK_EVENT_OF_INTERACTION,
  dataEvents,
  devOnlyEvents,
  eventFamilies,
  eventFamilyKeyOf,
  eventOfLogKey,
  eventTypeSchema,
  eventTypes,
  exceptionEvents,
  idhooksDataEvents,
  idhooksEventTypes,
  idhooksInteractionEvents,
  interactionEvents,
  isDataEvent,
  isEventType,
  isExceptionEvent,
  isIdhooksAddition,
  isInteractionEvent,
  isBlockingEvent,
  isOperationalEvent,
  isSubscribableEvent,
  logKeyOf,
  logtoEventTypes,
  operationalEvents,
  subscribableEventSchema,
  subscribableEventTypes,
  unavailableEventReason,
  unavailableEvents,
} from './events.js';

// Written out independently of events.ts from docs/events.md (`hookEvents` order), so a reorder or a
// typo in the catalog fails here.
const IDHOOKS_ADDITIONS = [
  'Hook.Disabled',
  'User.Roles.Updated',
  'Organization.MemberRoles.Updated',
  'PostSignInFromNewDevice',
  'PostSignOut',
  'PreRegister',
  'PreSignIn',
  'PreTokenIssue',
  'Hook.CircuitOpened',
  'Hook.CircuitClosed',
];

const LOGTO_HOOK_EVENTS = [
  'PostRegister',
  'PostSignIn',
  'PostSignInAdaptiveMfaTriggered',
  'PostResetPassword',
  'User.Created',
  'User.Deleted',
  'User.Data.Updated',
  'User.SuspensionStatus.Updated',
  'TrustedDevice.Created',
  'TrustedDevice.Deleted',
  'Role.Created',
  'Role.Deleted',
  'Role.Data.Updated',
  'Role.Scopes.Updated',
  'Scope.Created',
  'Scope.Deleted',
  'Scope.Data.Updated',
  'Organization.Created',
  'Organization.Deleted',
  'Organization.Data.Updated',
  'Organization.Membership.Updated',
  'OrganizationRole.Created',
  'OrganizationRole.Deleted',
  'OrganizationRole.Data.Updated',
  'OrganizationRole.Scopes.Updated',
  'OrganizationScope.Created',
  'OrganizationScope.Deleted',
  'OrganizationScope.Data.Updated',
  'Identifier.Lockout',
  'Message.RateLimited',
  'Grant.LimitExceeded',
];

describe('event catalog', () => {
  it("matches Logto's 31 hookEvents in order, then idhooks' additions", () => {
    expect(logtoEventTypes).toEqual(LOGTO_HOOK_EVENTS);
    expect(logtoEventTypes).toHaveLength(31);
    expect(eventTypes).toEqual([...LOGTO_HOOK_EVENTS, ...IDHOOKS_ADDITIONS]);
    expect(idhooksEventTypes).toEqual(IDHOOKS_ADDITIONS);
  });

  it('flags exactly the additions as idhooks events, never a Logto one', () => {
    for (const event of LOGTO_HOOK_EVENTS) expect(isIdhooksAddition(event), event).toBe(false);
    for (const event of IDHOOKS_ADDITIONS) expect(isIdhooksAddition(event), event).toBe(true);
    expect(isIdhooksAddition('User.Exploded')).toBe(false);
  });

  it('has no duplicates and follows Resource.Action[.Detail], Post* or Pre* naming', () => {
    expect(new Set(eventTypes).size).toBe(eventTypes.length);
    for (const event of eventTypes) {
      expect(event).toMatch(/^(Post[A-Za-z]+|Pre[A-Za-z]+|[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*){1,2})$/);
    }
  });

  it("splits Logto's into 4 interaction, 24 data, 3 exception events; ours into 1 operational, 2 data, 1 interaction", () => {
    expect(interactionEvents).toHaveLength(4);
    expect(dataEvents).toHaveLength(24);
    expect(exceptionEvents).toHaveLength(3);
    expect(operationalEvents).toEqual(['Hook.Disabled']);
    expect(idhooksDataEvents).toEqual(['User.Roles.Updated', 'Organization.MemberRoles.Updated']);
    expect(idhooksInteractionEvents).toEqual(['PostSignInFromNewDevice', 'PostSignOut']);
  });

  it('classifies every event into exactly one class', () => {
    for (const event of eventTypes) {
      const classes = [
        isInteractionEvent,
        isDataEvent,
        isExceptionEvent,
        isOperationalEvent,
        isBlockingEvent,
      ].filter((is) => is(event));
      expect(classes, event).toHaveLength(1);
    }
    expect(isInteractionEvent('PostSignIn')).toBe(true);
    expect(isInteractionEvent('PostSignOut')).toBe(true);
    expect(isDataEvent('Role.Scopes.Updated')).toBe(true);
    expect(isExceptionEvent('Identifier.Lockout')).toBe(true);
    expect(isOperationalEvent('Hook.Disabled')).toBe(true);
    expect(isDataEvent('PostSignIn')).toBe(false);
    expect(isDataEvent('User.Roles.Updated')).toBe(true);
    expect(isInteractionEvent('PostSignInFromNewDevice')).toBe(true);
    expect(isBlockingEvent('PreTokenIssue')).toBe(true);
    expect(isOperationalEvent('Hook.CircuitOpened')).toBe(true);
  });

  it.each(['', 'user.created', 'User.Updated', 'Scope.Scopes.Updated', 'TrustedDevice.Data.Updated'])(
    'rejects %j as an event',
    (value) => {
      expect(isEventType(value)).toBe(false);
      expect(eventTypeSchema.safeParse(value).success).toBe(false);
    },
  );

  it('accepts every catalog event in eventTypeSchema', () => {
    for (const event of eventTypes) expect(eventTypeSchema.parse(event)).toBe(event);
  });

  it('maps interaction names to hook events', () => {
    expect(HOOK_EVENT_OF_INTERACTION).toEqual({
      Register: 'PostRegister',
      SignIn: 'PostSignIn',
      ForgotPassword: 'PostResetPassword',
    });
  });
});

describe('availability', () => {
  const unavailable = [
    ['PostSignInAdaptiveMfaTriggered', 'adaptive MFA'],
    ['TrustedDevice.Created', 'trusted devices'],
    ['TrustedDevice.Deleted', 'trusted devices'],
  ] as const;

  it.each(unavailable)('%s is not subscribable yet (needs %s)', (event, need) => {
    expect(isSubscribableEvent(event)).toBe(false);
    expect(unavailableEventReason(event)).toBe(`${event} is not emitted by idhooks yet (it needs ${need}).`);
    const result = subscribableEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(unavailableEventReason(event));
  });

  it('lists exactly those as unavailable, and everything else as subscribable', () => {
    expect(unavailableEvents).toEqual(unavailable.map(([event]) => event));
    expect(subscribableEventTypes).toHaveLength(eventTypes.length - unavailable.length);
    for (const event of subscribableEventTypes) {
      expect(isSubscribableEvent(event)).toBe(true);
      expect(unavailableEventReason(event)).toBeUndefined();
      expect(subscribableEventSchema.parse(event)).toBe(event);
    }
    expect(isSubscribableEvent('Hook.Disabled')).toBe(true);
  });

  it('explains unknown events too', () => {
    expect(isSubscribableEvent('User.Exploded')).toBe(false);
    expect(unavailableEventReason('User.Exploded')).toBe('User.Exploded is not a known webhook event.');
  });

  it('marks TrustedDevice.* as dev only', () => {
    expect(devOnlyEvents).toEqual(['TrustedDevice.Created', 'TrustedDevice.Deleted']);
  });
});

describe('eventFamilies', () => {
  it("lists families in the console's order", () => {
    expect(eventFamilies.map((f) => f.label)).toEqual([
      'User',
      'Trusted device',
      'Organization',
      'Role',
      'Organization role',
      'Permission',
      'Organization permission',
      'User interaction',
      'Security',
      'Blocking (waited for)',
      'Webhooks',
    ]);
  });

  it('contains every event exactly once', () => {
    const all = eventFamilies.flatMap((f) => f.events);
    expect(all).toHaveLength(eventTypes.length);
    expect(new Set(all)).toEqual(new Set(eventTypes));
  });

  it('keeps catalog order inside each family and agrees with eventFamilyKeyOf', () => {
    for (const family of eventFamilies) {
      expect(family.events.length).toBeGreaterThan(0);
      const positions = family.events.map((e) => eventTypes.indexOf(e));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      for (const event of family.events) expect(eventFamilyKeyOf(event)).toBe(family.key);
    }
  });

  it('groups by resource and flags only the trusted-device family as dev only', () => {
    const byKey = Object.fromEntries(eventFamilies.map((f) => [f.key, f]));
    expect(byKey.scope?.events).toEqual(['Scope.Created', 'Scope.Deleted', 'Scope.Data.Updated']);
    expect(byKey.organization?.events).toContain('Organization.Membership.Updated');
    expect(byKey.organizationRole?.events).not.toContain('Organization.Created');
    expect(byKey.interaction?.events).toEqual([
      ...interactionEvents,
      'PostSignInFromNewDevice',
      'PostSignOut',
    ]);
    expect(byKey.user?.events).toContain('User.Roles.Updated');
    expect(byKey.organization?.events).toContain('Organization.MemberRoles.Updated');
    expect(byKey.security?.events).toEqual(exceptionEvents);
    expect(byKey.webhooks?.events).toEqual(['Hook.Disabled', 'Hook.CircuitOpened', 'Hook.CircuitClosed']);
    expect(byKey.blocking?.events).toEqual(['PreRegister', 'PreSignIn', 'PreTokenIssue']);
    expect(eventFamilies.filter((f) => f.isDevOnly).map((f) => f.events)).toEqual([devOnlyEvents]);
  });
});

describe('log keys', () => {
  it('round-trips every event', () => {
    for (const event of eventTypes) {
      expect(logKeyOf(event)).toBe(`TriggerHook.${event}`);
      expect(eventOfLogKey(logKeyOf(event))).toBe(event);
    }
  });

  it.each([
    'PostSignIn',
    'TriggerHook.',
    'TriggerHook.Nope',
    'triggerhook.PostSignIn',
    'TriggerHook.PostSignIn ',
  ])('returns undefined for %j', (key) => {
    expect(eventOfLogKey(key)).toBeUndefined();
  });
});
