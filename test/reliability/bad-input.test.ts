/**
 * Scenario 4: bad input at volume. Property-based tests mutate a valid request of every Management
 * API route that takes a body or a query (management-routes.ts; a test keeps that table equal to
 * the OpenAPI document) and send it to the real app on a real database. Whatever comes in:
 * - never a 5xx;
 * - a rejected request answers 4xx with Logto's `{ code, message }`, and leaves every table
 *   exactly as it was: no partial write and no event;
 * - a GET never writes.
 * Runs in-process (app.request), like the route tests, so thousands of requests fit in a minute.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOOPBACK_TARGETS } from '../delivery/support.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { badBody, badParams, badQuery, type FuzzRequest } from './bad-input-arbitraries.js';
import { startCountingReceiver, type CountingReceiver } from './counting-receiver.js';
import { createFixtures, MANAGEMENT_ROUTES, type Fixtures, type RouteSeed } from './management-routes.js';

/**
 * Runs per route and dialect: about 60 routes × 2 dialects × this many requests, within about a
 * minute on two cores. `FUZZ_RUNS` and `FUZZ_SEED` widen or replay a search; the default seed keeps
 * CI deterministic.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);

/** Tables only ever appended to: a count tells whether a rejected request added a row. */
const APPEND_ONLY = new Set(['events', 'deliveries', 'delivery_attempts', 'sentinel_activities']);

/**
 * 5xx answers that are decisions, not failures: Logto answers an invitation that asks for an email
 * with 501 `connector.not_found` when no email connector exists, and so does idhooks (docs/errors.md).
 */
const DELIBERATE_5XX: Readonly<Record<number, string>> = { 501: 'connector.not_found' };

const keyOf = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;

/** A digest of every row of every table: equal digests, equal databases. */
async function fingerprint(raw: Kysely<unknown>, tables: readonly string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    tables.map(async (table) => {
      if (APPEND_ONLY.has(table)) {
        const { rows } = await sql<{
          n: number | string;
        }>`select count(*) as n from ${sql.table(table)}`.execute(raw);
        return [table, `count ${Number(rows[0]?.n)}`] as const;
      }
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(raw);
      const lines = rows.map((row) => JSON.stringify(row)).sort();
      return [table, createHash('sha256').update(lines.join('\n')).digest('hex')] as const;
    }),
  );
  return Object.fromEntries(entries);
}

describeEachDialect('bad input at volume', (dialect) => {
  let env: TestEnv;
  let receiver: CountingReceiver;
  let fixtures: Fixtures;
  let tables: string[];
  let token: string;

  beforeAll(async () => {
    // Test sends (POST /hooks/:id/test) go out for real: to a loopback receiver, and nowhere else.
    env = await createTestEnv(dialect, { env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: LOOPBACK_TARGETS } });
    receiver = await startCountingReceiver();
    fixtures = await createFixtures(env, `${receiver.url}/hook`);
    token = await env.token();
    const raw = env.container.database.db.withoutPlugins();
    tables = (await raw.introspection.getTables()).map((table) => table.name);
  });
  afterAll(async () => {
    await receiver?.close();
    await env?.close();
  });

  const send = (route: RouteSeed, request: FuzzRequest) => {
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => request.params[name] ?? '');
    return env.app.request(`${path}${request.query ? `?${request.query}` : ''}`, {
      method: route.method,
      headers: {
        authorization: `Bearer ${token}`,
        'user-agent': 'idhooks-fuzz/1.0',
        ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
      },
      body: request.body,
    });
  };

  it('covers every Management API route that takes a body or a query', async () => {
    const document = (await (await env.api('GET', '/api/swagger.json')).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { in: string }[] }>>;
    };
    const documented = Object.entries(document.paths)
      .filter(
        ([path]) => path.startsWith('/api/') && !path.startsWith('/api/experience') && path !== '/api/status',
      )
      .flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(
            ([, op]) => op.requestBody !== undefined || (op.parameters ?? []).some((p) => p.in === 'query'),
          )
          .map(([method]) => keyOf({ method, path })),
      );
    expect(MANAGEMENT_ROUTES.map(keyOf).sort()).toEqual(documented.sort());
  });

  it('accepts every unmutated seed request', async () => {
    for (const route of MANAGEMENT_ROUTES) {
      const response = await send(route, {
        params: route.params?.(fixtures) ?? {},
        query: new URLSearchParams(route.query?.(fixtures) ?? {}).toString(),
        contentType: route.body ? 'application/json' : undefined,
        body: route.body ? JSON.stringify(route.body(fixtures)) : undefined,
      });
      const text = route.isStream ? (await response.body?.cancel(), '(a stream)') : await response.text();
      expect(response.status, `${keyOf(route)}: ${text}`).toBeLessThan(300);
    }
  });

  for (const route of MANAGEMENT_ROUTES) {
    it(`${keyOf(route)}: no 5xx, and a rejected request changes nothing`, async () => {
      const raw = env.container.database.db.withoutPlugins() as Kysely<unknown>;
      const params = route.params?.(fixtures) ?? {};
      const arbitrary = fc
        .tuple(
          badParams(params),
          route.query ? badQuery(route.query(fixtures)) : fc.constant(''),
          route.body
            ? badBody(route.body(fixtures))
            : fc.constant({ contentType: undefined, body: undefined }),
        )
        .map(([p, query, body]): FuzzRequest => ({ params: p, query, ...body }));

      await fc.assert(
        fc.asyncProperty(arbitrary, async (input) => {
          // A test send connects to config.url: never let a mutation aim it off this machine.
          fc.pre(!aimsOffLoopback(route, input));
          const before = await fingerprint(raw, tables);
          const response = await send(route, input);
          const text =
            route.isStream && response.status < 400
              ? (await response.body?.cancel(), '')
              : await response.text();
          const what = `${keyOf(route)} answered ${response.status}: ${text.slice(0, 300)}`;
          if (response.status >= 400) {
            const body = JSON.parse(text) as { code?: unknown; message?: unknown };
            expect(typeof body.code === 'string' && body.code.length > 0, what).toBe(true);
            expect(typeof body.message === 'string' && body.message.length > 0, what).toBe(true);
            if (response.status >= 500) expect(body.code, what).toBe(DELIBERATE_5XX[response.status]);
          }
          if (response.status >= 400 || route.method === 'GET') {
            expect(await fingerprint(raw, tables), `${what}\nbut changed the database`).toEqual(before);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    });
  }
});

/** True when a test send would go anywhere but 127.0.0.1. */
function aimsOffLoopback(route: RouteSeed, input: FuzzRequest): boolean {
  if (!route.path.endsWith('/test') || input.body === undefined) return false;
  let url: unknown;
  try {
    url = (JSON.parse(input.body) as { config?: { url?: unknown } })?.config?.url;
  } catch {
    return false;
  }
  if (typeof url !== 'string' || !URL.canParse(url)) return false;
  const parsed = new URL(url);
  return /^https?:$/.test(parsed.protocol) && parsed.hostname !== '127.0.0.1';
}
