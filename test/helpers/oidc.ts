import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { expect } from 'vitest';
import { createTestEnv, type Dialect, type TestEnv } from './test-db.js';
import type { Clock } from '../../src/shared/clock.js';
import type { Logger } from '../../src/shared/logger.js';

/** A free loopback port (the endpoint must be known before the server is built). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface OidcServer {
  readonly env: TestEnv;
  readonly baseUrl: string;
  readonly issuer: string;
  close(): Promise<void>;
}

/** idhooks on a real 127.0.0.1 socket whose IDHOOKS_ENDPOINT is that socket. */
export async function startOidcServer(
  dialect: Dialect,
  options: { env?: Record<string, string>; clock?: Clock; logger?: Logger } = {},
): Promise<OidcServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = await createTestEnv(dialect, {
    env: { IDHOOKS_ENDPOINT: baseUrl, ...options.env },
    clock: options.clock,
    logger: options.logger,
  });
  const server = serve({ fetch: env.app.fetch, hostname: '127.0.0.1', port }) as Server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    env,
    baseUrl,
    issuer: `${baseUrl}/oidc`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await env.close();
    },
  };
}

/** A browser's cookie jar over real HTTP: cookies by name (paths ignored), redirects not followed. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', headers.get('user-agent') ?? 'idhooks-oidc-tests/1.0 (browser)');
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const isDeleted = attributes.some(
        (a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a),
      );
      if (isDeleted || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** JSON call as the hosted page's script would make it. */
  async json(baseUrl: string, method: string, path: string, body?: unknown): Promise<Response> {
    return this.fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
}

/** Follows redirects through the jar until one leaves the server (returns that URL). */
export async function followUntilLeaving(jar: CookieJar, baseUrl: string, url: string): Promise<string> {
  let next = url;
  for (let hop = 0; hop < 10; hop += 1) {
    if (!next.startsWith(baseUrl)) return next;
    const response = await jar.fetch(next);
    const location = response.headers.get('location');
    if (!location) {
      throw new Error(`expected a redirect from ${next}, got ${response.status}: ${await response.text()}`);
    }
    next = new URL(location, next).href;
  }
  throw new Error('too many redirects');
}

/**
 * Starts at `authUrl`, signs in through the Experience API (Logto's order), and returns the
 * `redirectTo` of submit and the URL the browser finally lands on (the app's callback).
 */
export async function signInWithPassword(
  jar: CookieJar,
  baseUrl: string,
  authUrl: string,
  credentials: { username: string; password: string },
): Promise<{ redirectTo: string; callback: string; signInPage: string }> {
  const start = await jar.fetch(authUrl);
  expect(start.status, await start.clone().text()).toBe(303);
  const signInPage = new URL(start.headers.get('location') ?? '', authUrl).href;
  expect((await jar.fetch(signInPage)).status).toBe(200);
  expect((await jar.json(baseUrl, 'PUT', '/api/experience', { interactionEvent: 'SignIn' })).status).toBe(
    204,
  );
  const verification = await jar.json(baseUrl, 'POST', '/api/experience/verification/password', {
    identifier: { type: 'username', value: credentials.username },
    password: credentials.password,
  });
  expect(verification.status, await verification.clone().text()).toBe(200);
  const { verificationId } = (await verification.json()) as { verificationId: string };
  const identified = await jar.json(baseUrl, 'POST', '/api/experience/identification', { verificationId });
  expect(identified.status, await identified.clone().text()).toBe(204);
  const submitted = await jar.json(baseUrl, 'POST', '/api/experience/submit', {});
  expect(submitted.status, await submitted.clone().text()).toBe(200);
  const { redirectTo } = (await submitted.json()) as { redirectTo: string };
  const callback = await followUntilLeaving(jar, baseUrl, redirectTo);
  return { redirectTo, callback, signInPage };
}
