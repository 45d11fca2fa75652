import { createRoute, z } from '@hono/zod-openapi';
import { ROLE_TYPES } from '../../domain/roles.js';
import type { RolesService } from '../../services/roles.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { paginationQuerySchema, parsePagination, setPaginationHeaders } from '../pagination.js';
import {
  contextFactory,
  idListSchema,
  idParam,
  jsonBody,
  jsonResponse,
  optionalPagination,
  setOptionalPaginationHeaders,
} from '../route-helpers.js';
import { resourceSchema, scopeSchema } from './resources.js';

const roleTypeSchema = z.enum(ROLE_TYPES);

export const roleSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    description: z.string(),
    type: roleTypeSchema,
    isDefault: z.boolean(),
  })
  .openapi('Role');
export type RoleResponse = z.infer<typeof roleSchema>;

const roleWithMembersSchema = roleSchema.extend({
  usersCount: z.number(),
  featuredUsers: z.array(
    z.object({ id: z.string(), avatar: z.string().nullable(), name: z.string().nullable() }),
  ),
  applicationsCount: z.number(),
  featuredApplications: z.array(z.object({ id: z.string(), name: z.string(), type: z.string() })),
});

const nameSchema = z.string().min(1).max(128);
const descriptionSchema = z.string().min(1).max(128);

export const createRoleBodySchema = z
  .strictObject({
    name: nameSchema,
    description: descriptionSchema,
    type: roleTypeSchema.optional(),
    isDefault: z.boolean().optional(),
    scopeIds: idListSchema.optional(),
  })
  .openapi('CreateRole');
export type CreateRoleRequest = z.infer<typeof createRoleBodySchema>;

export const updateRoleBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    description: descriptionSchema.optional(),
    isDefault: z.boolean().optional(),
  })
  .openapi('UpdateRole');

const params = z.object({ id: idParam });
const scopeParams = z.object({ id: idParam, scopeId: idParam });
const tags = ['Roles'];
const responses = { ...errorResponses, ...notFoundResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/roles',
    tags,
    summary: 'List roles',
    request: {
      query: paginationQuerySchema.extend({
        excludeUserId: idParam.optional(),
        type: roleTypeSchema.optional(),
      }),
    },
    responses: {
      200: jsonResponse(z.array(roleWithMembersSchema), 'Roles, newest first'),
      ...errorResponses,
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/roles',
    tags,
    summary: 'Create a role (emits Role.Created, and Role.Scopes.Updated with scopeIds)',
    request: { body: jsonBody(createRoleBodySchema) },
    responses: { 200: jsonResponse(roleSchema, 'The created role'), ...responses, ...unprocessableResponse },
  }),
  get: createRoute({
    method: 'get',
    path: '/roles/{id}',
    tags,
    summary: 'Get a role',
    request: { params },
    responses: { 200: jsonResponse(roleSchema, 'The role'), ...responses },
  }),
  update: createRoute({
    method: 'patch',
    path: '/roles/{id}',
    tags,
    summary: 'Update a role (emits Role.Data.Updated)',
    request: { params, body: jsonBody(updateRoleBodySchema) },
    responses: { 200: jsonResponse(roleSchema, 'The updated role'), ...responses, ...unprocessableResponse },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/roles/{id}',
    tags,
    summary: 'Delete a role (emits Role.Deleted)',
    request: { params },
    responses: { 204: { description: 'Deleted' }, ...responses },
  }),
  listScopes: createRoute({
    method: 'get',
    path: '/roles/{id}/scopes',
    tags,
    summary: 'List the API scopes of a role',
    request: { params, query: paginationQuerySchema },
    responses: {
      200: jsonResponse(
        z.array(scopeSchema.extend({ resource: resourceSchema })),
        'Scopes with their resource',
      ),
      ...responses,
    },
  }),
  assignScopes: createRoute({
    method: 'post',
    path: '/roles/{id}/scopes',
    tags,
    summary: 'Link API scopes to a role (emits Role.Scopes.Updated)',
    request: { params, body: jsonBody(z.strictObject({ scopeIds: idListSchema.min(1) })) },
    responses: {
      201: jsonResponse(z.array(scopeSchema), 'Every scope of the role'),
      ...responses,
      ...unprocessableResponse,
    },
  }),
  removeScope: createRoute({
    method: 'delete',
    path: '/roles/{id}/scopes/{scopeId}',
    tags,
    summary: 'Unlink an API scope from a role (emits Role.Scopes.Updated)',
    request: { params: scopeParams },
    responses: { 204: { description: 'Unlinked' }, ...responses },
  }),
};

/** Roles and their API scopes (Logto's paths and shapes). */
export function rolesRoutes(roles: RolesService, addressOptions: ClientAddressOptions) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { excludeUserId, type, ...paging } = c.req.valid('query');
      const pagination = parsePagination(paging);
      const { items, total } = await roles.listRoles({ excludeUserId, type }, pagination);
      setPaginationHeaders(c, pagination, total);
      return c.json(z.array(roleWithMembersSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      return c.json(roleSchema.parse(await roles.createRole(ctx(c), c.req.valid('json'))), 200);
    })
    .openapi(routes.get, async (c) => {
      return c.json(roleSchema.parse(await roles.getRole(c.req.valid('param').id)), 200);
    })
    .openapi(routes.update, async (c) => {
      const role = await roles.updateRole(ctx(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json(roleSchema.parse(role), 200);
    })
    .openapi(routes.delete, async (c) => {
      await roles.deleteRole(ctx(c), c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.listScopes, async (c) => {
      const pagination = optionalPagination(c.req.valid('query'));
      const { items, total } = await roles.listRoleScopes(c.req.valid('param').id, pagination);
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(scopeSchema.extend({ resource: resourceSchema })).parse(items), 200);
    })
    .openapi(routes.assignScopes, async (c) => {
      const scopes = await roles.assignRoleScopes(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('json').scopeIds,
      );
      return c.json(z.array(scopeSchema).parse(scopes), 201);
    })
    .openapi(routes.removeScope, async (c) => {
      const { id, scopeId } = c.req.valid('param');
      await roles.removeRoleScope(ctx(c), id, scopeId);
      return c.body(null, 204);
    });
}
