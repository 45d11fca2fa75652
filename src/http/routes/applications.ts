import { createRoute, z } from '@hono/zod-openapi';
import {
  APPLICATION_TYPES,
  customClientMetadataSchema,
  oidcClientMetadataSchema,
} from '../../domain/applications.js';
import { jsonObjectSchema } from '../../domain/users.js';
import type { ApplicationsService } from '../../services/applications.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { paginationQuerySchema } from '../pagination.js';
import {
  idParam,
  jsonBody,
  jsonResponse,
  optionalPagination,
  setOptionalPaginationHeaders,
} from '../route-helpers.js';

const applicationTypeSchema = z.enum(APPLICATION_TYPES);

/** Logto's application; `secret` appears only in the creation response. */
export const applicationSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    secret: z.string().optional(),
    description: z.string().nullable(),
    type: applicationTypeSchema,
    oidcClientMetadata: oidcClientMetadataSchema,
    customClientMetadata: customClientMetadataSchema,
    protectedAppMetadata: z.null(),
    customData: jsonObjectSchema,
    isThirdParty: z.boolean(),
    appLevelAccessControlEnabled: z.boolean(),
    createdAt: z.number(),
  })
  .openapi('Application');
export type ApplicationResponse = z.infer<typeof applicationSchema>;

const applicationDetailsSchema = applicationSchema.extend({ isAdmin: z.boolean() });

export const createApplicationBodySchema = z
  .strictObject({
    name: z.string().min(1).max(256),
    type: applicationTypeSchema,
    description: z.string().max(2048).nullable().optional(),
    oidcClientMetadata: oidcClientMetadataSchema.optional(),
    customClientMetadata: customClientMetadataSchema.optional(),
    customData: jsonObjectSchema.optional(),
    isThirdParty: z.boolean().optional(),
  })
  .openapi('CreateApplication');
export type CreateApplicationRequest = z.infer<typeof createApplicationBodySchema>;

export const updateApplicationBodySchema = z
  .strictObject({
    name: z.string().min(1).max(256).optional(),
    description: z.string().max(2048).nullable().optional(),
    // Partial: the given keys are merged into the stored metadata, so a client can send only
    // `redirectUris` without erasing `postLogoutRedirectUris`.
    oidcClientMetadata: oidcClientMetadataSchema.partial().optional(),
    customClientMetadata: customClientMetadataSchema.optional(),
    customData: jsonObjectSchema.optional(),
  })
  .openapi('UpdateApplication');
export type UpdateApplicationRequest = z.infer<typeof updateApplicationBodySchema>;

/** `types=SPA&types=Native` or `types=SPA`, as Logto reads it. */
const typesQuery = z
  .union([applicationTypeSchema, z.array(applicationTypeSchema)])
  .optional()
  .transform((value) => (value === undefined ? undefined : [value].flat()));

const params = z.object({ id: idParam });
const tags = ['Applications'];

const routes = {
  list: createRoute({
    method: 'get',
    path: '/applications',
    tags,
    summary: 'List applications',
    request: {
      query: paginationQuerySchema.extend({
        types: typesQuery,
        isThirdParty: z.enum(['true', 'false']).optional(),
        excludeOrganizationId: idParam.optional(),
      }),
    },
    responses: {
      200: jsonResponse(z.array(applicationSchema), 'Applications, newest first'),
      ...errorResponses,
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/applications',
    tags,
    summary: 'Create an application',
    request: { body: jsonBody(createApplicationBodySchema) },
    responses: {
      200: jsonResponse(applicationSchema, 'The created application, with its secret shown this once'),
      ...errorResponses,
      ...unprocessableResponse,
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/applications/{id}',
    tags,
    summary: 'Get an application',
    request: { params },
    responses: {
      200: jsonResponse(applicationDetailsSchema, 'The application'),
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  update: createRoute({
    method: 'patch',
    path: '/applications/{id}',
    tags,
    summary: 'Update an application',
    request: { params, body: jsonBody(updateApplicationBodySchema) },
    responses: {
      200: jsonResponse(applicationDetailsSchema, 'The updated application'),
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/applications/{id}',
    tags,
    summary: 'Delete an application (not the admin application)',
    request: { params },
    responses: {
      204: { description: 'Deleted' },
      ...errorResponses,
      ...notFoundResponse,
      ...unprocessableResponse,
    },
  }),
};

/** Applications Management API (Logto's paths and shapes). No events: Logto has none for applications. */
export function applicationsRoutes(applications: ApplicationsService) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { types, isThirdParty, excludeOrganizationId, ...paging } = c.req.valid('query');
      const pagination = optionalPagination(paging);
      const { items, total } = await applications.listApplications(
        {
          types,
          isThirdParty: isThirdParty === undefined ? undefined : isThirdParty === 'true',
          excludeOrganizationId,
        },
        pagination,
      );
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(applicationSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      return c.json(applicationSchema.parse(await applications.createApplication(c.req.valid('json'))), 200);
    })
    .openapi(routes.get, async (c) => {
      return c.json(
        applicationDetailsSchema.parse(await applications.getApplication(c.req.valid('param').id)),
        200,
      );
    })
    .openapi(routes.update, async (c) => {
      const app = await applications.updateApplication(c.req.valid('param').id, c.req.valid('json'));
      return c.json(applicationDetailsSchema.parse(app), 200);
    })
    .openapi(routes.delete, async (c) => {
      await applications.deleteApplication(c.req.valid('param').id);
      return c.body(null, 204);
    });
}
