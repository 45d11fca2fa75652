import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, freePort, launchChromium, SHOTS, type Browser } from './chromium.js';
import { answer, createHook, routeAnswers } from '../helpers/blocking.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, type TestEnv } from '../helpers/test-db.js';

/**
 * Blocking hooks on the hosted pages in a real Chromium (issue 15): a receiver's deny message is
 * what the person reads, for a sign-up (PreRegister, after the code step) and a sign-in (PreSignIn).
 */

const PASSWORD = 'Correct-Horse-42';

describeInChromium('browser: a blocking hook denying on the hosted pages', () => {
  let env: TestEnv;
  let http: ServerType;
  let mail: Receiver;
  let receiver: Receiver;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    mail = await startReceiver();
    receiver = await startReceiver({ validateEvents: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = await createTestEnv('sqlite', {
      env: {
        IDHOOKS_ENDPOINT: base,
        IDHOOKS_EMAIL_CONNECTOR_URL: `${mail.url}/email`,
        IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
      },
    });
    const user = await env.api('POST', '/api/users', { username: 'denied_user', password: PASSWORD });
    expect(user.status).toBe(200);
    // The longest deadline, so a loaded machine does not turn the deny into a timeout.
    await createHook(env, `${receiver.url}/register`, ['PreRegister'], { timeoutMs: 5000 });
    await createHook(env, `${receiver.url}/signin`, ['PreSignIn'], { timeoutMs: 5000 });
    routeAnswers(receiver, {
      register: answer({ decision: 'deny', message: 'Sign-ups are invitation-only this week.' }),
      signin: answer({ decision: 'deny', message: 'Your account is under review; try again tomorrow.' }),
    });
    http = serve({ fetch: env.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
    await env?.close();
    await mail?.close();
    await receiver?.close();
  });

  it('shows the PreSignIn deny message on the sign-in page, and the user is not signed in', async () => {
    await page.goto(`${base}/sign-in`);
    await page.fill('#identifier', 'denied_user');
    await page.fill('#password', PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Your account is under review; try again tomorrow.' })
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'blocking-sign-in-denied.png'), fullPage: true });
    await page.goto(`${base}/account`);
    expect(page.url()).not.toMatch(/\/account$/);
  });

  it('shows the PreRegister deny message after the code step, and creates no user', async () => {
    await page.goto(`${base}/register`);
    await page.fill('#username', 'would_be_user');
    await page.fill('#email', 'would_be@example.org');
    await page.fill('#password', PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForSelector('#code');
    const code = (JSON.parse(mail.requests.at(-1)?.body ?? '{}') as { payload?: { code: string } }).payload
      ?.code;
    await page.fill('#code', code ?? '');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-ups are invitation-only this week.' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'blocking-register-denied.png'), fullPage: true });
    const users = await env.container.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'would_be_user')
      .execute();
    expect(users).toEqual([]);
  });
});
