import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { managementContext, type ClientAddressOptions } from './context.js';
import type { ManagementContext } from '../domain/payloads.js';
import { parsePagination, setPaginationHeaders, type Pagination } from './pagination.js';

/** A required JSON request body for an OpenAPI route. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});

/** A JSON response entry for an OpenAPI route. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A path parameter holding an entity id (Logto ids are at most 21 characters; admin ids are longer). */
export const idParam = z.string().min(1).max(128);

/** Builds the management context for payloads from a route's Hono context. */
export const contextFactory =
  (options: ClientAddressOptions) =>
  (c: Context): ManagementContext =>
    managementContext(c, options);

/**
 * Logto's optional pagination (`koaPagination({ isOptional: true })`): without `page` and
 * `page_size` the whole list is returned and no pagination headers are set; with either of them the
 * list is paged and `Total-Number`/`Link` are set as on every paged route.
 */
export function optionalPagination(query: { page?: string; page_size?: string }): Pagination | undefined {
  if (query.page === undefined && query.page_size === undefined) return undefined;
  return parsePagination(query);
}

/** Sets the pagination headers when the list was paged. */
export function setOptionalPaginationHeaders(c: Context, pagination: Pagination | undefined, total: number) {
  if (pagination) setPaginationHeaders(c, pagination, total);
}

/**
 * A relation list with Logto's optional pagination (a member's roles, an organization's
 * applications, a role's scopes…): loads the page asked for, or everything, and sets the headers
 * when paged. The caller parses the items through its response schema.
 */
export async function listOptionallyPaged<T>(
  c: Context,
  query: { page?: string; page_size?: string },
  load: (pagination: Pagination | undefined) => Promise<{ items: T[]; total: number }>,
): Promise<T[]> {
  const pagination = optionalPagination(query);
  const { items, total } = await load(pagination);
  setOptionalPaginationHeaders(c, pagination, total);
  return items;
}

/**
 * A list of ids in a request body, as Logto guards them: non-empty strings. Repeated ids are
 * accepted and treated as one.
 */
export const idListSchema = z.array(z.string().min(1).max(128));
