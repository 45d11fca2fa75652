/** Logto's role types: user roles, and roles for machine-to-machine applications. */
export const ROLE_TYPES = ['User', 'MachineToMachine'] as const;
export type RoleType = (typeof ROLE_TYPES)[number];

/** A role (Logto's `Role`), in Logto's key order; webhook `data` of `Role.Created`/`Role.Data.Updated`. */
export interface Role {
  tenantId: string;
  id: string;
  name: string;
  description: string;
  type: RoleType;
  isDefault: boolean;
}

/**
 * How many members `GET /roles` features per role, like Logto's console avatars. Logto picks
 * them at random; we take the most recently assigned ones so the answer is stable.
 */
export const FEATURED_MEMBER_COUNT = 3;

/** `data` of `User.Roles.Updated` (an idhooks addition), in this key order. */
export interface UserRolesChange {
  readonly userId: string;
  /** Every role the user holds after the change, oldest assignment first. */
  readonly roleIds: readonly string[];
  readonly addedRoleIds: readonly string[];
  readonly removedRoleIds: readonly string[];
}

/** True when a role change added or removed something, i.e. deserves a `User.Roles.Updated`. */
export const isRoleChange = (change: { added: readonly string[]; removed: readonly string[] }) =>
  change.added.length > 0 || change.removed.length > 0;
