import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../shared/errors.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** `page` and `page_size` as Logto reads them; validated by hand to answer `guard.invalid_pagination`. */
export const paginationQuerySchema = z.object({
  page: z.string().optional().openapi({ description: 'Page number, from 1.', example: '1' }),
  page_size: z
    .string()
    .optional()
    .openapi({
      description: `Items per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`,
      example: '20',
    }),
});

export interface Pagination {
  readonly page: number;
  readonly pageSize: number;
}

const positiveInt = (value: string) => (/^\d+$/.test(value) ? Number(value) : Number.NaN);

export function parsePagination(query: { page?: string; page_size?: string }): Pagination {
  const page = query.page === undefined ? 1 : positiveInt(query.page);
  const pageSize = query.page_size === undefined ? DEFAULT_PAGE_SIZE : positiveInt(query.page_size);
  // The offset must stay an exact integer: a page of 10^20 became a float offset that both
  // databases refused with a 500 (found by the reliability suite's bad-input scenario).
  const isOffsetExact = Number.isSafeInteger(page * pageSize);
  if (!(page >= 1) || !(pageSize >= 1) || pageSize > MAX_PAGE_SIZE || !isOffsetExact) {
    throw new AppError('guard.invalid_pagination', {
      message: `page must be an integer ≥ 1 and page_size an integer from 1 to ${MAX_PAGE_SIZE}.`,
      data: { page: query.page, page_size: query.page_size },
    });
  }
  return { page, pageSize };
}

/**
 * `Total-Number` and an RFC 8288 `Link` header (first, prev, next, last), as Logto's pagination
 * middleware sets them; other query parameters are kept in the links.
 */
export function setPaginationHeaders(c: Context, { page, pageSize }: Pagination, total: number): void {
  c.header('Total-Number', String(total));
  const url = new URL(c.req.url);
  const link = (p: number, rel: string) => {
    url.searchParams.set('page', String(p));
    url.searchParams.set('page_size', String(pageSize));
    return `<${url.pathname}${url.search}>; rel="${rel}"`;
  };
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  const links = [link(1, 'first')];
  if (page > 1) links.push(link(Math.min(page - 1, lastPage), 'prev'));
  if (page < lastPage) links.push(link(page + 1, 'next'));
  links.push(link(lastPage, 'last'));
  c.header('Link', links.join(', '));
}
