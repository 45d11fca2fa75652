import { createRoute, z } from '@hono/zod-openapi';
import { ROLE_TYPES } from '../../domain/roles.js';
import type { OrganizationRolesService } from '../../services/organization-roles.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { paginationQuerySchema } from '../pagination.js';
import {
  contextFactory,
  idListSchema,
  idParam,
  jsonBody,
  jsonResponse,
  optionalPagination,
  setOptionalPaginationHeaders,
} from '../route-helpers.js';

const roleTypeSchema = z.enum(ROLE_TYPES);

export const organizationRoleSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    type: roleTypeSchema,
  })
  .openapi('OrganizationRole');
export type OrganizationRoleResponse = z.infer<typeof organizationRoleSchema>;

const organizationRoleWithScopesSchema = organizationRoleSchema.extend({
  scopes: z.array(z.object({ id: z.string(), name: z.string() })),
  resourceScopes: z.array(
    z.object({ id: z.string(), name: z.string(), resource: z.object({ id: z.string(), name: z.string() }) }),
  ),
});

const nameSchema = z.string().min(1).max(128);
const descriptionSchema = z.string().max(256).nullable();

export const createOrganizationRoleBodySchema = z
  .strictObject({
    name: nameSchema,
    description: descriptionSchema.optional(),
    type: roleTypeSchema.optional(),
    organizationScopeIds: idListSchema.optional(),
    resourceScopeIds: idListSchema.optional(),
  })
  .openapi('CreateOrganizationRole');
export type CreateOrganizationRoleRequest = z.infer<typeof createOrganizationRoleBodySchema>;

export const updateOrganizationRoleBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    description: descriptionSchema.optional(),
    type: roleTypeSchema.optional(),
  })
  .openapi('UpdateOrganizationRole');

const params = z.object({ id: idParam });
const tags = ['Organization roles'];
const responses = { ...errorResponses, ...notFoundResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/organization-roles',
    tags,
    summary: 'List organization roles with their scopes',
    request: { query: paginationQuerySchema.extend({ q: z.string().max(256).optional() }) },
    responses: {
      200: jsonResponse(z.array(organizationRoleWithScopesSchema), 'Organization roles'),
      ...errorResponses,
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/organization-roles',
    tags,
    summary: 'Create an organization role (emits OrganizationRole.Created, and .Scopes.Updated with scopes)',
    request: { body: jsonBody(createOrganizationRoleBodySchema) },
    responses: {
      201: jsonResponse(organizationRoleSchema, 'The created role'),
      ...errorResponses,
      ...unprocessableResponse,
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/organization-roles/{id}',
    tags,
    summary: 'Get an organization role',
    request: { params },
    responses: { 200: jsonResponse(organizationRoleSchema, 'The role'), ...responses },
  }),
  update: createRoute({
    method: 'patch',
    path: '/organization-roles/{id}',
    tags,
    summary: 'Update an organization role (emits OrganizationRole.Data.Updated)',
    request: { params, body: jsonBody(updateOrganizationRoleBodySchema) },
    responses: {
      200: jsonResponse(organizationRoleSchema, 'The updated role'),
      ...responses,
      ...unprocessableResponse,
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/organization-roles/{id}',
    tags,
    summary: 'Delete an organization role (emits OrganizationRole.Deleted)',
    request: { params },
    responses: { 204: { description: 'Deleted' }, ...responses },
  }),
};

/** Organization roles (Logto's paths and shapes); their scopes are in organization-role-scopes.ts. */
export function organizationRolesRoutes(
  roles: OrganizationRolesService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { q, ...paging } = c.req.valid('query');
      const pagination = optionalPagination(paging);
      const { items, total } = await roles.listRoles(q || undefined, pagination);
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(organizationRoleWithScopesSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      return c.json(organizationRoleSchema.parse(await roles.createRole(ctx(c), c.req.valid('json'))), 201);
    })
    .openapi(routes.get, async (c) => {
      return c.json(organizationRoleSchema.parse(await roles.getRole(c.req.valid('param').id)), 200);
    })
    .openapi(routes.update, async (c) => {
      const role = await roles.updateRole(ctx(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json(organizationRoleSchema.parse(role), 200);
    })
    .openapi(routes.delete, async (c) => {
      await roles.deleteRole(ctx(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
}
