import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import {
  TEST_ADMIN,
  createTestDatabase,
  createTestEnv,
  describeEachDialect,
  type TestEnv,
} from '../helpers/test-db.js';

/**
 * The cross-cutting HTTP surface: the unauthenticated health check, the OpenAPI document (which must
 * list every /api route the app registers), the request id on every response, Logto-shaped 404s,
 * and a 500 that tells the client nothing but the log everything.
 */

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface OpenApiOperation {
  responses?: Record<string, { description?: string }>;
  parameters?: { name: string; in: string; required?: boolean }[];
}
interface OpenApiDocument {
  openapi: string;
  info: { title?: string; version?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: Record<string, Record<string, unknown>>;
}

/** `GET /api/users/:userId` in Hono's syntax → `get /api/users/{userId}` in OpenAPI's. */
const toOpenApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');

/** Every `$ref` in the document, with the JSON pointer it names. */
function collectRefs(value: unknown, refs: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => collectRefs(item, refs));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') refs.push(child);
      else collectRefs(child, refs);
    }
  }
  return refs;
}

const resolvePointer = (doc: unknown, ref: string) =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);

describeEachDialect('status, OpenAPI document and response envelope', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  describe('GET /api/status', () => {
    it('answers 204 with no body and no token', async () => {
      const response = await env.app.request('/api/status');
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      expect(response.headers.get('x-request-id')).toBeTruthy();
    });
  });

  describe('GET /api/swagger.json', () => {
    let doc: OpenApiDocument;
    beforeAll(async () => {
      const response = await env.api('GET', '/api/swagger.json');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      doc = (await response.json()) as OpenApiDocument;
    });

    it('is public, as Logto serves its own: it describes the API and grants nothing', async () => {
      const response = await env.app.request('/api/swagger.json');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(doc);
    });

    it('is an OpenAPI 3.1 document with info, paths and operations that have responses', () => {
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info.title).toBeTruthy();
      expect(doc.info.version).toBeTruthy();
      const problems: string[] = [];
      for (const [path, item] of Object.entries(doc.paths)) {
        if (!path.startsWith('/')) problems.push(`${path}: paths must start with /`);
        for (const [method, operation] of Object.entries(item)) {
          if (!HTTP_METHODS.includes(method)) continue;
          const where = `${method.toUpperCase()} ${path}`;
          const responses = Object.entries(operation.responses ?? {});
          if (responses.length === 0) problems.push(`${where}: no responses`);
          for (const [status, response] of responses) {
            if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status))
              problems.push(`${where}: bad status ${status}`);
            if (!response.description) problems.push(`${where} ${status}: a response needs a description`);
          }
          // OpenAPI requires every templated segment to be declared as a required path parameter.
          for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
            const declared = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
            if (!declared?.required)
              problems.push(`${where}: path parameter ${name} is not declared required`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('resolves every $ref', () => {
      const dangling = collectRefs(doc).filter((ref) => resolvePointer(doc, ref) === undefined);
      expect(dangling).toEqual([]);
    });

    it('lists exactly the routes the app registers under /api', () => {
      const registered = new Set(
        env.app.routes
          .filter(
            (route) => route.method !== 'ALL' && route.path.startsWith('/api/') && !route.path.includes('*'),
          )
          .filter((route) => route.path !== '/api/swagger.json' && !route.path.startsWith('/api/docs'))
          .map((route) => `${route.method.toLowerCase()} ${toOpenApiPath(route.path)}`),
      );
      const documented = new Set(
        Object.entries(doc.paths).flatMap(([path, item]) =>
          Object.keys(item)
            .filter((method) => HTTP_METHODS.includes(method))
            .map((method) => `${method} ${path}`),
        ),
      );
      expect(registered.size).toBeGreaterThanOrEqual(10);
      const undocumented = [...registered].filter((route) => !documented.has(route));
      expect(
        undocumented,
        'routes missing from /api/swagger.json: declare them with createRoute() and router.openapi()',
      ).toEqual([]);
      const phantom = [...documented].filter((route) => !registered.has(route));
      expect(phantom, '/api/swagger.json documents routes the app does not serve').toEqual([]);
    });
  });

  describe('request id', () => {
    const expectRequestId = (response: Response) => {
      const id = response.headers.get('x-request-id');
      expect(id, `${response.status} response without x-request-id`).toMatch(/^req_[0-9a-z]{21}$/);
      return id;
    };

    it('is on successes, 4xx of every kind and unknown routes, and differs per request', async () => {
      const responses = [
        await env.app.request('/api/status'),
        await env.api('GET', '/api/users'),
        await env.api('POST', '/api/users', { username: 42 }),
        await env.api('POST', '/api/users', '{"username":'),
        await env.api('POST', '/api/users', 'x'.repeat(1_100_000)),
        await env.api('GET', '/api/users/no-such-user'),
        await env.app.request('/api/users'),
        await env.app.request('/no-such-route'),
        await env.api('GET', '/api/no-such-route'),
        await env.app.request('/oidc/token', { method: 'POST', body: 'grant_type=password' }),
      ];
      expect(responses.map((r) => r.status)).toEqual([204, 200, 400, 400, 413, 404, 401, 404, 404, 400]);
      const ids = responses.map(expectRequestId);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("keeps a caller's short printable id and replaces anything else", async () => {
      const kept = await env.app.request('/api/status', { headers: { 'x-request-id': 'lb-1234.abc:9' } });
      expect(kept.headers.get('x-request-id')).toBe('lb-1234.abc:9');
      const notFound = await env.app.request('/nope', { headers: { 'x-request-id': 'lb-5678' } });
      expect(notFound.headers.get('x-request-id')).toBe('lb-5678');
      for (const bad of ['has space', 'x'.repeat(129), 'quote"s']) {
        const replaced = await env.app.request('/api/status', { headers: { 'x-request-id': bad } });
        expectRequestId(replaced);
      }
    });
  });

  describe('unknown routes', () => {
    it('answer 404 request.not_found in Logto shape, inside and outside /api', async () => {
      for (const response of [
        await env.app.request('/no-such-route'),
        await env.api('GET', '/api/no-such-route'),
        await env.api('PUT', '/api/users'),
      ]) {
        expect(response.status).toBe(404);
        const body = (await response.json()) as { code: string; message: string };
        expect(body.code).toBe('request.not_found');
        expect(body.message).toMatch(/No route matches (GET|PUT) \//);
      }
    });
  });
});

describeEachDialect('unexpected errors', (dialect) => {
  it('answer 500 with a generic body and the request id, and log the stack under that id', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const database = await createTestDatabase(dialect);
    const config = loadConfig({
      DATABASE_URL: database.url,
      IDHOOKS_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
      IDHOOKS_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
    });
    const container = createContainer(config, {
      pgSchema: database.pgSchema,
      logger: pino({ level: 'info' }, sink),
    });
    try {
      await container.init();
      await container.services.auth.ensureAdminApplication();
      const app = buildApp(container);
      const tokenResponse = await app.request('/oidc/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: TEST_ADMIN.clientId,
          client_secret: TEST_ADMIN.clientSecret,
          resource: config.managementApiResource,
        }).toString(),
      });
      const { access_token } = (await tokenResponse.json()) as { access_token: string };

      // The database goes away under a running server: every query now throws.
      await container.database.destroy();
      const response = await app.request('/api/users', {
        headers: { authorization: `Bearer ${access_token}` },
      });

      expect(response.status).toBe(500);
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toMatch(/^req_/);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        code: 'request.internal_error',
        message: 'An internal error occurred. The request id identifies it in the server log.',
      });
      expect(text).not.toMatch(/\bat \S+|node_modules|src\/|Error:|destroy|driver|pool/i);

      await new Promise((resolve) => setImmediate(resolve));
      const logged = lines.find((line) => line.requestId === requestId && line.level === 50);
      expect(logged, 'the 500 is logged at error level with its request id').toBeDefined();
      expect(JSON.stringify(logged)).toMatch(/"stack":".*\\n\s+at /);
    } finally {
      await container.close().catch(() => undefined);
      await database.drop();
    }
  });
});
