import { createRoute, z } from '@hono/zod-openapi';
import {
  adminPasswordSchema,
  emailSchema,
  jsonObjectSchema,
  phoneSchema,
  userProfileSchema,
  usernameSchema,
} from '../../domain/users.js';
import type { UsersService } from '../../services/users.js';
import type { ClientAddressOptions } from '../context.js';
import { createRouter, errorResponses, notFoundResponse, unprocessableResponse } from '../openapi.js';
import { paginationQuerySchema, parsePagination, setPaginationHeaders } from '../pagination.js';
import { contextFactory, jsonBody, jsonResponse } from '../route-helpers.js';

// Domain schemas are plain zod (domain imports no HTTP library), so they are inlined in the OpenAPI document.
const profileSchema = userProfileSchema;

/** The Management API's user: `userInfoSelectFields` + `hasPassword`, never a hash. */
export const adminUserSchema = z
  .object({
    id: z.string(),
    username: z.string().nullable(),
    primaryEmail: z.string().nullable(),
    primaryPhone: z.string().nullable(),
    name: z.string().nullable(),
    avatar: z.string().nullable(),
    customData: jsonObjectSchema,
    identities: z.record(z.string(), z.object({ userId: z.string(), details: jsonObjectSchema.optional() })),
    lastSignInAt: z.number().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    profile: profileSchema,
    applicationId: z.string().nullable(),
    cimdClientId: z.string().nullable(),
    isSuspended: z.boolean(),
    hasPassword: z.boolean(),
  })
  .openapi('User');
export type UserResponse = z.infer<typeof adminUserSchema>;

const nameSchema = z.string().max(128);
const avatarSchema = z.url().max(2048).or(z.literal(''));

export const createUserBodySchema = z
  .strictObject({
    username: usernameSchema.optional(),
    primaryEmail: emailSchema.optional(),
    primaryPhone: phoneSchema.optional(),
    password: adminPasswordSchema.optional(),
    name: nameSchema.nullable().optional(),
    avatar: avatarSchema.nullable().optional(),
    customData: jsonObjectSchema.optional(),
    profile: profileSchema.optional(),
  })
  .openapi('CreateUser');
export type CreateUserRequest = z.infer<typeof createUserBodySchema>;

export const updateUserBodySchema = z
  .strictObject({
    username: usernameSchema.nullable().optional(),
    primaryEmail: emailSchema.nullable().optional(),
    primaryPhone: phoneSchema.nullable().optional(),
    name: nameSchema.nullable().optional(),
    avatar: avatarSchema.nullable().optional(),
    customData: jsonObjectSchema.optional(),
    profile: profileSchema.optional(),
  })
  .openapi('UpdateUser');
export type UpdateUserRequest = z.infer<typeof updateUserBodySchema>;

const userIdParams = z.object({ userId: z.string().min(1).max(128) });
const tags = ['Users'];

