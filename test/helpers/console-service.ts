/** What the console tests of users, applications, roles, resources and organizations share. */
import { json, snapshotCounts } from './api.js';
import type { TestEnv } from './test-db.js';

export type Payload = Record<string, unknown> & { data?: Record<string, unknown> };

/** The markup of the table with this test id (testIdText stops at the first closing tag). */
export const tableOf = (html: string, testId: string) =>
  html.match(new RegExp(`data-testid="${testId}"[\\s\\S]*?</table>`))?.[0] ?? '';

export const createUser = async (env: TestEnv, body: Record<string, unknown>) =>
  json<{ id: string }>(await env.api('POST', '/api/users', body));

/** Events appended while `action` ran, oldest first. */
export async function eventsDuring(
  env: TestEnv,
  action: () => Promise<unknown>,
): Promise<Array<{ type: string; payload: Payload }>> {
  const db = env.container.database.db;
  const before = new Set((await db.selectFrom('events').select('id').execute()).map((row) => row.id));
  await action();
  const rows = await db.selectFrom('events').selectAll().orderBy('createdAt').orderBy('id').execute();
  return rows
    .filter((row) => !before.has(row.id))
    .map((row) => ({ type: row.type, payload: JSON.parse(row.payload as unknown as string) as Payload }));
}

/**
 * What a receiver switches on, with the request's own values (time, address, agent) left out:
 * the key order, the route fields and the data's keys.
 */
export const shape = (payload: Payload) => ({
  // Keys of undefined values (no User-Agent header here) are dropped by JSON, on both sides alike.
  keys: Object.keys(payload).filter((key) => key !== 'userAgent' && key !== 'ip'),
  event: payload.event,
  path: payload.path,
  method: payload.method,
  status: payload.status,
  params: payload.params,
  matchedRoute: payload.matchedRoute,
  dataKeys: payload.data && typeof payload.data === 'object' ? Object.keys(payload.data) : payload.data,
});

/** Row counts of every table a refused console form could have touched, and the events. */
export const serviceState = (env: TestEnv) =>
  snapshotCounts(env, [
    'users',
    'applications',
    'roles',
    'resources',
    'scopes',
    'rolesScopes',
    'usersRoles',
    'organizations',
    'organizationUserRelations',
    'events',
  ]);
