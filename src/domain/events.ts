/**
 * The closed catalog of webhook event types, defined once.
 *
 * The first 31 names, and their order, are Logto's `hookEvents` (docs/events.md): 4 interaction events,
 * 24 data events and 3 exception events. Receivers written for Logto switch on these exact strings,
 * and the console lists them in this order, so neither may drift. idhooks' own additions come after
 * them, so Logto's prefix stays untouched; {@link isIdhooksAddition} tells the two apart.
 */
import { z } from 'zod';

/** Interaction events (docs/events.md#interaction-events), in `hookEvents` order. */
export const interactionEvents = [
  'PostRegister',
  'PostSignIn',
  'PostSignInAdaptiveMfaTriggered',
  'PostResetPassword',
] as const;

/** Data events (docs/events.md#data-events), in `hookEvents` order. */
export const dataEvents = [
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
] as const;

/** Exception events (docs/events.md#exception-events), in `hookEvents` order. */
export const exceptionEvents = ['Identifier.Lockout', 'Message.RateLimited', 'Grant.LimitExceeded'] as const;

/**
 * Events about idhooks itself, not part of Logto. `Hook.Disabled` fires when endpoint health
 * auto-disables a hook (docs/compatibility.md#additions point 7).
 */
export const operationalEvents = ['Hook.Disabled'] as const;

/**
 * Data events idhooks adds (issue 17): Logto's users asked for role-change events and it has none.
 * They have the Management API shape of Logto's data events (route context, then their own keys).
 */
export const idhooksDataEvents = ['User.Roles.Updated', 'Organization.MemberRoles.Updated'] as const;

/**
 * Interaction events idhooks adds. `PostSignInFromNewDevice` is `PostSignIn`'s payload plus a
 * `device` object, committed beside it (docs/idhooks-events.md). `PostSignOut` fires when a user
 * signs out through the OpenID Provider's end-session endpoint (docs/oidc.md); it has the
 * interaction shape (`userIp`, `user`, `application`) without `interactionEvent`.
 */
export const idhooksInteractionEvents = ['PostSignInFromNewDevice', 'PostSignOut'] as const;

/**
 * Blocking events idhooks adds (issue 15): sent before a sign-up, a sign-in or a token issue, and
 * waited for; the receiver's answer allows, denies or enriches the step (docs/idhooks-events.md).
 */
export const blockingEvents = ['PreRegister', 'PreSignIn', 'PreTokenIssue'] as const;

/**
 * A blocking hook's circuit breaker opened (the hook is skipped for a while) or closed again. Ordinary
 * asynchronous events about idhooks itself, like `Hook.Disabled`.
 */
export const circuitEvents = ['Hook.CircuitOpened', 'Hook.CircuitClosed'] as const;

/** Logto's 31 events exactly as `hookEvents` orders them; conformance tests compare against this. */
export const logtoEventTypes = [...interactionEvents, ...dataEvents, ...exceptionEvents] as const;

/** Events that exist in idhooks only, in the order they were added. */
export const idhooksEventTypes = [
  ...operationalEvents,
  ...idhooksDataEvents,
  ...idhooksInteractionEvents,
  ...blockingEvents,
  ...circuitEvents,
] as const;

/** Every event idhooks knows, Logto's first, then our own additions. */
export const eventTypes = [...logtoEventTypes, ...idhooksEventTypes] as const;

/** Interaction-shaped events (`userIp`, `user`, `sessionId`): Logto's and ours. */
export type InteractionEvent = (typeof interactionEvents)[number] | (typeof idhooksInteractionEvents)[number];
/** Data (entity change) events: Logto's and ours. */
export type DataEvent = (typeof dataEvents)[number] | (typeof idhooksDataEvents)[number];
export type ExceptionEvent = (typeof exceptionEvents)[number];
export type OperationalEvent = (typeof operationalEvents)[number] | (typeof circuitEvents)[number];
export type BlockingEvent = (typeof blockingEvents)[number];
export type EventType = (typeof eventTypes)[number];
export type IdhooksEvent = (typeof idhooksEventTypes)[number];

/** Validates an event name against the full catalog (unknown names are rejected). */
export const eventTypeSchema = z.enum(eventTypes);

