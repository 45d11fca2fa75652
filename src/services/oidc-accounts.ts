import type { UserRecord } from '../domain/users.js';
import type { ResourcesRepo } from '../storage/repos/resources.js';
import type { RolesRepo } from '../storage/repos/roles.js';
import type { UsersRepo } from '../storage/repos/users.js';

/** OIDC scopes and the claims each releases, with Logto's names. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'username', 'picture', 'created_at', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  roles: ['roles'],
  custom_data: ['custom_data'],
} as const;

export interface OidcAccountsServiceDeps {
  readonly users: UsersRepo;
  readonly roles: RolesRepo;
  readonly resources: ResourcesRepo;
}

/** Every claim a user can release; the provider keeps those the granted scopes allow. */
function claimsOf(user: UserRecord, roleNames: string[]): Record<string, unknown> {
  return {
    sub: user.id,
    name: user.name,
    username: user.username,
    picture: user.avatar,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    email: user.primaryEmail,
    // Addresses only become primary through a verification (a code) or an administrator.
    email_verified: user.primaryEmail !== null,
    phone_number: user.primaryPhone,
    phone_number_verified: user.primaryPhone !== null,
    roles: roleNames,
    custom_data: user.customData,
  };
}

/**
 * The provider's view of users and API resources: accounts and their claims, resource servers and
 * the scopes a user's roles grant on them (Logto's RBAC in tokens).
 */
export function createOidcAccountsService({ users, roles, resources }: OidcAccountsServiceDeps) {
  async function roleIdsOf(userId: string) {
    return roles.listUserRoleIds(userId);
  }

  return {
    /** The account's claims, or undefined for an unknown or suspended user (no token is issued then). */
    async findAccountClaims(userId: string): Promise<Record<string, unknown> | undefined> {
      if (userId.length > 64 || userId.includes('\u0000')) return undefined;
      const user = await users.findUserById(userId);
      if (!user || user.isSuspended) return undefined;
      const roleList = await roles.findRolesByIds(await roleIdsOf(userId));
      return claimsOf(user, roleList.map((role) => role.name).sort());
    },

    /** An API resource created through the Management API, as a resource server. */
    async findResourceServer(
      indicator: string,
    ): Promise<{ scopes: string[]; accessTokenTtl: number } | undefined> {
      if (indicator.includes('\u0000')) return undefined;
      const resource = await resources.findResourceByIndicator(indicator);
      if (!resource) return undefined;
      const scopes = await resources.listScopes(resource.id, undefined);
      return { scopes: scopes.map((scope) => scope.name), accessTokenTtl: resource.accessTokenTtl };
    },

    /** The scopes of `indicator` that the user's roles grant. */
    async grantedResourceScopes(userId: string, indicator: string): Promise<string[]> {
      const resource = await resources.findResourceByIndicator(indicator);
      if (!resource) return [];
      const scopeIds = new Set<string>();
      for (const roleId of await roleIdsOf(userId)) {
        for (const scopeId of await roles.listRoleScopeIds(roleId)) scopeIds.add(scopeId);
      }
      const scopes = await resources.findScopesByIds([...scopeIds]);
      return scopes.filter((scope) => scope.resourceId === resource.id).map((scope) => scope.name);
    },
  };
}

export type OidcAccountsService = ReturnType<typeof createOidcAccountsService>;
