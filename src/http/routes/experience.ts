import { createRoute, z } from '@hono/zod-openapi';
import {
  codeIdentifierSchema,
  identifierSchema,
  interactionEventSchema,
  newPasswordIdentifierSchema,
  passwordInputSchema,
  profileInputSchema,
} from '../../domain/experience.js';
import type { ExperienceService } from '../../services/experience.js';
import {
  applyCookies,
  clearInteractionCookie,
  experienceRequest,
  type ExperienceCookieOptions,
} from '../experience-cookies.js';
import { createRouter, errorResponseSchema } from '../openapi.js';
import { jsonBody } from '../route-helpers.js';

/*
 * Logto's Experience API (docs/compatibility.md#sign-in-flows, docs/compatibility.md#sign-in-flows), the subset behind sign-up, sign-in
 * and password reset. No Management API token: the interaction cookie is the credential. Bodies
 * are non-strict objects like Logto's guards, so Logto's sign-in UI (which adds fields such as
 * `captchaToken`) is accepted.
 */

const tags = ['Experience'];
const verificationIdSchema = z.string().min(1).max(64);
const verificationResponse = z.object({ verificationId: z.string() }).openapi('VerificationResponse');
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorResponseSchema } },
});
const verified = {
  description: 'The verification record',
  content: { 'application/json': { schema: verificationResponse } },
};
const common = {
  400: error('Invalid input or interaction state'),
  404: error('No interaction, or no such record'),
};
/** A blocking hook's verdict (docs/blocking-hooks.md): PreRegister at identification, PreSignIn at submit. */
const blocking = {
  403: error("hook.denied: a blocking hook denied the step; the message is the receiver's"),
  503: error('hook.unavailable: a blocking hook with failurePolicy "closed" could not decide'),
};

export const startBodySchema = z.object({
  interactionEvent: interactionEventSchema,
  captchaToken: z.string().optional(),
});
export const passwordBodySchema = z.object({ identifier: identifierSchema, password: passwordInputSchema });
export const newPasswordIdentityBodySchema = z.object({
  identifier: newPasswordIdentifierSchema,
  password: passwordInputSchema,
});
export const sendCodeBodySchema = z.object({
  identifier: codeIdentifierSchema,
  interactionEvent: interactionEventSchema,
});
export const verifyCodeBodySchema = z.object({
  identifier: codeIdentifierSchema,
  verificationId: verificationIdSchema,
  code: z.string().min(1).max(32),
});
export const identificationBodySchema = z.object({ verificationId: verificationIdSchema });
export const resetPasswordBodySchema = z.object({ password: passwordInputSchema });
export const submitResponseSchema = z.object({ redirectTo: z.string() }).openapi('SubmitResponse');
export type SubmitResponse = z.infer<typeof submitResponseSchema>;
export type VerificationResponse = z.infer<typeof verificationResponse>;

