import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Issue 13 item 11: a body refused with 413 must not leave its unread bytes on a kept-alive
 * connection, where they would be read as the next request.
 */
describeEachDialect('an oversized body does not poison the connection', (dialect) => {
  let env: TestEnv;
  let server: ReturnType<typeof serve>;
  let origin: string;

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    await new Promise<void>((resolve) => {
      server = serve({ fetch: env.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
        origin = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await env?.close();
  });

  it('answers 413, then GET and PATCH on the same client succeed (3 rounds)', async () => {
    const token = await env.token();
    const client = new Client(origin, { pipelining: 1 });
    try {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = await client.request({
        method: 'POST',
        path: '/api/users',
        headers,
        body: JSON.stringify({ username: 'keepalive_user' }),
      });
      expect(created.statusCode).toBe(200);
      const { id } = (await created.body.json()) as { id: string };
      for (let round = 0; round < 3; round++) {
        const big = await client.request({
          method: 'POST',
          path: '/api/users',
          headers,
          body: JSON.stringify({ username: 'x', name: 'y'.repeat(2 * 1024 * 1024) }),
        });
        expect(big.statusCode).toBe(413);
        expect(((await big.body.json()) as { code: string }).code).toBe('request.body_too_large');
        const got = await client.request({ method: 'GET', path: `/api/users/${id}`, headers });
        expect(got.statusCode).toBe(200);
        await got.body.dump();
        const patched = await client.request({
          method: 'PATCH',
          path: `/api/users/${id}`,
          headers,
          body: JSON.stringify({ name: `round ${round}` }),
        });
        expect(patched.statusCode).toBe(200);
        expect(((await patched.body.json()) as { name: string }).name).toBe(`round ${round}`);
      }
    } finally {
      await client.close();
    }
  });
});
