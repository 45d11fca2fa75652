/**
 * The payload schema of every event in the catalog, as a receiver gets it (with `hookId`).
 *
 * ADDING AN EVENT: add its entry to EVENT_PAYLOAD_SCHEMAS below (the `satisfies` makes a missing one
 * a type error), then run `npm run generate:events` to regenerate the `@idhooks/webhooks` package's
 * types and JSON Schemas. The OpenAPI document's `webhooks` section is built from this map at
 * start-up. Tests fail when an event has no schema, when the generated files are stale, and when a
 * payload the test suite delivers does not match its schema.
 */
import { z } from 'zod';
import {
  adaptiveMfaResultSchema,
  adminUserSchema,
  applicationSummarySchema,
  disabledHookSchema,
  experienceContextShape,
  hookIdSchema,
  interactionShape,
  managementContextShape,
  membershipDeltaShape,
  organizationRoleSchema,
  organizationSchema,
  organizationScopeSchema,
  payloadTimeSchema,
  roleSchema,
  scopeSchema,
  trustedDeviceSchema,
  userInfoSchema,
} from './event-payload-parts.js';
import { BLOCKING_EVENT_PAYLOAD_SCHEMAS } from './event-schemas-blocking.js';
import { type EventType, eventTypes } from './events.js';
import { userProfileSchema } from './users.js';

type Shape = z.ZodRawShape;

const head = <E extends EventType>(event: E) => ({ event: z.literal(event), createdAt: payloadTimeSchema });

/** A payload caused by a Management API request: route context, then the event's own keys. */
const fromManagementApi = <E extends EventType, S extends Shape>(
  event: E,
  own: S,
  description: string,
  title: string = event,
) =>
  z
    .strictObject({ ...head(event), ...managementContextShape, ...own, hookId: hookIdSchema })
    .meta({ title, description });

/** A data or exception payload caused by an end user's Experience API request. */
const fromExperienceApi = <E extends EventType, S extends Shape>(
  event: E,
  own: S,
  description: string,
  title: string = event,
) =>
  z
    .strictObject({ ...head(event), ...experienceContextShape, ...own, hookId: hookIdSchema })
    .meta({ title, description });

/** An interaction event: a sign-up, sign-in or password reset that completed. */
const interaction = <E extends EventType, S extends Shape>(event: E, own: S, description: string) =>
  z
    .strictObject({ event: z.literal(event), ...interactionShape, ...own, hookId: hookIdSchema })
    .meta({ title: event, description });

/** An event with no request context: only its own keys between `createdAt` and `hookId`. */
const standalone = <E extends EventType, S extends Shape>(event: E, own: S, description: string) =>
  z.strictObject({ ...head(event), ...own, hookId: hookIdSchema }).meta({ title: event, description });

const deleted = (what: string) => `${what} was deleted. No data: the route's params name it.`;

