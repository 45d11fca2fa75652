import { createRoute, z } from '@hono/zod-openapi';
import { emailSchema } from '../../domain/users.js';
import { INVITATION_STATUSES } from '../../domain/organizations.js';
import type { OrganizationInvitationsService } from '../../services/organization-invitations.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { contextFactory, idListSchema, idParam, jsonBody, jsonResponse } from '../route-helpers.js';

export const invitationSchema = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    inviterId: z.string().nullable(),
    invitee: z.string(),
    acceptedUserId: z.string().nullable(),
    organizationId: z.string(),
    status: z.enum(INVITATION_STATUSES),
    createdAt: z.number(),
    updatedAt: z.number(),
    expiresAt: z.number(),
    organizationRoles: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .openapi('OrganizationInvitation');
export type InvitationResponse = z.infer<typeof invitationSchema>;

export const createInvitationBodySchema = z
  .strictObject({
    inviterId: idParam.nullable().optional(),
    invitee: emailSchema,
    organizationId: idParam,
    expiresAt: z.number().int().positive(),
    organizationRoleIds: idListSchema.optional(),
    messagePayload: z
      .union([z.literal(false), z.literal(true), z.record(z.string(), z.string())])
      .optional()
      .openapi({ description: 'Must be false (or absent): idhooks sends no email.' }),
  })
  .openapi('CreateOrganizationInvitation');
export type CreateInvitationRequest = z.infer<typeof createInvitationBodySchema>;

export const invitationStatusBodySchema = z
  .strictObject({
    status: z.enum(['Accepted', 'Revoked']),
    acceptedUserId: idParam.nullable().optional(),
  })
  .openapi('ReplaceOrganizationInvitationStatus');

const params = z.object({ id: idParam });
const tags = ['Organization invitations'];
const responses = { ...errorResponses, ...notFoundResponse };

const routes = {
  list: createRoute({
    method: 'get',
    path: '/organization-invitations',
    tags,
    summary: 'List organization invitations',
    request: {
      query: z.object({
        organizationId: idParam.optional(),
        inviterId: idParam.optional(),
        invitee: z.string().max(256).optional(),
      }),
    },
    responses: {
      200: jsonResponse(z.array(invitationSchema), 'Invitations, newest first'),
      ...errorResponses,
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/organization-invitations',
    tags,
    summary: 'Create an organization invitation (sends no email)',
    request: { body: jsonBody(createInvitationBodySchema) },
    responses: {
      201: jsonResponse(invitationSchema, 'The created invitation'),
      ...errorResponses,
      ...unprocessableResponse,
      501: { description: 'An email was asked for; idhooks has no email connector' },
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/organization-invitations/{id}',
    tags,
    summary: 'Get an organization invitation',
    request: { params },
    responses: { 200: jsonResponse(invitationSchema, 'The invitation'), ...responses },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/organization-invitations/{id}',
    tags,
    summary: 'Delete an organization invitation',
    request: { params },
    responses: { 204: { description: 'Deleted' }, ...responses },
  }),
  status: createRoute({
    method: 'put',
    path: '/organization-invitations/{id}/status',
    tags,
    summary: 'Accept (emits Organization.Membership.Updated) or revoke an invitation',
    request: { params, body: jsonBody(invitationStatusBodySchema) },
    responses: {
      200: jsonResponse(invitationSchema, 'The updated invitation'),
      ...responses,
      ...unprocessableResponse,
    },
  }),
};

/** Organization invitations (Logto's paths and shapes). */
export function organizationInvitationsRoutes(
  invitations: OrganizationInvitationsService,
  addressOptions: ClientAddressOptions,
) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      return c.json(
        z.array(invitationSchema).parse(await invitations.listInvitations(c.req.valid('query'))),
        200,
      );
    })
    .openapi(routes.create, async (c) => {
      return c.json(invitationSchema.parse(await invitations.createInvitation(c.req.valid('json'))), 201);
    })
    .openapi(routes.get, async (c) => {
      return c.json(invitationSchema.parse(await invitations.getInvitation(c.req.valid('param').id)), 200);
    })
    .openapi(routes.delete, async (c) => {
      await invitations.deleteInvitation(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.status, async (c) => {
      const invitation = await invitations.setStatus(ctx(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json(invitationSchema.parse(invitation), 200);
    });
}
