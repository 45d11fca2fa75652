import { OpenAPIHono, z } from '@hono/zod-openapi';
import { AppError } from '../shared/errors.js';
import type { AppEnv } from './context.js';

export interface InvalidField {
  /** Dotted path of the field, e.g. `profile.address.country`; empty for the body itself. */
  readonly path: string;
  readonly message: string;
  readonly code: string;
}

/** zod issues → `data.details` of a 400 `guard.invalid_input`, one entry per offending field. */
export function invalidInput(error: z.ZodError, where: string): AppError {
  const details: InvalidField[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({ path: [...path, key].join('.'), message: 'Unknown field.', code: issue.code });
      }
    } else {
      details.push({ path: path.join('.'), message: issue.message, code: issue.code });
    }
  }
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  return new AppError('guard.invalid_input', {
    message: `Invalid ${where}: ${summary}`,
    data: { details },
  });
}

const TARGET_NAMES: Record<string, string> = {
  json: 'request body',
  query: 'query',
  param: 'path parameter',
};

/** A router whose validation failures are Logto-shaped 400s instead of zod dumps. */
export const createRouter = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidInput(result.error, TARGET_NAMES[result.target] ?? result.target);
    },
  });

export const errorResponseSchema = z
  .object({ code: z.string(), message: z.string(), data: z.unknown().optional() })
  .openapi('Error');

/** Standard error responses shared by every Management API route's OpenAPI entry. */
export const errorResponses = {
  400: { description: 'Invalid input', content: { 'application/json': { schema: errorResponseSchema } } },
  401: {
    description: 'Missing or invalid access token',
    content: { 'application/json': { schema: errorResponseSchema } },
  },
} as const;

export const notFoundResponse = {
  404: { description: 'Not found', content: { 'application/json': { schema: errorResponseSchema } } },
} as const;

export const unprocessableResponse = {
  422: {
    description: 'Conflict with existing data',
    content: { 'application/json': { schema: errorResponseSchema } },
  },
} as const;
