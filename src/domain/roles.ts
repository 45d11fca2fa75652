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