export const EVENT_PAYLOAD_SCHEMAS = {
  PostRegister: interaction('PostRegister', {}, 'A user completed sign-up.'),
  PostSignIn: interaction('PostSignIn', {}, 'A user completed sign-in.'),
  PostSignInAdaptiveMfaTriggered: interaction(
    'PostSignInAdaptiveMfaTriggered',
    { adaptiveMfaResult: adaptiveMfaResultSchema },
    'Adaptive MFA asked a signing-in user for a second factor (not emitted by idhooks yet).',
  ),
  PostResetPassword: interaction('PostResetPassword', {}, 'A user completed a password reset.'),

  'User.Created': z
    .union([
      fromManagementApi(
        'User.Created',
        { data: adminUserSchema },
        'An administrator created a user.',
        'User.Created (Management API)',
      ),
      fromExperienceApi(
        'User.Created',
        { data: userInfoSchema },
        'A user signed up.',
        'User.Created (Experience API)',
      ),
    ])
    .meta({ title: 'User.Created' }),
  'User.Deleted': fromManagementApi(
    'User.Deleted',
    { data: userInfoSchema },
    'A user was deleted; `data` is the last snapshot.',
  ),
  'User.Data.Updated': z
    .union([
      fromManagementApi(
        'User.Data.Updated',
        { data: z.union([adminUserSchema, userProfileSchema, z.record(z.string(), z.unknown())]) },
        'An administrator changed a user. `data` is the user, or only `profile` from PATCH /users/:userId/profile, or only `customData` from PATCH /users/:userId/custom-data.',
        'User.Data.Updated (Management API)',
      ),
      fromExperienceApi(
        'User.Data.Updated',
        { data: userInfoSchema },
        'A user changed their own data while signing in.',
        'User.Data.Updated (Experience API)',
      ),
    ])
    .meta({ title: 'User.Data.Updated' }),
  'User.SuspensionStatus.Updated': fromManagementApi(
    'User.SuspensionStatus.Updated',
    { data: adminUserSchema },
    'A user was suspended or reinstated.',
  ),
  'TrustedDevice.Created': standalone(
    'TrustedDevice.Created',
    { userAgent: z.string().optional(), data: trustedDeviceSchema },
    'A user trusted a device for MFA (not emitted by idhooks yet).',
  ),
  'TrustedDevice.Deleted': standalone(
    'TrustedDevice.Deleted',
    { userAgent: z.string().optional(), data: trustedDeviceSchema },
    'A trusted device was removed (not emitted by idhooks yet).',
  ),
  'Role.Created': fromManagementApi('Role.Created', { data: roleSchema }, 'A role was created.'),
  'Role.Deleted': fromManagementApi('Role.Deleted', {}, deleted('A role')),
  'Role.Data.Updated': fromManagementApi('Role.Data.Updated', { data: roleSchema }, 'A role was changed.'),
  'Role.Scopes.Updated': fromManagementApi(
    'Role.Scopes.Updated',
    { roleId: z.string().optional(), data: z.array(scopeSchema).optional() },
    "A role's permissions changed. `roleId` only from POST /roles; `data` is absent on DELETE.",
  ),
  'Scope.Created': fromManagementApi('Scope.Created', { data: scopeSchema }, 'A permission was created.'),
  'Scope.Deleted': fromManagementApi('Scope.Deleted', {}, deleted('A permission')),
  'Scope.Data.Updated': fromManagementApi(
    'Scope.Data.Updated',
    { data: scopeSchema },
    'A permission was changed.',
  ),
  'Organization.Created': fromManagementApi(
    'Organization.Created',
    { data: organizationSchema },
    'An organization was created.',
  ),
  'Organization.Deleted': fromManagementApi('Organization.Deleted', {}, deleted('An organization')),
  'Organization.Data.Updated': fromManagementApi(
    'Organization.Data.Updated',
    { data: organizationSchema },
    'An organization was changed.',
  ),
  'Organization.Membership.Updated': fromManagementApi(
    'Organization.Membership.Updated',
    membershipDeltaShape,
    'Users or applications joined or left an organization; each list is present only when not empty.',
  ),
  'OrganizationRole.Created': fromManagementApi(
    'OrganizationRole.Created',
    { data: organizationRoleSchema },
    'An organization role was created.',
  ),
  'OrganizationRole.Deleted': fromManagementApi(
    'OrganizationRole.Deleted',
    {},
    deleted('An organization role'),
  ),
  'OrganizationRole.Data.Updated': fromManagementApi(
    'OrganizationRole.Data.Updated',
    { data: organizationRoleSchema },
    'An organization role was changed.',
  ),
  'OrganizationRole.Scopes.Updated': fromManagementApi(
    'OrganizationRole.Scopes.Updated',
    { organizationRoleId: z.string().optional() },
    "An organization role's permissions changed. `organizationRoleId` only from POST /organization-roles.",
  ),
  'OrganizationScope.Created': fromManagementApi(
    'OrganizationScope.Created',
    { data: organizationScopeSchema },
    'An organization permission was created.',
  ),
  'OrganizationScope.Deleted': fromManagementApi(
    'OrganizationScope.Deleted',
    {},
    deleted('An organization permission'),
  ),
  'OrganizationScope.Data.Updated': fromManagementApi(
    'OrganizationScope.Data.Updated',
    { data: organizationScopeSchema },
    'An organization permission was changed.',
  ),

  'Identifier.Lockout': fromExperienceApi(
    'Identifier.Lockout',
    { type: z.string(), value: z.string() },
    'Too many failed attempts locked an identifier (username, email or phone).',
  ),
  'Message.RateLimited': fromExperienceApi(
    'Message.RateLimited',
    { action: z.literal('VerificationCodeSend'), recipient: z.string() },
    'A verification code was refused because its recipient reached the send limit.',
  ),
  'Grant.LimitExceeded': standalone(
    'Grant.LimitExceeded',
    {
      ip: z.string().optional(),
      userAgent: z.string().optional(),
      application: applicationSummarySchema.optional(),
      userId: z.string(),
      applicationId: z.string().optional(),
      cimdClientId: z.string().optional(),
      revokedGrantIds: z.array(z.string()),
      maxAllowedGrants: z.number().int(),
      preRevocationActiveGrantCount: z.number().int(),
    },
    "A user's grants for an application passed the application's maxAllowedGrants and the oldest were revoked.",
  ),

  'Hook.Disabled': standalone(
    'Hook.Disabled',
    { data: disabledHookSchema },
    'A hook whose attempts all failed for the whole window was disabled (an idhooks addition).',
  ),
  'User.Roles.Updated': fromManagementApi(
    'User.Roles.Updated',
    {
      data: z.strictObject({
        userId: z.string(),
        roleIds: z.array(z.string()),
        addedRoleIds: z.array(z.string()),
        removedRoleIds: z.array(z.string()),
      }),
    },
    "A user's roles changed; roleIds is the whole set after the change (an idhooks addition).",
  ),
  'Organization.MemberRoles.Updated': fromManagementApi(
    'Organization.MemberRoles.Updated',
    {
      data: z.strictObject({
        organizationId: z.string(),
        userId: z.string(),
        organizationRoleIds: z.array(z.string()),
        addedOrganizationRoleIds: z.array(z.string()),
        removedOrganizationRoleIds: z.array(z.string()),
      }),
    },
    "An organization member's roles changed; organizationRoleIds is the whole set after the change (an idhooks addition).",
  ),
  PostSignInFromNewDevice: interaction(
    'PostSignInFromNewDevice',
    {
      device: z.strictObject({
        isNewDevice: z.boolean(),
        isNewNetwork: z.boolean(),
        lastSeenAt: payloadTimeSchema.nullable(),
      }),
    },
    'A sign-in from a device or network not seen for the user in the last 90 days, beside its PostSignIn (an idhooks addition).',
  ),
  PostSignOut: z
    .strictObject({
      event: z.literal('PostSignOut'),
      createdAt: payloadTimeSchema,
      sessionId: z.string(),
      userAgent: z.string().optional(),
      userId: z.string(),
      userIp: z.string().optional(),
      user: userInfoSchema,
      application: applicationSummarySchema.optional(),
      hookId: hookIdSchema,
    })
    .meta({
      title: 'PostSignOut',
      description: 'A user signed out through the end-session endpoint (an idhooks addition).',
    }),
  ...BLOCKING_EVENT_PAYLOAD_SCHEMAS,
} satisfies Record<EventType, z.ZodType>;

