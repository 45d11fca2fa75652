import { createRoute, z } from '@hono/zod-openapi';
import type { OrganizationUsersService } from '../../services/organization-users.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { paginationQuerySchema } from '../pagination.js';
import {
  contextFactory,
  idListSchema,
  idParam,
  jsonBody,
  jsonResponse,
  listOptionallyPaged,
  optionalPagination,
  setOptionalPaginationHeaders,
} from '../route-helpers.js';
import { organizationRoleSchema } from './organization-roles.js';
import { adminUserSchema } from './users.js';

const memberSchema = adminUserSchema
  .omit({ hasPassword: true })
  .extend({ organizationRoles: z.array(z.object({ id: z.string(), name: z.string() })) })
  .openapi('OrganizationMember');

const roleSelection = z.strictObject({
  organizationRoleIds: idListSchema.optional(),
  organizationRoleNames: z.array(z.string().min(1).max(128)).optional(),
});
const nonEmptySelection = roleSelection.refine(
  (body) => Boolean(body.organizationRoleIds?.length || body.organizationRoleNames?.length),
  'Provide organizationRoleIds or organizationRoleNames.',
);

const params = z.object({ id: idParam });
const memberParams = z.object({ id: idParam, userId: idParam });
const memberRoleParams = z.object({ id: idParam, userId: idParam, organizationRoleId: idParam });
const tags = ['Organization members'];
const responses = { ...errorResponses, ...notFoundResponse, ...unprocessableResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/organizations/{id}/users',
    tags,
    summary: 'List the members of an organization with their organization roles',
    request: {
      params,
      query: paginationQuerySchema.extend({
        q: z.string().max(256).optional(),
        organizationRoleId: idParam.optional(),
      }),
    },
    responses: { 200: jsonResponse(z.array(memberSchema), 'Members, oldest first'), ...responses },
  }),
  add: createRoute({
    method: 'post',
    path: '/organizations/{id}/users',
    tags,
    summary: 'Add members (emits Organization.Membership.Updated)',
    request: { params, body: jsonBody(z.strictObject({ userIds: idListSchema.min(1) })) },
    responses: {
      201: jsonResponse(z.object({ userIds: z.array(z.string()) }), 'The user ids processed'),
      ...responses,
    },
  }),
  replace: createRoute({
    method: 'put',
    path: '/organizations/{id}/users',
    tags,
    summary: 'Replace the members (emits Organization.Membership.Updated)',
    request: { params, body: jsonBody(z.strictObject({ userIds: idListSchema })) },
    responses: { 204: { description: 'Replaced' }, ...responses },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/organizations/{id}/users/{userId}',
    tags,
    summary: 'Remove a member (emits Organization.Membership.Updated)',
    request: { params: memberParams },
    responses: { 204: { description: 'Removed' }, ...responses },
  }),
  assignRolesToUsers: createRoute({
    method: 'post',
    path: '/organizations/{id}/users/roles',
    tags,
    summary: 'Assign organization roles to several members (emits Organization.MemberRoles.Updated)',
    request: {
      params,
      body: jsonBody(
        z.strictObject({ userIds: idListSchema.min(1), organizationRoleIds: idListSchema.min(1) }),
      ),
    },
    responses: { 201: { description: 'Assigned' }, ...responses },
  }),
  listRoles: createRoute({
    method: 'get',
    path: '/organizations/{id}/users/{userId}/roles',
    tags,
    summary: "List a member's organization roles",
    request: { params: memberParams, query: paginationQuerySchema },
    responses: { 200: jsonResponse(z.array(organizationRoleSchema), 'Organization roles'), ...responses },
  }),
  replaceRoles: createRoute({
    method: 'put',
    path: '/organizations/{id}/users/{userId}/roles',
    tags,
    summary: "Replace a member's organization roles (emits Organization.MemberRoles.Updated)",
    request: { params: memberParams, body: jsonBody(roleSelection) },
    responses: { 204: { description: 'Replaced' }, ...responses },
  }),
  addRoles: createRoute({
    method: 'post',
    path: '/organizations/{id}/users/{userId}/roles',
    tags,
    summary: 'Assign organization roles to a member (emits Organization.MemberRoles.Updated)',
    request: { params: memberParams, body: jsonBody(nonEmptySelection) },
    responses: {
      201: jsonResponse(z.object({ organizationRoleIds: z.array(z.string()) }), 'The roles assigned'),
      ...responses,
    },
  }),
  removeRole: createRoute({
    method: 'delete',
    path: '/organizations/{id}/users/{userId}/roles/{organizationRoleId}',
    tags,
    summary: 'Remove an organization role from a member (emits Organization.MemberRoles.Updated)',
    request: { params: memberRoleParams },
    responses: { 204: { description: 'Removed' }, ...responses },
  }),
};

/** Organization members and their organization roles (Logto's paths and shapes). */
export function organizationUsersRoutes(
  service: OrganizationUsersService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { q, organizationRoleId, ...paging } = c.req.valid('query');
      const pagination = optionalPagination(paging);
      const filter = { q: q || undefined, organizationRoleId };
      const { items, total } = await service.listMembers(c.req.valid('param').id, filter, pagination);
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(memberSchema).parse(items), 200);
    })
    .openapi(routes.add, async (c) => {
      const userIds = await service.addMembers(ctx(c), c.req.valid('param').id, c.req.valid('json').userIds);
      return c.json({ userIds }, 201);
    })
    .openapi(routes.replace, async (c) => {
      await service.replaceMembers(ctx(c), c.req.valid('param').id, c.req.valid('json').userIds);
      return c.body(null, 204);
    })
    .openapi(routes.remove, async (c) => {
      const { id, userId } = c.req.valid('param');
      await service.removeMember(ctx(c), id, userId);
      return c.body(null, 204);
    })
    .openapi(routes.assignRolesToUsers, async (c) => {
      const { userIds, organizationRoleIds } = c.req.valid('json');
      await service.addMemberRoles(ctx(c), c.req.valid('param').id, userIds, { organizationRoleIds });
      return c.body(null, 201);
    })
    .openapi(routes.listRoles, async (c) => {
      const { id, userId } = c.req.valid('param');
      const items = await listOptionallyPaged(c, c.req.valid('query'), (p) =>
        service.listMemberRoles(id, userId, p),
      );
      return c.json(z.array(organizationRoleSchema).parse(items), 200);
    })
    .openapi(routes.replaceRoles, async (c) => {
      const { id, userId } = c.req.valid('param');
      await service.replaceMemberRoles(ctx(c), id, userId, c.req.valid('json'));
      return c.body(null, 204);
    })
    .openapi(routes.addRoles, async (c) => {
      const { id, userId } = c.req.valid('param');
      const organizationRoleIds = await service.addMemberRoles(ctx(c), id, [userId], c.req.valid('json'));
      return c.json({ organizationRoleIds }, 201);
    })
    .openapi(routes.removeRole, async (c) => {
      const { id, userId, organizationRoleId } = c.req.valid('param');
      await service.removeMemberRole(ctx(c), id, userId, organizationRoleId);
      return c.body(null, 204);
    });
}
