import { createRoute, z } from '@hono/zod-openapi';
import type { OrganizationApplicationsService } from '../../services/organization-applications.js';
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
import { applicationSchema } from './applications.js';

const organizationApplicationSchema = applicationSchema
  .omit({ secret: true })
  .extend({ organizationRoles: z.array(z.object({ id: z.string(), name: z.string() })) })
  .openapi('OrganizationApplication');

const params = z.object({ id: idParam });
const memberParams = z.object({ id: idParam, applicationId: idParam });
const tags = ['Organization applications'];
const responses = { ...errorResponses, ...notFoundResponse, ...unprocessableResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/organizations/{id}/applications',
    tags,
    summary: 'List the applications of an organization',
    request: { params, query: paginationQuerySchema },
    responses: {
      200: jsonResponse(z.array(organizationApplicationSchema), 'Applications, oldest first'),
      ...responses,
    },
  }),
  add: createRoute({
    method: 'post',
    path: '/organizations/{id}/applications',
    tags,
    summary: 'Add machine-to-machine applications (emits Organization.Membership.Updated)',
    request: { params, body: jsonBody(z.strictObject({ applicationIds: idListSchema.min(1) })) },
    responses: { 201: { description: 'Added' }, ...responses },
  }),
  replace: createRoute({
    method: 'put',
    path: '/organizations/{id}/applications',
    tags,
    summary: 'Replace the applications (emits Organization.Membership.Updated)',
    request: { params, body: jsonBody(z.strictObject({ applicationIds: idListSchema })) },
    responses: { 204: { description: 'Replaced' }, ...responses },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/organizations/{id}/applications/{applicationId}',
    tags,
    summary: 'Remove an application (emits Organization.Membership.Updated)',
    request: { params: memberParams },
    responses: { 204: { description: 'Removed' }, ...responses },
  }),
};

/** Machine-to-machine applications as organization members (Logto's paths and shapes). */
export function organizationApplicationsRoutes(
  service: OrganizationApplicationsService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { id } = c.req.valid('param');
      const items = await listOptionallyPaged(c, c.req.valid('query'), (p) =>
        service.listApplications(id, p),
      );
      return c.json(z.array(organizationApplicationSchema).parse(items), 200);
    })
    .openapi(routes.add, async (c) => {
      await service.addApplications(ctx(c), c.req.valid('param').id, c.req.valid('json').applicationIds);
      return c.body(null, 201);
    })
    .openapi(routes.replace, async (c) => {
      await service.replaceApplications(ctx(c), c.req.valid('param').id, c.req.valid('json').applicationIds);
      return c.body(null, 204);
    })
    .openapi(routes.remove, async (c) => {
      const { id, applicationId } = c.req.valid('param');
      await service.removeApplication(ctx(c), id, applicationId);
      return c.body(null, 204);
    });
}
