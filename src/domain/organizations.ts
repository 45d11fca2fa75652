import { z } from 'zod';
import type { RoleType } from './roles.js';

/** An organization (Logto's `Organization`), in Logto's key order; webhook `data` of `Organization.*`. */
export interface Organization {
  tenantId: string;
  id: string;
  name: string;
  description: string | null;
  customData: Record<string, unknown>;
  isMfaRequired: boolean;
  color: OrganizationColor;
  branding: OrganizationBranding;
  customCss: string | null;
  createdAt: number;
}

const hexColor = z.string().regex(/^#[\dA-Fa-f]{3}([\dA-Fa-f]{3})?$/, 'must be a hex colour such as #5d34f2');
export const organizationColorSchema = z.strictObject({
  primaryColor: hexColor.optional(),
  isDarkModeEnabled: z.boolean().optional(),
  darkPrimaryColor: hexColor.optional(),
});
export type OrganizationColor = z.infer<typeof organizationColorSchema>;

export const organizationBrandingSchema = z.strictObject({
  logoUrl: z.url().optional(),
  darkLogoUrl: z.url().optional(),
  favicon: z.url().optional(),
  darkFavicon: z.url().optional(),
});
export type OrganizationBranding = z.infer<typeof organizationBrandingSchema>;

/** An organization permission (Logto's `OrganizationScope`), in Logto's key order. */
export interface OrganizationScope {
  tenantId: string;
  id: string;
  name: string;
  description: string | null;
}

/** An organization role (Logto's `OrganizationRole`), in Logto's key order. */
export interface OrganizationRole {
  tenantId: string;
  id: string;
  name: string;
  description: string | null;
  type: RoleType;
}

/** The statuses an invitation can be in; only `Pending` ones can change. */
export const INVITATION_STATUSES = ['Pending', 'Accepted', 'Expired', 'Revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/**
 * A pending invitation past its expiry reads as `Expired`, as in Logto, without a job rewriting
 * rows: the status a client sees never lags the clock.
 */
export const effectiveInvitationStatus = (status: InvitationStatus, expiresAt: number, now: number) =>
  status === 'Pending' && expiresAt <= now ? 'Expired' : status;

/**
 * The most ids one side of a membership delta carries (docs/events.md#management-api-routes-and-their-events, Logto's
 * `truncateMembershipDelta`). Extra ids are dropped silently, with no marker: receivers that need
 * the full picture list the members.
 */
export const MEMBERSHIP_DELTA_CAP = 5000;

export interface MembershipChanges {
  addedUserIds?: readonly string[];
  removedUserIds?: readonly string[];
  addedApplicationIds?: readonly string[];
  removedApplicationIds?: readonly string[];
}

/**
 * The keys `Organization.Membership.Updated` adds after the route context: `organizationId`, then
 * each side of the delta, capped at {@link MEMBERSHIP_DELTA_CAP} and left out when empty. A request
 * that changed nothing still yields `{ organizationId }`.
 */
export function membershipDelta(organizationId: string, changes: MembershipChanges): Record<string, unknown> {
  const delta: Record<string, unknown> = { organizationId };
  for (const key of [
    'addedUserIds',
    'removedUserIds',
    'addedApplicationIds',
    'removedApplicationIds',
  ] as const) {
    const ids = changes[key];
    if (ids && ids.length > 0) delta[key] = ids.slice(0, MEMBERSHIP_DELTA_CAP);
  }
  return delta;
}

/** `data` of `Organization.MemberRoles.Updated` (an idhooks addition), in this key order. */
export interface MemberRolesChange {
  readonly organizationId: string;
  readonly userId: string;
  /** Every organization role the member holds after the change, oldest assignment first. */
  readonly organizationRoleIds: readonly string[];
  readonly addedOrganizationRoleIds: readonly string[];
  readonly removedOrganizationRoleIds: readonly string[];
}

/** Builds the `data` of `Organization.MemberRoles.Updated` from the roles held and the delta. */
export const memberRolesChange = (
  organizationId: string,
  userId: string,
  organizationRoleIds: readonly string[],
  delta: { readonly added: readonly string[]; readonly removed: readonly string[] },
): MemberRolesChange => ({
  organizationId,
  userId,
  organizationRoleIds,
  addedOrganizationRoleIds: delta.added,
  removedOrganizationRoleIds: delta.removed,
});
