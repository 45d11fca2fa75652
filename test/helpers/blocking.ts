import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { expectStatus } from './api.js';
import { TestBrowser } from './experience.js';
import type { ReceivedRequest, Receiver, ReceiverResponse } from './receiver.js';
import type { TestEnv } from './test-db.js';

/** Blocking hooks' test helpers (issue 15): hooks made through the API, routed answers, flows. */

export const PASSWORD = 'Correct-Horse-42';

export interface CreatedHook {
  id: string;
  signingKey: string;
  config: Record<string, unknown>;
}

/** Creates a hook through the Management API (so config validation is exercised too). */
export async function createHook(
  env: TestEnv,
  url: string,
  events: string[],
  config: Record<string, unknown> = {},
): Promise<CreatedHook> {
  return expectStatus<CreatedHook>(
    await env.api('POST', '/api/hooks', { name: `blocking ${url}`, events, config: { url, ...config } }),
    201,
  );
}

export const deleteHook = async (env: TestEnv, id: string) =>
  expect((await env.api('DELETE', `/api/hooks/${id}`)).status).toBe(204);

/** Answers per request path, so one receiver serves several hooks: `/a` → routes.a. */
export function routeAnswers(
  receiver: Receiver,
  routes: Record<string, ReceiverResponse | ((request: ReceivedRequest) => ReceiverResponse)>,
): void {
  receiver.respondWith((request) => {
    const route = routes[request.url.slice(1)];
    if (route === undefined) return { status: 404, body: 'no route' };
    return typeof route === 'function' ? route(request) : route;
  });
}

export const answer = (body: unknown, status = 200, delayMs?: number): ReceiverResponse => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
  ...(delayMs === undefined ? {} : { delayMs }),
});

/** Register through the Experience API up to identification; returns that response. */
export async function registerIdentify(b: TestBrowser, username: string): Promise<Response> {
  await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
  const { verificationId } = await expectStatus<{ verificationId: string }>(
    await b.post('/api/experience/verification/new-password-identity', {
      identifier: { type: 'username', value: username },
      password: PASSWORD,
    }),
    200,
  );
  return b.post('/api/experience/identification', { verificationId });
}

/** Sign in through the Experience API up to submit; returns the submit response. */
export async function signInSubmit(b: TestBrowser, username: string): Promise<Response> {
  await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
  const { verificationId } = await expectStatus<{ verificationId: string }>(
    await b.post('/api/experience/verification/password', {
      identifier: { type: 'username', value: username },
      password: PASSWORD,
    }),
    200,
  );
  await expectStatus(await b.post('/api/experience/identification', { verificationId }), 204);
  return b.post('/api/experience/submit', {});
}

/** A recorded attempt as the deliveries API shows it. */
export interface AttemptView {
  result: 'Success' | 'Error';
  durationMs: number;
  request: { url: string; headers: Record<string, string>; body: string };
  response: { status: number; body: string } | null;
  error: string | null;
  decision?: string;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  event: string;
  status: string;
  attempts: AttemptView[];
}

/** A hook's deliveries of `event`, newest first, with their attempts. */
export async function deliveriesOf(env: TestEnv, hookId: string, event: string): Promise<DeliveryView[]> {
  const response = await env.api('GET', `/api/hooks/${hookId}/deliveries?event=${event}&includeAttempts=yes`);
  return expectStatus<DeliveryView[]>(response, 200);
}

/**
 * A receiver that sends headers at once and then its body one byte every `intervalMs`: a slow
 * body, which only a deadline over the whole exchange catches.
 */
export async function startTricklingServer(
  intervalMs: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = JSON.stringify({ decision: 'deny', message: 'too slow to count' });
      let index = 0;
      const timer = setInterval(() => {
        if (index >= text.length || res.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          res.end();
          return;
        }
        res.write(text[index++]);
      }, intervalMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slow`,
    async close() {
      timers.forEach(clearInterval);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
