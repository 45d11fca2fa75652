import { createRoute, z } from '@hono/zod-openapi';
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
  listOptionallyPaged,
} from '../route-helpers.js';
import { organizationScopeSchema } from './organization-scopes.js';
import { scopeSchema } from './resources.js';

const params = z.object({ id: idParam });
const scopeParams = z.object({ id: idParam, organizationScopeId: idParam });
const resourceScopeParams = z.object({ id: idParam, scopeId: idParam });
const tags = ['Organization roles'];
const responses = { ...errorResponses, ...notFoundResponse, ...unprocessableResponse };
const organizationScopeIds = (min: number) =>
  jsonBody(z.strictObject({ organizationScopeIds: idListSchema.min(min) }));
const scopeIds = (min: number) => jsonBody(z.strictObject({ scopeIds: idListSchema.min(min) }));

const routes = {
  list: createRoute({
    method: 'get',
    path: '/organization-roles/{id}/scopes',
    tags,
    summary: 'List the organization scopes of a role',
    request: { params, query: paginationQuerySchema },
    responses: { 200: jsonResponse(z.array(organizationScopeSchema), 'Organization scopes'), ...responses },
  }),
  replace: createRoute({
    method: 'put',
    path: '/organization-roles/{id}/scopes',
    tags,
    summary: 'Replace the organization scopes of a role (emits OrganizationRole.Scopes.Updated)',
    request: { params, body: organizationScopeIds(0) },
    responses: { 204: { description: 'Replaced' }, ...responses },
  }),
  add: createRoute({
    method: 'post',
    path: '/organization-roles/{id}/scopes',
    tags,
    summary: 'Add organization scopes to a role (emits OrganizationRole.Scopes.Updated)',
    request: { params, body: organizationScopeIds(1) },
    responses: { 201: { description: 'Added' }, ...responses },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/organization-roles/{id}/scopes/{organizationScopeId}',
    tags,
    summary: 'Remove an organization scope from a role (emits OrganizationRole.Scopes.Updated)',
    request: { params: scopeParams },
    responses: { 204: { description: 'Removed' }, ...responses },
  }),
  listResource: createRoute({
    method: 'get',
    path: '/organization-roles/{id}/resource-scopes',
    tags,
    summary: 'List the API resource scopes of a role',
    request: { params, query: paginationQuerySchema },
    responses: { 200: jsonResponse(z.array(scopeSchema), 'API resource scopes'), ...responses },
  }),
  replaceResource: createRoute({
    method: 'put',
    path: '/organization-roles/{id}/resource-scopes',
    tags,
    summary: 'Replace the API resource scopes of a role',
    request: { params, body: scopeIds(0) },
    responses: { 204: { description: 'Replaced' }, ...responses },
  }),
  addResource: createRoute({
    method: 'post',
    path: '/organization-roles/{id}/resource-scopes',
    tags,
    summary: 'Add API resource scopes to a role',
    request: { params, body: scopeIds(1) },
    responses: { 201: { description: 'Added' }, ...responses },
  }),
  removeResource: createRoute({
    method: 'delete',
    path: '/organization-roles/{id}/resource-scopes/{scopeId}',
    tags,
    summary: 'Remove an API resource scope from a role',
    request: { params: resourceScopeParams },
    responses: { 204: { description: 'Removed' }, ...responses },
  }),
};

/**
 * The scopes an organization role grants. Organization scopes emit `OrganizationRole.Scopes.Updated`
 * (docs/events.md#management-api-routes-and-their-events); API resource scopes are silent, as in Logto (docs/events.md#management-api-routes-and-their-events).
 */
export function organizationRoleScopesRoutes(
  roles: OrganizationRolesService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { id } = c.req.valid('param');
      const items = await listOptionallyPaged(c, c.req.valid('query'), (p) => roles.listScopes(id, p));
      return c.json(z.array(organizationScopeSchema).parse(items), 200);
    })
    .openapi(routes.replace, async (c) => {
      await roles.setScopes(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('json').organizationScopeIds,
        'replace',
      );
      return c.body(null, 204);
    })
    .openapi(routes.add, async (c) => {
      await roles.setScopes(ctx(c), c.req.valid('param').id, c.req.valid('json').organizationScopeIds, 'add');
      return c.body(null, 201);
    })
    .openapi(routes.remove, async (c) => {
      const { id, organizationScopeId } = c.req.valid('param');
      await roles.removeScope(ctx(c), id, organizationScopeId);
      return c.body(null, 204);
    })
    .openapi(routes.listResource, async (c) => {
      const { id } = c.req.valid('param');
      const items = await listOptionallyPaged(c, c.req.valid('query'), (p) =>
        roles.listResourceScopes(id, p),
      );
      return c.json(z.array(scopeSchema).parse(items), 200);
    })
    .openapi(routes.replaceResource, async (c) => {
      await roles.setResourceScopes(c.req.valid('param').id, c.req.valid('json').scopeIds, 'replace');
      return c.body(null, 204);
    })
    .openapi(routes.addResource, async (c) => {
      await roles.setResourceScopes(c.req.valid('param').id, c.req.valid('json').scopeIds, 'add');
      return c.body(null, 201);
    })
    .openapi(routes.removeResource, async (c) => {
      const { id, scopeId } = c.req.valid('param');
      await roles.removeResourceScope(id, scopeId);
      return c.body(null, 204);
    });
}
