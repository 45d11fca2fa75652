/**
 * Drives the console through `app.request()` like a browser would: it keeps the cookies, reads the
 * CSRF token from the pages it gets, and posts forms with a same-origin `Origin` header unless a
 * test says otherwise.
 */
import { expect } from 'vitest';
import type { TestEnv } from './test-db.js';

/** The origin `app.request()` requests run on (no socket: `http://localhost`). */
export const CONSOLE_ORIGIN = 'http://localhost';

export type Fields = Array<[string, string]> | Record<string, string>;

export interface PostOptions {
  /** The CSRF token to send; `null` leaves the field out. Defaults to the session's. */
  readonly csrf?: string | null;
  /** The Origin header; `null` leaves it out. Defaults to this console's origin. */
  readonly origin?: string | null;
  readonly secFetchSite?: string;
  readonly cookie?: string;
}

export const csrfOf = (html: string): string | undefined => html.match(/name="_csrf" value="([^"]*)"/)?.[1];

/** The `name=value` part of a Set-Cookie header for `name`, or undefined. */
export function cookieFrom(response: Response, name: string): string | undefined {
  const all = response.headers.getSetCookie?.() ?? [];
  return all.map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith(`${name}=`));
}

export class ConsoleClient {
  constructor(
    readonly env: TestEnv,
    public cookie: string,
    public csrf: string,
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.env.app.request(path, { headers: { cookie: this.cookie, ...headers } });
  }

  async page(path: string): Promise<string> {
    const response = await this.get(path);
    const html = await response.text();
    expect(response.status, html.slice(0, 2000)).toBe(200);
    return html;
  }

  async post(path: string, fields: Fields = {}, options: PostOptions = {}): Promise<Response> {
    const body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf !== null) body.append('_csrf', csrf);
    const origin = options.origin === undefined ? CONSOLE_ORIGIN : options.origin;
    return this.env.app.request(path, {
      method: 'POST',
      headers: {
        cookie: options.cookie ?? this.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        ...(origin === null ? {} : { origin }),
        ...(options.secFetchSite ? { 'sec-fetch-site': options.secFetchSite } : {}),
      },
      body: body.toString(),
    });
  }
}

/** Opens the sign-in page: its cookie and the matching form token. */
export async function openSignIn(env: TestEnv): Promise<{ cookie: string; token: string; html: string }> {
  const response = await env.app.request('/console/sign-in');
  const html = await response.text();
  expect(response.status).toBe(200);
  return { cookie: cookieFrom(response, 'idhooks_console_sign_in') ?? '', token: csrfOf(html) ?? '', html };
}

export async function postSignIn(
  env: TestEnv,
  fields: Record<string, string>,
  options: { origin?: string | null; url?: string; cookie?: string } = {},
): Promise<Response> {
  const opened = await openSignIn(env);
  const { token } = opened;
  const cookie = options.cookie ? `${opened.cookie}; ${options.cookie}` : opened.cookie;
  const origin = options.origin === undefined ? CONSOLE_ORIGIN : options.origin;
  return env.app.request(options.url ?? '/console/sign-in', {
    method: 'POST',
    headers: {
      cookie,
      'content-type': 'application/x-www-form-urlencoded',
      ...(origin === null ? {} : { origin }),
    },
    body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
  });
}

/** Signs in with the admin application and returns a client carrying the session. */
export async function signInToConsole(env: TestEnv): Promise<ConsoleClient> {
  const response = await postSignIn(env, {
    clientId: env.admin.clientId,
    clientSecret: env.admin.clientSecret,
  });
  expect(response.status, await response.clone().text()).toBe(303);
  const cookie = cookieFrom(response, 'idhooks_console');
  expect(cookie).toBeDefined();
  const client = new ConsoleClient(env, cookie ?? '', '');
  client.csrf = csrfOf(await client.page('/console/webhooks')) ?? '';
  expect(client.csrf.length).toBeGreaterThan(20);
  return client;
}

const ENTITIES: Record<string, string> = {
  '&quot;': '"',
  '&#39;': "'",
  '&lt;': '<',
  '&gt;': '>',
  '&amp;': '&',
};
const decode = (text: string) =>
  text.replace(/&(quot|#39|lt|gt|amp);/g, (entity) => ENTITIES[entity] ?? entity);

/** The text of an element with `data-testid`, roughly (enough for assertions on server HTML). */
export function testIdText(html: string, testId: string): string | undefined {
  const match = html.match(new RegExp(`data-testid="${testId}"[^>]*>([\\s\\S]*?)</`));
  return match?.[1] === undefined ? undefined : decode(match[1].replace(/<[^>]+>/g, '').trim());
}