/** The payload of `E` as delivered (with `hookId`). */
export type EventPayload<E extends EventType> = z.infer<(typeof EVENT_PAYLOAD_SCHEMAS)[E]>;

/** Catalog events with no schema; empty unless an entry above was forgotten. */
export const eventsWithoutSchema = (): EventType[] =>
  eventTypes.filter((event) => !Object.hasOwn(EVENT_PAYLOAD_SCHEMAS, event));

/** The zod schema of an event's payload, or `undefined` for a name outside the catalog. */
export const payloadSchemaOf = (event: string): z.ZodType | undefined =>
  Object.hasOwn(EVENT_PAYLOAD_SCHEMAS, event)
    ? (EVENT_PAYLOAD_SCHEMAS as Record<string, z.ZodType>)[event]
    : undefined;

/**
 * JSON Schema (draft 2020-12, what OpenAPI 3.1 embeds) of every event payload, in catalog order.
 * `$schema` is left out: the OpenAPI document and the package add it where it belongs.
 */
export function eventJsonSchemas(): Record<EventType, Record<string, unknown>> {
  const out = {} as Record<EventType, Record<string, unknown>>;
  for (const event of eventTypes) {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(EVENT_PAYLOAD_SCHEMAS[event]) as Record<
      string,
      unknown
    >;
    out[event] = schema;
  }
  return out;
}
