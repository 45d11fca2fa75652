import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, freePort, launchChromium, SHOTS, type Browser } from './chromium.js';
import { createTestEnv, type TestEnv } from '../helpers/test-db.js';

/**
 * `/api/docs` in a real Chromium: the reference renders the operations and the webhooks, and every
 * request the page makes goes to idhooks itself (nothing from the internet, no CSP violation).
 */
describeInChromium('browser: the API reference at /api/docs', () => {
  let env: TestEnv;
  let http: ServerType;
  let browser: Browser | undefined;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = await createTestEnv('sqlite', { env: { IDHOOKS_ENDPOINT: base } });
    http = serve({ fetch: env.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
    await env?.close();
  });

  it('renders operations and webhooks, loading everything from this server only', async () => {
    const page = browser!.page;
    const requested: string[] = [];
    const refused: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    page.on('pageerror', (error) => refused.push(`page error: ${error.message}`));

    const response = await page.goto(`${base}/api/docs`);
    expect(response?.status()).toBe(200);
    await page
      .locator('.opblock-summary-path', { hasText: '/api/users' })
      .first()
      .waitFor({ timeout: 20_000 });
    await page.getByText('User.Created', { exact: true }).first().waitFor({ timeout: 10_000 });
    await expect(page.getByRole('button', { name: /Authorize/ }).count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'api-docs.png') });

    expect(requested.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(requested).toContain(`${base}/api/swagger.json`);
    expect(refused).toEqual([]);
  });
});
