import { expect } from 'vitest';
import type { Database } from '../../src/storage/db.js';
import type { TestEnv } from './test-db.js';

/** The parsed JSON body of a response. */
export const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;

/** Expects a success status (printing the body when it is not) and returns the parsed body. */
export async function expectStatus<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Expects a Logto-shaped error with this status and code; returns the body. */
export async function expectRejected(response: Response, status: number, code: string) {
  const body = (await response.json()) as { code: string; message: string; data?: unknown };
  expect({ status: response.status, code: body.code }, body.message).toEqual({ status, code });
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

/** Rows in a table, to check that a rejected request changed nothing. */
export async function countRows(env: TestEnv, table: keyof Database): Promise<number> {
  const row = await env.container.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Row counts of several tables at once, for before/after comparisons. */
export async function snapshotCounts(env: TestEnv, tables: readonly (keyof Database)[]) {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = await countRows(env, table);
  return counts;
}

/**
 * Runs `action` (a batch of rejected requests) and checks that none of `tables`, nor the `events`
 * table, gained or lost a row.
 */
export async function expectUnchanged(
  env: TestEnv,
  tables: readonly (keyof Database)[],
  action: () => Promise<void>,
): Promise<void> {
  const watched = [...new Set<keyof Database>([...tables, 'events'])];
  const before = await snapshotCounts(env, watched);
  await action();
  expect(await snapshotCounts(env, watched)).toEqual(before);
}
