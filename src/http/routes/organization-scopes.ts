import { createRoute, z } from '@hono/zod-openapi';
import type { OrganizationScopesService } from '../../services/organization-scopes.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { paginationQuerySchema } from '../pagination.js';
import {
  contextFactory,
  idParam,
  jsonBody,
  jsonResponse,
  optionalPagination,
  setOptionalPaginationHeaders,
} from '../route-helpers.js';

export const organizationScopeSchema = z
  .object({ tenantId: z.string(), id: z.string(), name: z.string(), description: z.string().nullable() })
  .openapi('OrganizationScope');
export type OrganizationScopeResponse = z.infer<typeof organizationScopeSchema>;

const nameSchema = z.string().min(1).max(128);
const descriptionSchema = z.string().max(256).nullable();
export const createOrganizationScopeBodySchema = z
  .strictObject({ name: nameSchema, description: descriptionSchema.optional() })
  .openapi('CreateOrganizationScope');
export const updateOrganizationScopeBodySchema = z
  .strictObject({ name: nameSchema.optional(), description: descriptionSchema.optional() })
  .openapi('UpdateOrganizationScope');

const params = z.object({ id: idParam });
const tags = ['Organization scopes'];
const responses = { ...errorResponses, ...notFoundResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/organization-scopes',
    tags,
    summary: 'List organization scopes',
    request: { query: paginationQuerySchema.extend({ q: z.string().max(256).optional() }) },
    responses: {
      200: jsonResponse(z.array(organizationScopeSchema), 'Organization scopes'),
      ...errorResponses,
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/organization-scopes',
    tags,
    summary: 'Create an organization scope (emits OrganizationScope.Created)',
    request: { body: jsonBody(createOrganizationScopeBodySchema) },
    responses: {
      201: jsonResponse(organizationScopeSchema, 'The created scope'),
      ...errorResponses,
      ...unprocessableResponse,
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/organization-scopes/{id}',
    tags,
    summary: 'Get an organization scope',
    request: { params },
    responses: { 200: jsonResponse(organizationScopeSchema, 'The scope'), ...responses },
  }),
  update: createRoute({
    method: 'patch',
    path: '/organization-scopes/{id}',
    tags,
    summary: 'Update an organization scope (emits OrganizationScope.Data.Updated)',
    request: { params, body: jsonBody(updateOrganizationScopeBodySchema) },
    responses: {
      200: jsonResponse(organizationScopeSchema, 'The updated scope'),
      ...responses,
      ...unprocessableResponse,
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/organization-scopes/{id}',
    tags,
    summary: 'Delete an organization scope (emits OrganizationScope.Deleted)',
    request: { params },
    responses: { 204: { description: 'Deleted' }, ...responses },
  }),
};

/** Organization scopes (Logto's paths and shapes). */
export function organizationScopesRoutes(
  scopes: OrganizationScopesService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { q, ...paging } = c.req.valid('query');
      const pagination = optionalPagination(paging);
      const { items, total } = await scopes.listScopes(q || undefined, pagination);
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(organizationScopeSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      return c.json(
        organizationScopeSchema.parse(await scopes.createScope(ctx(c), c.req.valid('json'))),
        201,
      );
    })
    .openapi(routes.get, async (c) => {
      return c.json(organizationScopeSchema.parse(await scopes.getScope(c.req.valid('param').id)), 200);
    })
    .openapi(routes.update, async (c) => {
      const scope = await scopes.updateScope(ctx(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json(organizationScopeSchema.parse(scope), 200);
    })
    .openapi(routes.delete, async (c) => {
      await scopes.deleteScope(ctx(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
}
