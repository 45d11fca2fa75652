/**
 * The ordering key of each event: the entity an event is about, which a hook with
 * `config.ordering: "perKey"` receives in commit order (docs/events.md#ordering-keys).
 *
 * A key is `<kind>:<id>`; the kind keeps ids of different tables apart, and events about the same
 * entity share a key whatever their type (a user's `User.Data.Updated` waits for its earlier
 * `User.Created` and `PostSignIn`). An event with no rule here, or whose payload lacks the id, has
 * no key and is delivered unordered even to a perKey hook. Adding an event: add its rule below if
 * it is about one entity; leaving it out is safe (unordered).
 *
 * Pure: computed from the payload when the event is appended, and stored on the delivery.
 */
import type { EventType } from './events.js';

/** The entity kinds keys name, in the order docs/events.md lists them. */
export type OrderingKeyKind =
  'user' | 'role' | 'resource' | 'organization' | 'organizationRole' | 'organizationScope' | 'hook';

/** Where an event's entity id sits in its payload: the first path that holds a non-empty string. */
interface KeyRule {
  readonly kind: OrderingKeyKind;
  readonly paths: ReadonlyArray<readonly string[]>;
}

const rule = (kind: OrderingKeyKind, ...paths: string[]): KeyRule => ({
  kind,
  paths: paths.map((path) => path.split('.')),
});

/** Interaction events name their user at the top level. */
const signedInUser = rule('user', 'userId', 'user.id');
/** User data events: the user in `data`, or the route's `:userId` when there is no data. */
const userEntity = rule('user', 'data.id', 'params.userId');

/**
 * The one table of ordering keys. Exception events about an identifier or a message recipient
 * (`Identifier.Lockout`, `Message.RateLimited`) have no entity id and stay unordered.
 */
export const ORDERING_KEY_RULES: Readonly<Partial<Record<EventType, KeyRule>>> = Object.freeze({
  PostRegister: signedInUser,
  PostSignIn: signedInUser,
  PostSignInAdaptiveMfaTriggered: signedInUser,
  PostResetPassword: signedInUser,
  PostSignInFromNewDevice: signedInUser,
  PostSignOut: signedInUser,
  'User.Created': userEntity,
  'User.Deleted': userEntity,
  'User.Data.Updated': userEntity,
  'User.SuspensionStatus.Updated': userEntity,
  'User.Roles.Updated': rule('user', 'data.userId', 'params.userId'),
  'TrustedDevice.Created': rule('user', 'data.userId'),
  'TrustedDevice.Deleted': rule('user', 'data.userId'),
  'Grant.LimitExceeded': rule('user', 'userId'),
  'Role.Created': rule('role', 'data.id', 'params.id'),
  'Role.Deleted': rule('role', 'params.id'),
  'Role.Data.Updated': rule('role', 'data.id', 'params.id'),
  'Role.Scopes.Updated': rule('role', 'roleId', 'params.id'),
  // A permission belongs to one API resource; keying by the resource orders every change to the
  // resource's permission list, which is what a receiver mirroring that list needs.
  'Scope.Created': rule('resource', 'params.resourceId', 'data.resourceId'),
  'Scope.Deleted': rule('resource', 'params.resourceId'),
  'Scope.Data.Updated': rule('resource', 'params.resourceId', 'data.resourceId'),
  'Organization.Created': rule('organization', 'data.id', 'params.id'),
  'Organization.Deleted': rule('organization', 'params.id'),
  'Organization.Data.Updated': rule('organization', 'data.id', 'params.id'),
  // Not `params.id`: from an invitation's status route that is the invitation.
  'Organization.Membership.Updated': rule('organization', 'organizationId'),
  'Organization.MemberRoles.Updated': rule('organization', 'data.organizationId', 'params.id'),
  'OrganizationRole.Created': rule('organizationRole', 'data.id'),
  'OrganizationRole.Deleted': rule('organizationRole', 'params.id'),
  'OrganizationRole.Data.Updated': rule('organizationRole', 'data.id', 'params.id'),
  'OrganizationRole.Scopes.Updated': rule('organizationRole', 'organizationRoleId', 'params.id'),
  'OrganizationScope.Created': rule('organizationScope', 'data.id'),
  'OrganizationScope.Deleted': rule('organizationScope', 'params.id'),
  'OrganizationScope.Data.Updated': rule('organizationScope', 'data.id', 'params.id'),
  'Hook.Disabled': rule('hook', 'data.id'),
});

/** Keys are stored in a varchar(160) column; longer ids are not ours and get no key. */
export const MAX_ORDERING_KEY_LENGTH = 160;

const valueAt = (payload: unknown, path: readonly string[]): unknown => {
  let value = payload;
  for (const part of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
};

/** The kind of key `event` is ordered by, or undefined when it is unordered. */
export const orderingKeyKindOf = (event: string): OrderingKeyKind | undefined =>
  Object.hasOwn(ORDERING_KEY_RULES, event) ? ORDERING_KEY_RULES[event as EventType]?.kind : undefined;

/** The ordering key of an event with this payload, e.g. `user:u1a2b3`, or null (unordered). */
export const orderingKeyOf = (event: string, payload: unknown): string | null => {
  if (!Object.hasOwn(ORDERING_KEY_RULES, event)) return null;
  const keyRule = ORDERING_KEY_RULES[event as EventType];
  if (keyRule === undefined) return null;
  for (const path of keyRule.paths) {
    const id = valueAt(payload, path);
    if (typeof id === 'string' && id !== '') {
      const key = `${keyRule.kind}:${id}`;
      return key.length <= MAX_ORDERING_KEY_LENGTH ? key : null;
    }
  }
  return null;
};
