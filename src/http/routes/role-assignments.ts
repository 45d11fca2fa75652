import { createRoute, z } from '@hono/zod-openapi';
import type { RoleAssignmentsService } from '../../services/role-assignments.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { paginationQuerySchema, parsePagination, setPaginationHeaders } from '../pagination.js';
import {
  contextFactory,
  idListSchema,
  idParam,
  jsonBody,
  jsonResponse,
  listOptionallyPaged,
} from '../route-helpers.js';
import { roleSchema } from './roles.js';
import { adminUserSchema } from './users.js';

const userParams = z.object({ userId: idParam });
const userRoleParams = z.object({ userId: idParam, roleId: idParam });
const roleParams = z.object({ id: idParam });
const roleUserParams = z.object({ id: idParam, userId: idParam });
const roleIdsBody = jsonBody(z.strictObject({ roleIds: idListSchema.min(1) }));
const tags = ['Role assignments'];
const responses = { ...errorResponses, ...notFoundResponse, ...unprocessableResponse };

const routes = {
  listUserRoles: createRoute({
    method: 'get',
    path: '/users/{userId}/roles',
    tags,
    summary: "List a user's roles",
    request: { params: userParams, query: paginationQuerySchema },
    responses: { 200: jsonResponse(z.array(roleSchema), 'Roles of the user'), ...responses },
  }),
  assignUserRoles: createRoute({
    method: 'post',
    path: '/users/{userId}/roles',
    tags,
    summary: 'Assign roles to a user (roles already held are skipped; emits User.Roles.Updated)',
    request: { params: userParams, body: roleIdsBody },
    responses: {
      201: jsonResponse(
        z.object({ roleIds: z.array(z.string()), addedRoleIds: z.array(z.string()) }),
        'Assigned',
      ),
      ...responses,
    },
  }),
  replaceUserRoles: createRoute({
    method: 'put',
    path: '/users/{userId}/roles',
    tags,
    summary: "Replace a user's roles (emits User.Roles.Updated)",
    request: { params: userParams, body: jsonBody(z.strictObject({ roleIds: idListSchema })) },
    responses: {
      200: jsonResponse(z.object({ roleIds: z.array(z.string()) }), 'The roles now held'),
      ...responses,
    },
  }),
  removeUserRole: createRoute({
    method: 'delete',
    path: '/users/{userId}/roles/{roleId}',
    tags,
    summary: 'Remove a role from a user (emits User.Roles.Updated)',
    request: { params: userRoleParams },
    responses: { 204: { description: 'Removed' }, ...responses },
  }),
  listRoleUsers: createRoute({
    method: 'get',
    path: '/roles/{id}/users',
    tags,
    summary: 'List the users holding a role',
    request: { params: roleParams, query: paginationQuerySchema },
    responses: {
      200: jsonResponse(z.array(adminUserSchema), 'Users, most recently assigned first'),
      ...responses,
    },
  }),
  assignRoleUsers: createRoute({
    method: 'post',
    path: '/roles/{id}/users',
    tags,
    summary: 'Assign a role to users (emits User.Roles.Updated per user)',
    request: { params: roleParams, body: jsonBody(z.strictObject({ userIds: idListSchema.min(1) })) },
    responses: { 201: { description: 'Assigned' }, ...responses },
  }),
  removeRoleUser: createRoute({
    method: 'delete',
    path: '/roles/{id}/users/{userId}',
    tags,
    summary: 'Remove a role from a user (emits User.Roles.Updated)',
    request: { params: roleUserParams },
    responses: { 204: { description: 'Removed' }, ...responses },
  }),
};

/**
 * User ↔ role assignment (Logto's paths and shapes). Logto emits no event for these (docs/events.md#management-api-routes-and-their-events); the
 * changing routes emit idhooks' `User.Roles.Updated`.
 */
export function roleAssignmentsRoutes(
  assignments: RoleAssignmentsService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.listUserRoles, async (c) => {
      const { userId } = c.req.valid('param');
      const items = await listOptionallyPaged(c, c.req.valid('query'), (p) =>
        assignments.listUserRoles(userId, p),
      );
      return c.json(z.array(roleSchema).parse(items), 200);
    })
    .openapi(routes.assignUserRoles, async (c) => {
      const result = await assignments.assignUserRoles(
        ctx(c),
        c.req.valid('param').userId,
        c.req.valid('json').roleIds,
      );
      return c.json(result, 201);
    })
    .openapi(routes.replaceUserRoles, async (c) => {
      const result = await assignments.replaceUserRoles(
        ctx(c),
        c.req.valid('param').userId,
        c.req.valid('json').roleIds,
      );
      return c.json(result, 200);
    })
    .openapi(routes.removeUserRole, async (c) => {
      const { userId, roleId } = c.req.valid('param');
      await assignments.removeUserRole(ctx(c), userId, roleId);
      return c.body(null, 204);
    })
    .openapi(routes.listRoleUsers, async (c) => {
      const pagination = parsePagination(c.req.valid('query'));
      const { items, total } = await assignments.listRoleUsers(c.req.valid('param').id, pagination);
      setPaginationHeaders(c, pagination, total);
      return c.json(z.array(adminUserSchema).parse(items), 200);
    })
    .openapi(routes.assignRoleUsers, async (c) => {
      await assignments.assignRoleUsers(ctx(c), c.req.valid('param').id, c.req.valid('json').userIds);
      return c.body(null, 201);
    })
    .openapi(routes.removeRoleUser, async (c) => {
      const { id, userId } = c.req.valid('param');
      await assignments.removeRoleUser(ctx(c), id, userId);
      return c.body(null, 204);
    });
}