const eventTypeSet: ReadonlySet<string> = new Set(eventTypes);
const interactionSet: ReadonlySet<string> = new Set([...interactionEvents, ...idhooksInteractionEvents]);
const dataSet: ReadonlySet<string> = new Set([...dataEvents, ...idhooksDataEvents]);
const idhooksSet: ReadonlySet<string> = new Set(idhooksEventTypes);
const exceptionSet: ReadonlySet<string> = new Set(exceptionEvents);
const operationalSet: ReadonlySet<string> = new Set([...operationalEvents, ...circuitEvents]);
const blockingSet: ReadonlySet<string> = new Set(blockingEvents);

/** True when `value` names an event in the catalog. */
export const isEventType = (value: string): value is EventType => eventTypeSet.has(value);
/** True for the user-interaction events (payloads use `userIp`, docs/events.md#payloads). */
export const isInteractionEvent = (event: string): event is InteractionEvent => interactionSet.has(event);
/** True for data (entity change) events. */
export const isDataEvent = (event: string): event is DataEvent => dataSet.has(event);
/** True for exception (security) events. */
export const isExceptionEvent = (event: string): event is ExceptionEvent => exceptionSet.has(event);
/** True for idhooks' own operational events. */
export const isOperationalEvent = (event: string): event is OperationalEvent => operationalSet.has(event);
/** True for the blocking events, which idhooks waits for instead of queueing (docs/idhooks-events.md). */
export const isBlockingEvent = (event: string): event is BlockingEvent => blockingSet.has(event);
/**
 * True for the events idhooks adds to Logto's catalog: a receiver written for Logto never sees
 * them unless it subscribes, and the console and README label them as idhooks additions.
 */
export const isIdhooksAddition = (event: string): event is IdhooksEvent => idhooksSet.has(event);

/**
 * Events Logto accepts only with dev features on (docs/events.md). We have no dev mode; they are also
 * in {@link unavailableEvents}, which is what gates them.
 */
export const devOnlyEvents = ['TrustedDevice.Created', 'TrustedDevice.Deleted'] as const;

/**
 * Why each not-yet-emittable event is unavailable (docs/compatibility.md#compatibility-choices point 5). A hook subscribed to an
 * event nothing can emit would look healthy while silently never firing, so the hooks API rejects
 * these until the feature exists. Remove an entry when its emitter lands.
 */
const UNAVAILABLE_REASONS: Readonly<Partial<Record<EventType, string>>> = Object.freeze({
  PostSignInAdaptiveMfaTriggered: 'it needs adaptive MFA',
  'TrustedDevice.Created': 'it needs trusted devices',
  'TrustedDevice.Deleted': 'it needs trusted devices',
});

/** Events in the catalog that idhooks cannot emit yet, in catalog order. */
export const unavailableEvents: readonly EventType[] = eventTypes.filter((e) => e in UNAVAILABLE_REASONS);

/** Events a hook may subscribe to today, in catalog order. */
export const subscribableEventTypes: readonly EventType[] = eventTypes.filter(
  (e) => !(e in UNAVAILABLE_REASONS),
);

/**
 * Why `event` cannot be subscribed to, or `undefined` when it can.
 * The message is shown to API clients as is, so it names the event and what is missing.
 */
export const unavailableEventReason = (event: string): string | undefined => {
  if (!isEventType(event)) {
    return `${event} is not a known webhook event.`;
  }
  const missing = UNAVAILABLE_REASONS[event];
  return missing === undefined ? undefined : `${event} is not emitted by idhooks yet (${missing}).`;
};

/** True when a hook may subscribe to `event` (known and emittable). */
export const isSubscribableEvent = (event: string): boolean => unavailableEventReason(event) === undefined;

/**
 * Schema for the `events` a hook subscribes to: a catalog event that idhooks can emit. Unknown
 * names fail like `eventTypeSchema`; known-but-unavailable ones fail with the reason.
 */
export const subscribableEventSchema = eventTypeSchema.superRefine((event, ctx) => {
  const reason = unavailableEventReason(event);
  if (reason !== undefined) {
    ctx.addIssue({ code: 'custom', message: reason });
  }
});

