/**
 * The dispatcher's deadlines (src/delivery/deadlines.ts), shared between requests started close
 * together: a hard limit over the whole exchange, never early, and a caller's abort still stops
 * its requests. Real loopback servers; no database, so it runs once.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src/delivery/dispatcher.js';
import { LOOPBACK_TARGETS } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server answering every request with `answer`; responses still open are ended at cleanup. */
async function server(answer: (res: ServerResponse) => void): Promise<string> {
  const open = new Set<ServerResponse>();
  const created = createServer((req, res) => {
    req.resume();
    open.add(res);
    res.on('close', () => open.delete(res));
    answer(res);
  });
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        open.forEach((res) => res.destroy());
        created.closeAllConnections();
        created.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}/hook`;
}

const dispatcher = (timeoutMs: number) => {
  const created = createDispatcher({ timeoutMs, allowPrivateTargets: LOOPBACK_TARGETS });
  cleanups.push(() => created.close());
  return created;
};
const post = (url: string) => ({ url, headers: {}, body: '{"a":1}' });

describe('dispatcher deadlines', () => {
  it('ends an exchange whose body keeps dripping past the timeout (no single undici timeout fires)', async () => {
    const timers: NodeJS.Timeout[] = [];
    cleanups.push(() => timers.forEach(clearInterval));
    const url = await server((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      timers.push(setInterval(() => res.write('x'), 40));
    });
    const started = Date.now();
    const result = await dispatcher(300).send(post(url));
    expect(result.outcome).toMatchObject({ ok: false, retryable: true, isTimeout: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('never ends an exchange before its timeout, for requests joining a shared deadline late', async () => {
    const url = await server((res) => setTimeout(() => res.end('ok'), 200));
    const sender = dispatcher(400);
    // Two requests close together share a deadline; the second must still get its full 400 ms.
    const first = sender.send(post(url));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const results = await Promise.all([first, sender.send(post(url))]);
    for (const result of results) expect(result.outcome).toMatchObject({ ok: true, status: 200 });
  });

  it("stops in-flight requests when the caller's signal aborts, as a failure that is not a timeout", async () => {
    const url = await server(() => undefined); // never answers
    const sender = dispatcher(5_000);
    const controller = new AbortController();
    const started = Date.now();
    const sends = [
      sender.send(post(url), { signal: controller.signal }),
      sender.send(post(url), { signal: controller.signal }),
    ];
    setTimeout(() => controller.abort(new Error('stopping')), 100);
    for (const result of await Promise.all(sends)) {
      expect(result.outcome).toMatchObject({ ok: false, retryable: true });
      expect(result.outcome).not.toHaveProperty('isTimeout', true);
    }
    expect(Date.now() - started).toBeLessThan(2_000);
    // A signal aborted before the send stops it at once.
    const late = await sender.send(post(url), { signal: controller.signal });
    expect(late.outcome).toMatchObject({ ok: false });
  });
});
