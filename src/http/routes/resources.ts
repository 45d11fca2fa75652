import { createRoute, z } from '@hono/zod-openapi';
import { resourceIndicatorSchema } from '../../domain/resources.js';
import type { ResourcesService } from '../../services/resources.js';
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

export const scopeSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    resourceId: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    createdAt: z.number(),
  })
  .openapi('Scope');
export type ScopeResponse = z.infer<typeof scopeSchema>;

export const resourceSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    indicator: z.string(),
    isDefault: z.boolean(),
    accessTokenTtl: z.number(),
  })
  .openapi('Resource');
export type ResourceResponse = z.infer<typeof resourceSchema>;

const resourceWithScopesSchema = resourceSchema.extend({ scopes: z.array(scopeSchema).optional() });

const ttlSchema = z
  .number()
  .int()
  .positive()
  .max(86_400 * 365);
export const createResourceBodySchema = z
  .strictObject({
    name: z.string().min(1).max(256),
    indicator: resourceIndicatorSchema,
    accessTokenTtl: ttlSchema.optional(),
  })
  .openapi('CreateResource');
export type CreateResourceRequest = z.infer<typeof createResourceBodySchema>;

export const updateResourceBodySchema = z
  .strictObject({ name: z.string().min(1).max(256).optional(), accessTokenTtl: ttlSchema.optional() })
  .openapi('UpdateResource');

const scopeNameSchema = z.string().min(1).max(256);
export const createScopeBodySchema = z
  .strictObject({ name: scopeNameSchema, description: z.string().max(2048).nullable().optional() })
  .openapi('CreateScope');
export type CreateScopeRequest = z.infer<typeof createScopeBodySchema>;
export const updateScopeBodySchema = z
  .strictObject({ name: scopeNameSchema.optional(), description: z.string().max(2048).nullable().optional() })
  .openapi('UpdateScope');

const resourceParams = z.object({ id: idParam });
const scopesParams = z.object({ resourceId: idParam });
const scopeParams = z.object({ resourceId: idParam, scopeId: idParam });
const tags = ['API resources'];
const responses = { ...errorResponses, ...notFoundResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/resources',
    tags,
    summary: 'List API resources',
    request: { query: paginationQuerySchema.extend({ includeScopes: z.string().optional() }) },
    responses: { 200: jsonResponse(z.array(resourceWithScopesSchema), 'API resources'), ...errorResponses },
  }),
  create: createRoute({
    method: 'post',
    path: '/resources',
    tags,
    summary: 'Create an API resource',
    request: { body: jsonBody(createResourceBodySchema) },
    responses: {
      201: jsonResponse(resourceSchema, 'The created resource'),
      ...errorResponses,
      ...unprocessableResponse,
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/resources/{id}',
    tags,
    summary: 'Get an API resource',
    request: { params: resourceParams },
    responses: { 200: jsonResponse(resourceSchema, 'The resource'), ...responses },
  }),
  update: createRoute({
    method: 'patch',
    path: '/resources/{id}',
    tags,
    summary: 'Update an API resource',
    request: { params: resourceParams, body: jsonBody(updateResourceBodySchema) },
    responses: { 200: jsonResponse(resourceSchema, 'The updated resource'), ...responses },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/resources/{id}',
    tags,
    summary: 'Delete an API resource and its scopes',
    request: { params: resourceParams },
    responses: { 204: { description: 'Deleted' }, ...responses },
  }),
  listScopes: createRoute({
    method: 'get',
    path: '/resources/{resourceId}/scopes',
    tags,
    summary: 'List the scopes of an API resource',
    request: { params: scopesParams, query: paginationQuerySchema },
    responses: { 200: jsonResponse(z.array(scopeSchema), 'Scopes, oldest first'), ...responses },
  }),
  createScope: createRoute({
    method: 'post',
    path: '/resources/{resourceId}/scopes',
    tags,
    summary: 'Create a scope (emits Scope.Created)',
    request: { params: scopesParams, body: jsonBody(createScopeBodySchema) },
    responses: {
      201: jsonResponse(scopeSchema, 'The created scope'),
      ...responses,
      ...unprocessableResponse,
    },
  }),
  updateScope: createRoute({
    method: 'patch',
    path: '/resources/{resourceId}/scopes/{scopeId}',
    tags,
    summary: 'Update a scope (emits Scope.Data.Updated)',
    request: { params: scopeParams, body: jsonBody(updateScopeBodySchema) },
    responses: {
      200: jsonResponse(scopeSchema, 'The updated scope'),
      ...responses,
      ...unprocessableResponse,
    },
  }),
  deleteScope: createRoute({
    method: 'delete',
    path: '/resources/{resourceId}/scopes/{scopeId}',
    tags,
    summary: 'Delete a scope (emits Scope.Deleted)',
    request: { params: scopeParams },
    responses: { 204: { description: 'Deleted' }, ...responses },
  }),
};

/** Logto's truthy query values (`true`, `1`, `yes`). */
const isTruthy = (value: string | undefined) => value !== undefined && ['true', '1', 'yes'].includes(value);

/** API resources and their scopes (Logto's paths and shapes). */
export function resourcesRoutes(resources: ResourcesService, addressOptions: ClientAddressOptions) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { includeScopes, ...paging } = c.req.valid('query');
      const pagination = optionalPagination(paging);
      const { items, total } = await resources.listResources(pagination, isTruthy(includeScopes));
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(resourceWithScopesSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      return c.json(resourceSchema.parse(await resources.createResource(c.req.valid('json'))), 201);
    })
    .openapi(routes.get, async (c) => {
      return c.json(resourceSchema.parse(await resources.getResource(c.req.valid('param').id)), 200);
    })
    .openapi(routes.update, async (c) => {
      const resource = await resources.updateResource(c.req.valid('param').id, c.req.valid('json'));
      return c.json(resourceSchema.parse(resource), 200);
    })
    .openapi(routes.delete, async (c) => {
      await resources.deleteResource(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.listScopes, async (c) => {
      const pagination = optionalPagination(c.req.valid('query'));
      const { items, total } = await resources.listScopes(c.req.valid('param').resourceId, pagination);
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(scopeSchema).parse(items), 200);
    })
    .openapi(routes.createScope, async (c) => {
      const { resourceId } = c.req.valid('param');
      const scope = await resources.createScope(ctx(c), resourceId, c.req.valid('json'));
      return c.json(scopeSchema.parse(scope), 201);
    })
    .openapi(routes.updateScope, async (c) => {
      const { resourceId, scopeId } = c.req.valid('param');
      const scope = await resources.updateScope(ctx(c), resourceId, scopeId, c.req.valid('json'));
      return c.json(scopeSchema.parse(scope), 200);
    })
    .openapi(routes.deleteScope, async (c) => {
      const { resourceId, scopeId } = c.req.valid('param');
      await resources.deleteScope(ctx(c), resourceId, scopeId);
      return c.body(null, 204);
    });
}
