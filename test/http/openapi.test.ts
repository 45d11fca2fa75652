import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes } from '../../src/domain/events.js';
import { operationIdOf, SECURITY_SCHEME } from '../../src/http/openapi-document.js';
import { createTestEnv, type TestEnv } from '../helpers/test-db.js';

/**
 * What the OpenAPI document promises its readers (issue 16): public, the OAuth2 client-credentials
 * scheme on every token-protected operation, an operationId everywhere, idhooks' version, every
 * event in `webhooks`, and a clean `@redocly/cli lint`, run offline.
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}
interface Document {
  info: { version: string };
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { title?: string }>;
    securitySchemes: Record<string, { type: string; flows: { clientCredentials: { tokenUrl: string } } }>;
  };
}

const operations = (item: Record<string, Record<string, Operation>>) =>
  Object.entries(item).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, path, operation })),
  );

describe('the OpenAPI document', () => {
  let env: TestEnv;
  let doc: Document;
  let dir: string;
  beforeAll(async () => {
    env = await createTestEnv('sqlite', { env: { IDHOOKS_ENDPOINT: 'https://id.acme.test' } });
    const response = await env.app.request('/api/swagger.json');
    expect(response.status).toBe(200);
    doc = (await response.json()) as Document;
    dir = mkdtempSync(join(tmpdir(), 'idhooks-openapi-'));
  });
  afterAll(async () => {
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("carries idhooks' version from package.json", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(version);
  });

  it('declares the OAuth2 client-credentials scheme with the token URL of this server, applied by default', () => {
    const scheme = doc.components.securitySchemes[SECURITY_SCHEME];
    expect(scheme?.type).toBe('oauth2');
    expect(scheme?.flows.clientCredentials.tokenUrl).toBe('https://id.acme.test/oidc/token');
    expect(doc.security).toEqual([{ [SECURITY_SCHEME]: ['all'] }]);
  });

  it('marks exactly the operations that answer without a token as public', async () => {
    const publicOps = operations(doc.paths).filter(({ operation }) => operation.security?.length === 0);
    expect(publicOps.map((o) => o.where)).toContain('GET /api/status');
    for (const { where, path } of publicOps) {
      const concrete = path.replace(/\{\w+\}/g, 'x');
      const method = where.split(' ')[0]!;
      const response = await env.app.request(concrete, { method });
      expect(response.status, `${where} answered without a token`).not.toBe(401);
    }
    for (const { where, operation, path } of operations(doc.paths).filter(
      (o) => o.operation.security === undefined,
    )) {
      const response = await env.app.request(path.replace(/\{\w+\}/g, 'x'), { method: where.split(' ')[0]! });
      expect(response.status, `${where} needs a token`).toBe(401);
      expect(operation.security).toBeUndefined();
    }
  });

  it('has a unique operationId on every operation and webhook', () => {
    const ids = [...operations(doc.paths), ...operations(doc.webhooks)].map(({ where, operation }) => {
      expect(operation.operationId, where).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      return operation.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(operationIdOf('get', '/api/users')).toBe('listUsers');
    expect(operationIdOf('get', '/api/users/{userId}')).toBe('getUsersByUserId');
    expect(operationIdOf('patch', '/api/hooks/{id}/signing-key')).toBe('updateHooksByIdSigningKey');
  });

  it('describes every catalog event in `webhooks`, with its payload schema', () => {
    expect(Object.keys(doc.webhooks)).toEqual([...eventTypes]);
    for (const event of eventTypes) {
      const ref = doc.webhooks[event]?.post?.requestBody?.content['application/json']?.schema.$ref ?? '';
      const schema = doc.components.schemas[ref.replace('#/components/schemas/', '')];
      expect(schema?.title, event).toBe(event);
    }
  });

  it('passes `@redocly/cli lint` (recommended rules) with no error, without network access', () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
    const args = [cli, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json'];
    // In a network namespace of its own where the machine allows one (root on Linux), so a lint
    // that needed the internet would fail here rather than on a machine without it.
    const isolated = spawnSync('unshare', ['-n', 'true']).status === 0;
    const output = execFileSync(
      isolated ? 'unshare' : process.execPath,
      isolated ? ['-n', process.execPath, ...args] : args,
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_COLOR: '1',
        },
        timeout: 120_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const report = JSON.parse(output) as {
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    const errors = report.problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
  });

  describe('the API reference page, /api/docs', () => {
    it('is public HTML with a CSP that allows this origin only, and links nothing outside it', async () => {
      const response = await env.app.request('/api/docs');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/https?:/);
      const html = await response.text();
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(html).not.toMatch(/<script>/);
    });

    it('serves Swagger UI from the installed swagger-ui-dist package, and 404 for anything else', async () => {
      const bundle = await env.app.request('/api/docs/swagger-ui-bundle.js');
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toContain('text/javascript');
      const installed = readFileSync(join(ROOT, 'node_modules/swagger-ui-dist/swagger-ui-bundle.js'), 'utf8');
      expect(await bundle.text()).toBe(installed);
      const css = await env.app.request('/api/docs/swagger-ui.css');
      expect(css.headers.get('content-type')).toContain('text/css');
      const init = await (await env.app.request('/api/docs/init.js')).text();
      expect(init).toContain("url: '/api/swagger.json'");
      expect(init).toContain('validatorUrl: null');
      expect((await env.app.request('/api/docs/package.json')).status).toBe(404);
      expect((await env.app.request('/api/docs/..%2Fpackage.json')).status).toBe(404);
    });
  });
});
