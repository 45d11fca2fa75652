import { sql, type Expression, type SqlBool } from 'kysely';

/** The rows of one page: repos list everything when it is `undefined`. */
export interface Window {
  readonly limit: number;
  readonly offset: number;
}

/** Applies a window to a select query, or leaves it whole. */
export const withWindow = <Q extends { limit(n: number): { offset(n: number): Q } }>(
  query: Q,
  window: Window | undefined,
): Q => (window ? query.limit(window.limit).offset(window.offset) : query);

/** Escapes LIKE wildcards so a search for `50%` finds the literal text. */
export const likePattern = (term: string) => `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** `lower(column) like '%term%'`, case-insensitive on both dialects. */
export const containsText = (column: Expression<unknown>, term: string) =>
  sql<SqlBool>`lower(${column}) like ${likePattern(term)} escape '\\'`;

/**
 * Rows per multi-row INSERT. Each row binds a few parameters; staying well under SQLite's 32766 and
 * PostgreSQL's 65535 bound parameters keeps a 10 000-member replace a handful of statements.
 */
export const INSERT_BATCH_ROWS = 1000;

/** Splits `values` into consecutive slices of at most `size`. */
export const chunks = <T>(values: readonly T[], size = INSERT_BATCH_ROWS): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
};
