import type { Window } from '../storage/repos/query-helpers.js';

/** A page asked for by a client: `page` from 1, `pageSize` items per page. */
export interface PageRequest {
  readonly page: number;
  readonly pageSize: number;
}

/** `limit`/`offset` of a page, or `undefined` (the whole list) when no page was asked for. */
export const toWindow = (page: PageRequest | undefined): Window | undefined =>
  page && { limit: page.pageSize, offset: (page.page - 1) * page.pageSize };

/** Unique values in first-seen order: request bodies may repeat an id, Logto treats it as one. */
export const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** Values of `values` that are not in `exclude`, in order. */
export const without = <T>(values: readonly T[], exclude: Iterable<T>): T[] => {
  const excluded = new Set(exclude);
  return values.filter((value) => !excluded.has(value));
};
