import { createRoute, z } from '@hono/zod-openapi';
import { organizationBrandingSchema, organizationColorSchema } from '../../domain/organizations.js';
import { jsonObjectSchema } from '../../domain/users.js';
import type { OrganizationsService } from '../../services/organizations.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse } from '../openapi.js';
import { paginationQuerySchema } from '../pagination.js';
import {
  contextFactory,
  idParam,
  jsonBody,
  jsonResponse,
  optionalPagination,
  setOptionalPaginationHeaders,
} from '../route-helpers.js';

export const organizationSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    customData: jsonObjectSchema,
    isMfaRequired: z.boolean(),
    color: organizationColorSchema,
    branding: organizationBrandingSchema,
    customCss: z.string().nullable(),
    createdAt: z.number(),
  })
  .openapi('Organization');
export type OrganizationResponse = z.infer<typeof organizationSchema>;

const organizationWithFeaturedSchema = organizationSchema.extend({
  usersCount: z.number().optional(),
  featuredUsers: z
    .array(z.object({ id: z.string(), avatar: z.string().nullable(), name: z.string().nullable() }))
    .optional(),
});

const fields = {
  name: z.string().min(1).max(128),
  description: z.string().max(256).nullable(),
  customData: jsonObjectSchema,
  isMfaRequired: z.boolean(),
  color: organizationColorSchema,
  branding: organizationBrandingSchema,
  customCss: z.string().max(65_536).nullable(),
};

export const createOrganizationBodySchema = z
  .strictObject({
    name: fields.name,
    description: fields.description.optional(),
    customData: fields.customData.optional(),
    isMfaRequired: fields.isMfaRequired.optional(),
    color: fields.color.optional(),
    branding: fields.branding.optional(),
    customCss: fields.customCss.optional(),
  })
  .openapi('CreateOrganization');
export type CreateOrganizationRequest = z.infer<typeof createOrganizationBodySchema>;

export const updateOrganizationBodySchema = createOrganizationBodySchema
  .partial()
  .openapi('UpdateOrganization');

const params = z.object({ id: idParam });
const tags = ['Organizations'];
const responses = { ...errorResponses, ...notFoundResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/organizations',
    tags,
    summary: 'List organizations',
    request: {
      query: paginationQuerySchema.extend({
        q: z.string().max(256).optional().openapi({ description: 'Part of the id or the name.' }),
        showFeatured: z.string().optional(),
      }),
    },
    responses: {
      200: jsonResponse(z.array(organizationWithFeaturedSchema), 'Organizations'),
      ...errorResponses,
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/organizations',
    tags,
    summary: 'Create an organization (emits Organization.Created)',
    request: { body: jsonBody(createOrganizationBodySchema) },
    responses: { 201: jsonResponse(organizationSchema, 'The created organization'), ...errorResponses },
  }),
  get: createRoute({
    method: 'get',
    path: '/organizations/{id}',
    tags,
    summary: 'Get an organization',
    request: { params },
    responses: { 200: jsonResponse(organizationSchema, 'The organization'), ...responses },
  }),
  update: createRoute({
    method: 'patch',
    path: '/organizations/{id}',
    tags,
    summary: 'Update an organization (emits Organization.Data.Updated)',
    request: { params, body: jsonBody(updateOrganizationBodySchema) },
    responses: { 200: jsonResponse(organizationSchema, 'The updated organization'), ...responses },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/organizations/{id}',
    tags,
    summary: 'Delete an organization and its memberships (emits Organization.Deleted)',
    request: { params },
    responses: { 204: { description: 'Deleted' }, ...responses },
  }),
};

/** Organizations (Logto's paths and shapes). */
export function organizationsRoutes(
  organizations: OrganizationsService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { q, showFeatured, ...paging } = c.req.valid('query');
      const pagination = optionalPagination(paging);
      const query = {
        q: q || undefined,
        showFeatured: showFeatured !== undefined && showFeatured !== 'false',
      };
      const { items, total } = await organizations.listOrganizations(query, pagination);
      setOptionalPaginationHeaders(c, pagination, total);
      return c.json(z.array(organizationWithFeaturedSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      const organization = await organizations.createOrganization(ctx(c), c.req.valid('json'));
      return c.json(organizationSchema.parse(organization), 201);
    })
    .openapi(routes.get, async (c) => {
      return c.json(
        organizationSchema.parse(await organizations.getOrganization(c.req.valid('param').id)),
        200,
      );
    })
    .openapi(routes.update, async (c) => {
      const organization = await organizations.updateOrganization(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      return c.json(organizationSchema.parse(organization), 200);
    })
    .openapi(routes.delete, async (c) => {
      await organizations.deleteOrganization(ctx(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
}
