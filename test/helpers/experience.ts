import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { App } from '../../src/app.js';
import type { Container } from '../../src/container.js';
import { newStandardId } from '../../src/shared/ids.js';

/** The user agent the captured Logto run used; payloads must repeat it. */
export const BROWSER_UA = 'flows-capture/1.0 (browser)';

/**
 * A browser for `app.request()`: keeps cookies like a user agent would (set, replace, delete on
 * Max-Age=0) and sends them back, with a fixed user agent and, optionally, `X-Forwarded-For`.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  /** The anti-CSRF token of the last page that had a form; `form()` sends it back like a browser. */
  csrfToken: string | undefined;

  constructor(
    private readonly app: App,
    private readonly options: { userAgent?: string; forwardedFor?: string; beforeRequest?: () => void } = {},
  ) {}

  private cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const isDeleted = attributes.some(
        (a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a),
      );
      if (isDeleted || pair.slice(eq + 1) === '') this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    this.options.beforeRequest?.();
    const isForm = body instanceof URLSearchParams;
    const response = await this.app.request(path, {
      method,
      headers: {
        'user-agent': this.options.userAgent ?? BROWSER_UA,
        ...(this.options.forwardedFor ? { 'x-forwarded-for': this.options.forwardedFor } : {}),
        ...(this.cookies.size > 0 ? { cookie: this.cookieHeader() } : {}),
        ...(body === undefined
          ? {}
          : { 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : isForm ? body.toString() : JSON.stringify(body),
    });
    this.remember(response);
    if (response.headers.get('content-type')?.includes('text/html')) {
      const token = (await response.clone().text()).match(/name="_csrf" value="([^"]*)"/)?.[1];
      if (token) this.csrfToken = token;
    }
    return response;
  }

  put = (path: string, body?: unknown) => this.request('PUT', path, body);
  post = (path: string, body?: unknown) => this.request('POST', path, body);
  get = (path: string) => this.request('GET', path);
  form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    this.request(
      'POST',
      path,
      new URLSearchParams({ ...(this.csrfToken ? { _csrf: this.csrfToken } : {}), ...fields }),
      headers,
    );
}

/** An SPA application like the captured `flows-capture-spa`, inserted through the repo. */
export async function insertSpaApplication(
  container: Container,
  options: { name?: string; description?: string | null; redirectUris?: string[] } = {},
) {
  return container.repos.applications.insertApplication({
    id: newStandardId(),
    name: options.name ?? 'flows-capture-spa',
    description: options.description === undefined ? 'flows capture' : options.description,
    type: 'SPA',
    secretHash: null,
    oidcClientMetadata: {
      redirectUris: options.redirectUris ?? ['http://127.0.0.1:4477/callback'],
      postLogoutRedirectUris: [],
    },
    isAdmin: false,
    createdAt: container.clock.now(),
  });
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CAPTURES = join(ROOT, 'test/fixtures/captures');

/** The body of a captured Logto webhook request (docs/compatibility.md#sign-in-flows), when the contract is present. */
export function capturedBody(file: string): Record<string, unknown> | undefined {
  const path = join(CAPTURES, file);
  if (!existsSync(path)) return undefined;
  const capture = JSON.parse(readFileSync(path, 'utf8')) as { bodyRaw: string };
  return JSON.parse(capture.bodyRaw) as Record<string, unknown>;
}

/** Key order as received, recursively for the nested objects the captures have. */
export function keyShape(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return typeof value;
  return Object.entries(value as Record<string, unknown>).map(([key, inner]) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(inner).length > 0
      ? { [key]: keyShape(inner) }
      : key,
  );
}

/**
 * Events appended so far, in insertion order, with their payloads parsed. Events of one commit
 * share `created_at` and event ids are random, so the physical row order breaks ties: SQLite's
 * `rowid` and PostgreSQL's `ctid` follow insertion in an append-only test table.
 */
export async function listEvents(container: Container) {
  const physical = container.database.capabilities.name === 'postgres' ? sql`ctid` : sql`rowid`;
  const rows = await container.database.db
    .selectFrom('events')
    .select(['id', 'type', 'payload', 'createdAt'])
    .orderBy('createdAt')
    .orderBy(physical)
    .execute();
  return rows.map((row) => ({ ...row, payload: JSON.parse(row.payload) as Record<string, unknown> }));
}

/** The code the development connector logged for `to` (latest first), from captured log lines. */
export function codeFromLog(lines: readonly string[], to: string): string | undefined {
  for (const line of [...lines].reverse()) {
    const entry = JSON.parse(line) as { connector?: string; to?: string; code?: string };
    if (entry.connector === 'log' && entry.to === to && entry.code) return entry.code;
  }
  return undefined;
}