const routes = {
  list: createRoute({
    method: 'get',
    path: '/users',
    tags,
    summary: 'List users',
    request: {
      query: paginationQuerySchema.extend({
        search: z
          .string()
          .max(256)
          .optional()
          .openapi({ description: 'Matches username, email, phone or name.' }),
      }),
    },
    responses: { 200: jsonResponse(z.array(adminUserSchema), 'Users, newest first'), ...errorResponses },
  }),
  create: createRoute({
    method: 'post',
    path: '/users',
    tags,
    summary: 'Create a user',
    request: { body: jsonBody(createUserBodySchema) },
    responses: {
      200: jsonResponse(adminUserSchema, 'The created user'),
      ...errorResponses,
      ...unprocessableResponse,
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/users/{userId}',
    tags,
    summary: 'Get a user',
    request: { params: userIdParams },
    responses: { 200: jsonResponse(adminUserSchema, 'The user'), ...errorResponses, ...notFoundResponse },
  }),
  update: createRoute({
    method: 'patch',
    path: '/users/{userId}',
    tags,
    summary: 'Update a user',
    request: { params: userIdParams, body: jsonBody(updateUserBodySchema) },
    responses: {
      200: jsonResponse(adminUserSchema, 'The updated user'),
      ...errorResponses,
      ...notFoundResponse,
      ...unprocessableResponse,
    },
  }),
  customData: createRoute({
    method: 'patch',
    path: '/users/{userId}/custom-data',
    tags,
    summary: "Replace a user's custom data",
    request: { params: userIdParams, body: jsonBody(z.strictObject({ customData: jsonObjectSchema })) },
    responses: {
      200: jsonResponse(jsonObjectSchema, 'The new custom data'),
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  profile: createRoute({
    method: 'patch',
    path: '/users/{userId}/profile',
    tags,
    summary: "Merge claims into a user's profile",
    request: { params: userIdParams, body: jsonBody(z.strictObject({ profile: profileSchema })) },
    responses: {
      200: jsonResponse(profileSchema, 'The new profile'),
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  password: createRoute({
    method: 'patch',
    path: '/users/{userId}/password',
    tags,
    summary: "Set a user's password",
    request: { params: userIdParams, body: jsonBody(z.strictObject({ password: adminPasswordSchema })) },
    responses: { 200: jsonResponse(adminUserSchema, 'The user'), ...errorResponses, ...notFoundResponse },
  }),
  suspend: createRoute({
    method: 'patch',
    path: '/users/{userId}/is-suspended',
    tags,
    summary: 'Suspend or reinstate a user',
    request: { params: userIdParams, body: jsonBody(z.strictObject({ isSuspended: z.boolean() })) },
    responses: { 200: jsonResponse(adminUserSchema, 'The user'), ...errorResponses, ...notFoundResponse },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/users/{userId}',
    tags,
    summary: 'Delete a user',
    request: { params: userIdParams },
    responses: { 204: { description: 'Deleted' }, ...errorResponses, ...notFoundResponse },
  }),
};

/** Users Management API (Logto's paths and shapes). Responses are parsed through their schema. */
export function usersRoutes(users: UsersService, addressOptions: ClientAddressOptions) {
  const ctx = contextFactory(addressOptions);
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { search, ...paging } = c.req.valid('query');
      const pagination = parsePagination(paging);
      const { items, total } = await users.listUsers({ search: search || undefined, ...pagination });
      setPaginationHeaders(c, pagination, total);
      return c.json(z.array(adminUserSchema).parse(items), 200);
    })
    .openapi(routes.create, async (c) => {
      const user = await users.createUser(ctx(c), c.req.valid('json'));
      return c.json(adminUserSchema.parse(user), 200);
    })
    .openapi(routes.get, async (c) => {
      return c.json(adminUserSchema.parse(await users.getUser(c.req.valid('param').userId)), 200);
    })
    .openapi(routes.update, async (c) => {
      const user = await users.updateUser(ctx(c), c.req.valid('param').userId, c.req.valid('json'));
      return c.json(adminUserSchema.parse(user), 200);
    })
    .openapi(routes.customData, async (c) => {
      const { userId } = c.req.valid('param');
      return c.json(await users.updateCustomData(ctx(c), userId, c.req.valid('json').customData), 200);
    })
    .openapi(routes.profile, async (c) => {
      const { userId } = c.req.valid('param');
      return c.json(
        profileSchema.parse(await users.updateProfile(ctx(c), userId, c.req.valid('json').profile)),
        200,
      );
    })
    .openapi(routes.password, async (c) => {
      const { userId } = c.req.valid('param');
      const user = await users.updatePassword(ctx(c), userId, c.req.valid('json').password);
      return c.json(adminUserSchema.parse(user), 200);
    })
    .openapi(routes.suspend, async (c) => {
      const { userId } = c.req.valid('param');
      const user = await users.updateIsSuspended(ctx(c), userId, c.req.valid('json').isSuspended);
      return c.json(adminUserSchema.parse(user), 200);
    })
    .openapi(routes.delete, async (c) => {
      await users.deleteUser(ctx(c), c.req.valid('param').userId);
      return c.body(null, 204);
    });
}
