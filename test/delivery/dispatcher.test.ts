/**
 * The dispatcher against real loopback servers, used directly and from the sending thread the
 * delivery engine uses (src/delivery/sending-thread.ts): every behaviour holds for both. It touches
 * no database, so it runs once rather than once per dialect. Every target is a loopback address:
 * never send anywhere else from a test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGuardedConnector, createGuardedLookup } from '../../src/delivery/address-guard.js';
import { createDispatcher } from '../../src/delivery/dispatcher.js';
import { createSendingThread } from '../../src/delivery/sending-thread.js';
import { createLogger } from '../../src/shared/logger.js';
import { EMPTY_ALLOW_LIST } from '../../src/domain/address-policy.js';
import { RESPONSE_BODY_LIMIT_BYTES, type WebhookSender } from '../../src/domain/outbound.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { LOOPBACK_TARGETS } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

type MakeSender = (options: { timeoutMs: number; allowPrivateTargets: string }) => WebhookSender & {
  close(): Promise<void>;
};
const SENDERS: [string, MakeSender][] = [
  ['dispatcher', createDispatcher],
  [
    'dispatcher on the sending thread',
    (options) => createSendingThread({ ...options, logLevel: 'silent', logger: createLogger('silent') }),
  ],
];

const receiver = async (options?: { host?: '127.0.0.1' | '::1' }): Promise<Receiver> => {
  const created = await startReceiver(options);
  cleanups.push(() => created.close());
  return created;
};
const post = (url: string, headers: Record<string, string> = {}, body = '{"a":1}') => ({
  url,
  headers,
  body,
});

describe.each(SENDERS)('%s', (_name, makeSender) => {
  const dispatcher = (allowPrivateTargets = LOOPBACK_TARGETS, timeoutMs = 2_000) => {
    const created = makeSender({ timeoutMs, allowPrivateTargets });
    cleanups.push(() => created.close());
    return created;
  };
  it('POSTs the exact body with the headers in the given order and records the response', async () => {
    const target = await receiver();
    target.respondWith({ status: 201, body: 'created', headers: { 'x-reply': 'r', 'retry-after': '7' } });
    const headers = {
      'logto-signature-sha-256': 'abc',
      'user-agent': 'UA',
      'X-Custom': 'v',
      'content-type': 'application/json',
    };
    const body = '{"text":"héllo ✓","n":1}';
    const result = await dispatcher().send(post(`${target.url}/path?q=1`, headers, body));
    expect(result.outcome).toEqual({ ok: true, status: 201 });
    expect(result.response).toMatchObject({ status: 201, body: 'created', headers: { 'x-reply': 'r' } });
    const [request] = target.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/path?q=1', body });
    const names = request!.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    const ours = names.filter((n) =>
      Object.keys(headers)
        .map((h) => h.toLowerCase())
        .includes(n),
    );
    expect(ours).toEqual(['logto-signature-sha-256', 'user-agent', 'x-custom', 'content-type']);
  });

  it('keeps at most 20 KB of a response body', async () => {
    const target = await receiver();
    target.respondWith({ status: 500, body: 'é'.repeat(RESPONSE_BODY_LIMIT_BYTES) }); // 40 KB of UTF-8
    const result = await dispatcher().send(post(target.url));
    expect(Buffer.byteLength(result.response!.body)).toBeLessThanOrEqual(RESPONSE_BODY_LIMIT_BYTES + 3);
    expect(result.response!.body.startsWith('é'.repeat(100))).toBe(true);
    expect(result.outcome).toMatchObject({ ok: false, retryable: true, status: 500 });
  });

  it('keeps at most 20 KB of a response body whose length is declared, and reads a small one whole', async () => {
    const target = await receiver();
    const large = 'é'.repeat(RESPONSE_BODY_LIMIT_BYTES); // 40 KB of UTF-8
    target.respondWith({
      status: 500,
      body: large,
      headers: { 'content-length': String(Buffer.byteLength(large)) },
    });
    const capped = await dispatcher().send(post(target.url));
    expect(Buffer.byteLength(capped.response!.body)).toBeLessThanOrEqual(RESPONSE_BODY_LIMIT_BYTES + 3);
    expect(capped.response!.body.startsWith('é'.repeat(100))).toBe(true);
    target.respondWith({ status: 200, body: 'é ok', headers: { 'content-length': '5' } });
    const small = await dispatcher().send(post(target.url));
    expect(small.response!.body).toBe('é ok');
  });

  it('cuts a body still streaming past 20 KB without an uncaught error', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.prependListener('uncaughtException', onUncaught);
    cleanups.push(() => {
      process.off('uncaughtException', onUncaught);
      return Promise.resolve();
    });
    // 1 MB in chunks, so most of it is still arriving when the cap is reached.
    const server: Server = createServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = 'x'.repeat(16 * 1024);
        let sent = 0;
        const more = () => {
          while (sent < 64) {
            sent++;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        res.on('error', () => {});
        more();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as AddressInfo;
    for (let round = 0; round < 3; round++) {
      const result = await dispatcher().send(post(`http://127.0.0.1:${port}/stream`));
      expect(Buffer.byteLength(result.response!.body)).toBe(RESPONSE_BODY_LIMIT_BYTES);
    }
    await new Promise((done) => setTimeout(done, 100));
    expect(uncaught).toEqual([]);
  });

  it('reuses keep-alive connections to the same origin', async () => {
    const ports: number[] = [];
    const server: Server = createServer((req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      req.resume().on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as AddressInfo;
    const sender = dispatcher();
    for (let i = 0; i < 6; i++) await sender.send(post(`http://127.0.0.1:${port}/`));
    // undici may open a second socket while the first finishes its response; it never opens one per request.
    expect(ports).toHaveLength(6);
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const target = await receiver();
    target.respondWith({ status: 302, headers: { location: `${target.url}/elsewhere` } });
    const result = await dispatcher().send(post(target.url));
    expect(result.outcome).toMatchObject({ ok: false, retryable: true, status: 302 });
    expect(target.requests).toHaveLength(1);
  });

  it('classifies 410 as final and passes Retry-After on', async () => {
    const target = await receiver();
    target.respondWith({ status: 410 });
    expect((await dispatcher().send(post(target.url))).outcome).toMatchObject({
      ok: false,
      retryable: false,
      status: 410,
    });
    target.respondWith({ status: 429, headers: { 'retry-after': '120' } });
    expect((await dispatcher().send(post(target.url))).outcome).toMatchObject({
      retryable: true,
      retryAfterSeconds: 120,
    });
  });

  it('times out a slow endpoint as a retryable timeout', async () => {
    const target = await receiver();
    target.respondWith({ status: 200, delayMs: 5_000 });
    const result = await dispatcher(LOOPBACK_TARGETS, 150).send(post(target.url));
    expect(result.outcome).toEqual({
      ok: false,
      retryable: true,
      isTimeout: true,
      error: 'timed out after 150 ms',
    });
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it('reports a refused connection as retryable and an abort as such', async () => {
    const result = await dispatcher().send(post('http://127.0.0.1:1/'));
    expect(result.outcome).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
    const target = await receiver();
    target.respondWith({ status: 200, delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopping')), 50);
    const aborted = await dispatcher().send(post(target.url), { signal: controller.signal });
    expect(aborted.outcome).toMatchObject({ ok: false, retryable: true });
  });

  it('refuses URLs that can never work without retrying them', async () => {
    for (const url of ['not a url', 'ftp://127.0.0.1/x', 'file:///etc/passwd']) {
      const { outcome } = await dispatcher().send(post(url));
      expect(outcome, url).toMatchObject({ ok: false, retryable: false });
    }
  });

  describe('SSRF guard (loopback targets, not allow-listed)', () => {
    it('refuses IP literals, IPv6 literals, mapped addresses and names that resolve to loopback', async () => {
      const v4 = await receiver();
      const v6 = await receiver({ host: '::1' });
      const port = new URL(v4.url).port;
      const strict = dispatcher('');
      const cases: [string, RegExp][] = [
        [v4.url, /^refused: 127\.0\.0\.1 \(loopback\)/],
        [`http://127.1:${port}/`, /^refused: 127\.0\.0\.1 \(loopback\)/],
        [`http://[::ffff:127.0.0.1]:${port}/`, /^refused: ::ffff:7f00:1 \(loopback\)/],
        [v6.url, /^refused: ::1 \(loopback\)/],
        [
          `http://localhost:${port}/`,
          /^refused: localhost resolves to .* \(loopback\).*allow it with IDHOOKS_ALLOW_PRIVATE_TARGETS/,
        ],
      ];
      for (const [url, message] of cases) {
        const { outcome } = await strict.send(post(url));
        expect(outcome, url).toMatchObject({
          ok: false,
          retryable: false,
          error: expect.stringMatching(message),
        });
      }
      expect(v4.requests).toHaveLength(0);
      expect(v6.requests).toHaveLength(0);
    });
  });
});

describe('dispatcher', () => {
  describe('SSRF guard (loopback targets, not allow-listed)', () => {
    it('checks at connect time too: the connector refuses literals, the lookup refuses resolved names', async () => {
      const connect = createGuardedConnector(EMPTY_ALLOW_LIST, 1_000);
      const connectError = await new Promise<Error | null>((resolve) =>
        connect({ hostname: '127.0.0.1', protocol: 'http:', port: '1' }, (...args) => resolve(args[0])),
      );
      expect(connectError?.message).toMatch(/^refused: 127\.0\.0\.1 \(loopback\)/);

      const lookup = createGuardedLookup(EMPTY_ALLOW_LIST);
      const lookupError = await new Promise<Error | null>((resolve) =>
        lookup('localhost', { all: true }, (error) => resolve(error)),
      );
      expect(lookupError?.message).toMatch(/^refused: localhost resolves to/);
    });

    it('rejects a malformed allow list at start-up, naming the variable', () => {
      expect(() => createDispatcher({ timeoutMs: 1_000, allowPrivateTargets: '10.0.0.0/99' })).toThrow(
        /^IDHOOKS_ALLOW_PRIVATE_TARGETS: /,
      );
    });
  });
});
