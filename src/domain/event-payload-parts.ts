/**
 * The building blocks of webhook payload schemas: the entities payloads carry and the request
 * contexts they repeat (docs/events.md#payloads). `event-schemas.ts` assembles them per event.
 *
 * These zod schemas are the one definition of what a receiver gets: the JSON Schemas in the OpenAPI
 * document's `webhooks` section and in the `@idhooks/webhooks` package, and that package's TypeScript
 * types, are generated from them (`npm run generate:events`), and the test suite validates every
 * payload it delivers against them. No schema here carries an `id` in zod's registry on purpose:
 * a registered id would turn into a `$defs` reference, which does not resolve once the schema is
 * embedded in the OpenAPI document.
 */
import { z } from 'zod';
import { APPLICATION_TYPES } from './applications.js';
import { INTERACTION_EVENTS } from './experience.js';
import { organizationBrandingSchema, organizationColorSchema } from './organizations.js';
import { ROLE_TYPES } from './roles.js';
import { userProfileSchema } from './users.js';

const jsonObject = z.record(z.string(), z.unknown());
const epochMs = z.number().int().describe('Epoch milliseconds');

/** `createdAt` of every payload: when it was built, `Date#toISOString()` (UTC, milliseconds). */
export const payloadTimeSchema = z.iso.datetime().describe('When the payload was built (ISO 8601, UTC)');

/** `hookId`, the last key of every delivered payload: the hook this copy was sent to. */
export const hookIdSchema = z.string().describe('The hook this delivery was sent to (always the last key)');

/** The `application` object of payloads (docs/events.md#payloads): never a secret. */
export const applicationSummarySchema = z
  .strictObject({
    id: z.string(),
    type: z.enum(APPLICATION_TYPES),
    name: z.string(),
    description: z.string().nullable(),
  })
  .meta({ title: 'Application' });

/** Logto's user as payloads show it (docs/events.md#payloads), `UserInfo` in `users.ts`. */
export const userInfoSchema = z
  .strictObject({
    id: z.string(),
    username: z.string().nullable(),
    primaryEmail: z.string().nullable(),
    primaryPhone: z.string().nullable(),
    name: z.string().nullable(),
    avatar: z.string().nullable(),
    customData: jsonObject,
    identities: z.record(z.string(), z.strictObject({ userId: z.string(), details: jsonObject.optional() })),
    lastSignInAt: epochMs.nullable(),
    createdAt: epochMs,
    updatedAt: epochMs,
    profile: userProfileSchema,
    applicationId: z.string().nullable(),
    cimdClientId: z.string().nullable(),
    isSuspended: z.boolean(),
  })
  .meta({ title: 'User' });

/** The Management API's user response: `UserInfo` plus `hasPassword`. */
export const adminUserSchema = userInfoSchema
  .extend({ hasPassword: z.boolean() })
  .meta({ title: 'UserWithPasswordFlag' });

export const roleSchema = z
  .strictObject({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    description: z.string(),
    type: z.enum(ROLE_TYPES),
    isDefault: z.boolean(),
  })
  .meta({ title: 'Role' });

export const scopeSchema = z
  .strictObject({
    tenantId: z.string(),
    id: z.string(),
    resourceId: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    createdAt: epochMs,
  })
  .meta({ title: 'Scope' });

export const organizationSchema = z
  .strictObject({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    customData: jsonObject,
    isMfaRequired: z.boolean(),
    color: organizationColorSchema,
    branding: organizationBrandingSchema,
    customCss: z.string().nullable(),
    createdAt: epochMs,
  })
  .meta({ title: 'Organization' });

export const organizationRoleSchema = z
  .strictObject({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    type: z.enum(ROLE_TYPES),
  })
  .meta({ title: 'OrganizationRole' });

export const organizationScopeSchema = z
  .strictObject({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
  })
  .meta({ title: 'OrganizationScope' });

/**
 * What a Management API request adds to its payloads (docs/events.md#payloads): the caller and the route.
 * `path` and `matchedRoute` are relative to `/api`.
 */
export const managementContextShape = {
  userAgent: z.string().optional(),
  ip: z.string().optional(),
  path: z.string(),
  method: z.enum(['POST', 'PATCH', 'PUT', 'DELETE']),
  status: z.number().int(),
  params: z.record(z.string(), z.string()),
  matchedRoute: z.string(),
};

/** What an Experience API request adds to data and exception payloads (docs/events.md#payloads). */
export const experienceContextShape = {
  interactionEvent: z.enum(INTERACTION_EVENTS),
  userAgent: z.string().optional(),
  applicationId: z.string().optional(),
  sessionId: z.string(),
  ip: z.string().optional(),
  application: applicationSummarySchema.optional(),
};

/** The keys of an interaction event (docs/events.md#payloads); its IP is `userIp`. */
export const interactionShape = {
  interactionEvent: z.enum(INTERACTION_EVENTS),
  createdAt: payloadTimeSchema,
  sessionId: z.string(),
  userAgent: z.string().optional(),
  userId: z.string(),
  userIp: z.string().optional(),
  user: userInfoSchema,
  application: applicationSummarySchema.optional(),
};

/** The rules adaptive MFA reports (docs/events.md#payloads); details vary by rule and are kept open. */
export const adaptiveMfaResultSchema = z.strictObject({
  requiresMfa: z.literal(true),
  triggeredRules: z.array(
    z.strictObject({
      rule: z.enum(['new_country', 'geo_velocity', 'long_inactivity', 'untrusted_ip']),
      details: jsonObject,
    }),
  ),
});

/** `Organization.Membership.Updated`'s delta (docs/events.md#management-api-routes-and-their-events); each side present only when non-empty. */
export const membershipDeltaShape = {
  organizationId: z.string(),
  addedUserIds: z.array(z.string()).optional(),
  removedUserIds: z.array(z.string()).optional(),
  addedApplicationIds: z.array(z.string()).optional(),
  removedApplicationIds: z.array(z.string()).optional(),
};

/** `Hook.Disabled`'s `data`: the disabled hook and its failure run, never its key or headers. */
export const disabledHookSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  enabled: z.literal(false),
  reason: z.literal('failing'),
  failingSince: epochMs.nullable(),
  lastFailureAt: epochMs.nullable(),
  disableAfterSeconds: z.number().int(),
});

/** A trusted device as `TrustedDevice.*` describe it (docs/events.md#payloads). */
export const trustedDeviceSchema = z.strictObject({ id: z.string(), userId: z.string(), expiresAt: epochMs });
