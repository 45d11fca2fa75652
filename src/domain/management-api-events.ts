import type { EventType } from './events.js';

/**
 * What every Management API route emits: the single reviewable list (docs/events.md#management-api-routes-and-their-events).
 *
 * `registered` rows are Logto's auto-registered routes: the payload carries the route context
 * (`path, method, status, params, matchedRoute`) followed by `data` = the response body.
 * `manual` rows are the events Logto appends by hand, whose extra keys the service supplies.
 * `status` is the status of the successful response, which the payload repeats.
 *
 * Services emit explicitly; `managementEvent()` refuses an event that is not listed here for the
 * route at hand, and a test drives every row through the API.
 */
export interface RouteEvent {
  readonly method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path relative to `/api`, with Logto's parameter names. */
  readonly route: string;
  readonly event: EventType;
  readonly status: number;
  readonly kind: 'registered' | 'manual';
}

export const MANAGEMENT_API_EVENTS: readonly RouteEvent[] = [
  { method: 'POST', route: '/users', event: 'User.Created', status: 200, kind: 'registered' },
  { method: 'PATCH', route: '/users/:userId', event: 'User.Data.Updated', status: 200, kind: 'registered' },
  {
    method: 'PATCH',
    route: '/users/:userId/custom-data',
    event: 'User.Data.Updated',
    status: 200,
    kind: 'registered',
  },
  {
    method: 'PATCH',
    route: '/users/:userId/profile',
    event: 'User.Data.Updated',
    status: 200,
    kind: 'registered',
  },
  {
    method: 'PATCH',
    route: '/users/:userId/password',
    event: 'User.Data.Updated',
    status: 200,
    kind: 'registered',
  },
  {
    method: 'PATCH',
    route: '/users/:userId/is-suspended',
    event: 'User.SuspensionStatus.Updated',
    status: 200,
    kind: 'registered',
  },
  { method: 'DELETE', route: '/users/:userId', event: 'User.Deleted', status: 204, kind: 'manual' },
  { method: 'POST', route: '/roles', event: 'Role.Created', status: 200, kind: 'registered' },
  { method: 'POST', route: '/roles', event: 'Role.Scopes.Updated', status: 200, kind: 'manual' },
  { method: 'DELETE', route: '/roles/:id', event: 'Role.Deleted', status: 204, kind: 'registered' },
  { method: 'PATCH', route: '/roles/:id', event: 'Role.Data.Updated', status: 200, kind: 'registered' },
  {
    method: 'POST',
    route: '/roles/:id/scopes',
    event: 'Role.Scopes.Updated',
    status: 201,
    kind: 'registered',
  },
  {
    method: 'DELETE',
    route: '/roles/:id/scopes/:scopeId',
    event: 'Role.Scopes.Updated',
    status: 204,
    kind: 'registered',
  },
  {
    method: 'POST',
    route: '/resources/:resourceId/scopes',
    event: 'Scope.Created',
    status: 201,
    kind: 'registered',
  },
  {
    method: 'DELETE',
    route: '/resources/:resourceId/scopes/:scopeId',
    event: 'Scope.Deleted',
    status: 204,
    kind: 'registered',
  },
  {
    method: 'PATCH',
    route: '/resources/:resourceId/scopes/:scopeId',
    event: 'Scope.Data.Updated',
    status: 200,
    kind: 'registered',
  },
  { method: 'POST', route: '/organizations', event: 'Organization.Created', status: 201, kind: 'registered' },
  {
    method: 'DELETE',
    route: '/organizations/:id',
    event: 'Organization.Deleted',
    status: 204,
    kind: 'registered',
  },
  {
    method: 'PATCH',
    route: '/organizations/:id',
    event: 'Organization.Data.Updated',
    status: 200,
    kind: 'registered',
  },
  {
    method: 'POST',
    route: '/organizations/:id/users',
    event: 'Organization.Membership.Updated',
    status: 201,
    kind: 'manual',
  },
  {
    method: 'PUT',
    route: '/organizations/:id/users',
    event: 'Organization.Membership.Updated',
    status: 204,
    kind: 'manual',
  },
  {
    method: 'DELETE',
    route: '/organizations/:id/users/:userId',
    event: 'Organization.Membership.Updated',
    status: 204,
    kind: 'manual',
  },
  {
    method: 'POST',
    route: '/organizations/:id/applications',
    event: 'Organization.Membership.Updated',
    status: 201,
    kind: 'manual',
  },
  {
    method: 'PUT',
    route: '/organizations/:id/applications',
    event: 'Organization.Membership.Updated',
    status: 204,
    kind: 'manual',
  },
  {
    method: 'DELETE',
    route: '/organizations/:id/applications/:applicationId',
    event: 'Organization.Membership.Updated',
    status: 204,
    kind: 'manual',
  },
  {
    method: 'PUT',
    route: '/organization-invitations/:id/status',
    event: 'Organization.Membership.Updated',
    status: 200,
    kind: 'manual',
  },
  // idhooks additions (issue 17): Logto emits nothing on these routes (docs/events.md#management-api-routes-and-their-events).
  { method: 'POST', route: '/users/:userId/roles', event: 'User.Roles.Updated', status: 201, kind: 'manual' },
  { method: 'PUT', route: '/users/:userId/roles', event: 'User.Roles.Updated', status: 200, kind: 'manual' },
  {
    method: 'DELETE',
    route: '/users/:userId/roles/:roleId',
    event: 'User.Roles.Updated',
    status: 204,
    kind: 'manual',
  },
  { method: 'POST', route: '/roles/:id/users', event: 'User.Roles.Updated', status: 201, kind: 'manual' },
  {
    method: 'DELETE',
    route: '/roles/:id/users/:userId',
    event: 'User.Roles.Updated',
    status: 204,
    kind: 'manual',
  },
  {
    method: 'POST',
    route: '/organizations/:id/users/roles',
    event: 'Organization.MemberRoles.Updated',
    status: 201,
    kind: 'manual',
  },
  {
    method: 'PUT',
    route: '/organizations/:id/users/:userId/roles',
    event: 'Organization.MemberRoles.Updated',
    status: 204,
    kind: 'manual',
  },
  {
    method: 'POST',
    route: '/organizations/:id/users/:userId/roles',
    event: 'Organization.MemberRoles.Updated',
    status: 201,
    kind: 'manual',
  },
  {
    method: 'DELETE',
    route: '/organizations/:id/users/:userId/roles/:organizationRoleId',
    event: 'Organization.MemberRoles.Updated',
    status: 204,
    kind: 'manual',
  },
  {
    method: 'POST',
    route: '/organization-roles',
    event: 'OrganizationRole.Created',
    status: 201,
    kind: 'registered',
  },
  {
    method: 'POST',
    route: '/organization-roles',
    event: 'OrganizationRole.Scopes.Updated',
    status: 201,
    kind: 'manual',
  },
  {
    method: 'DELETE',
    route: '/organization-roles/:id',
    event: 'OrganizationRole.Deleted',
    status: 204,
    kind: 'registered',
  },
  {
    method: 'PATCH',
    route: '/organization-roles/:id',
    event: 'OrganizationRole.Data.Updated',
    status: 200,
    kind: 'registered',
  },
  {
    method: 'PUT',
    route: '/organization-roles/:id/scopes',
    event: 'OrganizationRole.Scopes.Updated',
    status: 204,
    kind: 'registered',
  },
  {
    method: 'POST',
    route: '/organization-roles/:id/scopes',
    event: 'OrganizationRole.Scopes.Updated',
    status: 201,
    kind: 'registered',
  },
  {
    method: 'DELETE',
    route: '/organization-roles/:id/scopes/:organizationScopeId',
    event: 'OrganizationRole.Scopes.Updated',
    status: 204,
    kind: 'registered',
  },
  {
    method: 'POST',
    route: '/organization-scopes',
    event: 'OrganizationScope.Created',
    status: 201,
    kind: 'registered',
  },
  {
    method: 'DELETE',
    route: '/organization-scopes/:id',
    event: 'OrganizationScope.Deleted',
    status: 204,
    kind: 'registered',
  },
  {
    method: 'PATCH',
    route: '/organization-scopes/:id',
    event: 'OrganizationScope.Data.Updated',
    status: 200,
    kind: 'registered',
  },
];

export const findRouteEvent = (method: string, route: string, event: EventType): RouteEvent | undefined =>
  MANAGEMENT_API_EVENTS.find((row) => row.method === method && row.route === route && row.event === event);