const routes = {
  start: createRoute({
    method: 'put',
    path: '/experience',
    tags,
    summary: 'Start a new interaction',
    request: { body: jsonBody(startBodySchema) },
    responses: { 204: { description: 'Started; earlier interaction data is cleared' }, ...common },
  }),
  password: createRoute({
    method: 'post',
    path: '/experience/verification/password',
    tags,
    summary: 'Verify a password (sign-in)',
    request: { body: jsonBody(passwordBodySchema) },
    responses: {
      200: verified,
      ...common,
      401: error('The account is suspended'),
      422: error('session.invalid_credentials'),
    },
  }),
  newPasswordIdentity: createRoute({
    method: 'post',
    path: '/experience/verification/new-password-identity',
    tags,
    summary: 'Create a username and password identity (registration)',
    request: { body: jsonBody(newPasswordIdentityBodySchema) },
    responses: { 200: verified, ...common, 422: error('Username in use, or password rejected') },
  }),
  sendCode: createRoute({
    method: 'post',
    path: '/experience/verification/verification-code',
    tags,
    summary: 'Send an email verification code',
    request: { body: jsonBody(sendCodeBodySchema) },
    responses: {
      200: verified,
      ...common,
      429: error('request.message_rate_limited'),
      502: error('The connector failed'),
    },
  }),
  verifyCode: createRoute({
    method: 'post',
    path: '/experience/verification/verification-code/verify',
    tags,
    summary: 'Verify an email verification code',
    request: { body: jsonBody(verifyCodeBodySchema) },
    responses: { 200: verified, ...common },
  }),
  identification: createRoute({
    method: 'post',
    path: '/experience/identification',
    tags,
    summary: 'Identify the user (creates the account when registering)',
    request: { body: jsonBody(identificationBodySchema) },
    responses: {
      201: { description: 'Register: the account was created' },
      204: { description: 'SignIn, ForgotPassword: the user is identified' },
      ...common,
      401: error('The account is suspended'),
      409: error('Already identified as another user'),
      422: error('An identifier is already in use'),
      ...blocking,
    },
  }),
  profile: createRoute({
    method: 'post',
    path: '/experience/profile',
    tags,
    summary: 'Add profile data (username, password, verified email, name)',
    request: { body: jsonBody(profileInputSchema) },
    responses: { 204: { description: 'Added' }, ...common, 422: error('In use or rejected') },
  }),
  resetPassword: createRoute({
    method: 'put',
    path: '/experience/profile/password',
    tags,
    summary: 'Set the new password (ForgotPassword)',
    request: { body: jsonBody(resetPasswordBodySchema) },
    responses: {
      204: { description: 'Accepted; applied on submit' },
      ...common,
      422: error('Rejected or unchanged'),
    },
  }),
  submit: createRoute({
    method: 'post',
    path: '/experience/submit',
    tags,
    summary: 'Submit the interaction',
    responses: {
      200: { description: 'Done', content: { 'application/json': { schema: submitResponseSchema } } },
      ...common,
      422: error('Required profile data is missing'),
      ...blocking,
    },
  }),
};

/** The Experience API routes, mounted under `/api`. */
export function experienceRoutes(experience: ExperienceService, options: ExperienceCookieOptions) {
  const req = (c: Parameters<typeof experienceRequest>[0]) => experienceRequest(c, options);
  const verification = (body: { verificationId: string }) => verificationResponse.parse(body);
  return createRouter()
    .openapi(routes.start, async (c) => {
      const cookies = await experience.startInteraction(req(c), c.req.valid('json').interactionEvent);
      applyCookies(c, cookies, options);
      return c.body(null, 204);
    })
    .openapi(routes.password, async (c) =>
      c.json(verification(await experience.verifyPassword(req(c), c.req.valid('json'))), 200),
    )
    .openapi(routes.newPasswordIdentity, async (c) =>
      c.json(verification(await experience.createNewPasswordIdentity(req(c), c.req.valid('json'))), 200),
    )
    .openapi(routes.sendCode, async (c) =>
      c.json(verification(await experience.sendVerificationCode(req(c), c.req.valid('json'))), 200),
    )
    .openapi(routes.verifyCode, async (c) =>
      c.json(verification(await experience.verifyVerificationCode(req(c), c.req.valid('json'))), 200),
    )
    .openapi(routes.identification, async (c) => {
      const { isCreated } = await experience.identify(req(c), c.req.valid('json'));
      return c.body(null, isCreated ? 201 : 204);
    })
    .openapi(routes.profile, async (c) => {
      await experience.addProfile(req(c), c.req.valid('json'));
      return c.body(null, 204);
    })
    .openapi(routes.resetPassword, async (c) => {
      await experience.resetPassword(req(c), c.req.valid('json'));
      return c.body(null, 204);
    })
    .openapi(routes.submit, async (c) => {
      const result = await experience.submit(req(c));
      applyCookies(c, result.cookies, options);
      clearInteractionCookie(c, options);
      return c.json(submitResponseSchema.parse({ redirectTo: result.redirectTo }), 200);
    });
}