/** Logto's interaction event name → the hook event its successful submit fires (docs/events.md#interaction-events). */
export const HOOK_EVENT_OF_INTERACTION = Object.freeze({
  Register: 'PostRegister',
  SignIn: 'PostSignIn',
  ForgotPassword: 'PostResetPassword',
} as const satisfies Record<string, InteractionEvent>);

export type InteractionEventName = keyof typeof HOOK_EVENT_OF_INTERACTION;

/** Identifies one group of the console's event picker. */
export type EventFamilyKey =
  | 'user'
  | 'trustedDevice'
  | 'organization'
  | 'role'
  | 'organizationRole'
  | 'scope'
  | 'organizationScope'
  | 'interaction'
  | 'security'
  | 'blocking'
  | 'webhooks';

export type EventFamily = {
  readonly key: EventFamilyKey;
  readonly label: string;
  /** Hidden by Logto's console without dev features; our console hides it while unavailable. */
  readonly isDevOnly: boolean;
  readonly events: readonly EventType[];
};

/** Resource prefix of a data event → its family. */
const FAMILY_OF_RESOURCE: Readonly<Record<string, EventFamilyKey>> = Object.freeze({
  User: 'user',
  TrustedDevice: 'trustedDevice',
  Organization: 'organization',
  Role: 'role',
  OrganizationRole: 'organizationRole',
  Scope: 'scope',
  OrganizationScope: 'organizationScope',
});

/** The family an event belongs to; derived from the catalog so a new event cannot be forgotten. */
export const eventFamilyKeyOf = (event: EventType): EventFamilyKey => {
  if (isInteractionEvent(event)) return 'interaction';
  if (isBlockingEvent(event)) return 'blocking';
  if (isExceptionEvent(event)) return 'security';
  if (isOperationalEvent(event)) return 'webhooks';
  const resource = event.slice(0, event.indexOf('.'));
  const family = FAMILY_OF_RESOURCE[resource];
  if (family === undefined) {
    // Only reachable if a data event with a new resource is added without a family here.
    throw new Error(`Event ${event} has no picker family; add its resource to FAMILY_OF_RESOURCE.`);
  }
  return family;
};

/** Picker groups in the order of Logto's console (docs/compatibility.md#console), then our own. */
const FAMILY_ORDER: ReadonlyArray<{ key: EventFamilyKey; label: string }> = [
  { key: 'user', label: 'User' },
  { key: 'trustedDevice', label: 'Trusted device' },
  { key: 'organization', label: 'Organization' },
  { key: 'role', label: 'Role' },
  { key: 'organizationRole', label: 'Organization role' },
  { key: 'scope', label: 'Permission' },
  { key: 'organizationScope', label: 'Organization permission' },
  { key: 'interaction', label: 'User interaction' },
  { key: 'security', label: 'Security' },
  { key: 'blocking', label: 'Blocking (waited for)' },
  { key: 'webhooks', label: 'Webhooks' },
];

/**
 * The console's event picker groups. Every catalog event is in exactly one family, in catalog
 * order within it. `TrustedDevice.*` form their own family flagged `isDevOnly`.
 */
export const eventFamilies: ReadonlyArray<EventFamily> = Object.freeze(
  FAMILY_ORDER.map(({ key, label }) =>
    Object.freeze({
      key,
      label,
      isDevOnly: key === 'trustedDevice',
      events: Object.freeze(eventTypes.filter((e) => eventFamilyKeyOf(e) === key)),
    }),
  ),
);

/** Prefix of Logto's delivery log keys (`TriggerHook.<event>`, docs/compatibility.md#hooks-and-their-log). */
export const LOG_KEY_PREFIX = 'TriggerHook.';

/** The delivery log key for an event, e.g. `TriggerHook.PostSignIn`. */
export const logKeyOf = (event: EventType): `TriggerHook.${EventType}` => `${LOG_KEY_PREFIX}${event}`;

/** The event named by a delivery log key, or `undefined` when the key is not a known hook log key. */
export const eventOfLogKey = (key: string): EventType | undefined => {
  if (!key.startsWith(LOG_KEY_PREFIX)) return undefined;
  const event = key.slice(LOG_KEY_PREFIX.length);
  return isEventType(event) ? event : undefined;
};
