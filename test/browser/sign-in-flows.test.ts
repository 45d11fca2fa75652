/* eslint-disable @typescript-eslint/no-explicit-any -- payloads are parsed JSON, read field by field in assertions */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, freePort, launchChromium, SHOTS, type Browser } from './chromium.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createContainer, type Container } from '../../src/container.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { insertHook } from '../helpers/builders.js';
import { codeFromLog, insertSpaApplication } from '../helpers/experience.js';

/**
 * A person in a real Chromium (Debian's package, driven by playwright-core) signs up, signs out,
 * signs in, fails the password until locked out and resets the password with the code the
 * development connector wrote to the server log. A webhook receiver on 127.0.0.1 gets every event
 * in order of occurrence. Screenshots go to test-output/ (gitignored).
 */

const PASSWORD = 'Correct-Horse-42';
const NEW_PASSWORD = 'Brand-New-Pass-7';

/** The relying application: its redirect URI shows a page so the browser has somewhere to land. */
async function startDemoApp(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Demo app</title><h1 data-testid="demo">Demo app: you are signed in</h1>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/callback`, server };
}

describeInChromium('browser: sign-up, sign-in, lockout and reset in Chromium', () => {
  let database: TestDatabase;
  let container: Container;
  let http: ServerType;
  let hooks: Receiver;
  let demo: { url: string; server: Server };
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let appId: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    hooks = await startReceiver({ validateEvents: true });
    demo = await startDemoApp();
    database = await createTestDatabase('sqlite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      DATABASE_URL: database.url,
      IDHOOKS_ENDPOINT: base,
      IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
      IDHOOKS_LOCKOUT_MAX_ATTEMPTS: '3',
      // One delivery at a time per hook, so arrival order is commit order.
      IDHOOKS_HOOK_MAX_IN_FLIGHT: '1',
    });
    // The development connector writes codes to the server log; capture it like an operator would read it.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    container = createContainer(config, { logger: pino({ level: 'info' }, sink) });
    await container.init();
    appId = (await insertSpaApplication(container, { name: 'Demo app', redirectUris: [demo.url] })).id;
    await insertHook(container.database.db, {
      url: `${hooks.url}/hook`,
      events: [
        'User.Created',
        'User.Data.Updated',
        'PostRegister',
        'PostSignIn',
        'PostResetPassword',
        'Identifier.Lockout',
      ],
    });
    await container.delivery.engine.start();
    http = serve({ fetch: buildApp(container).fetch, port, hostname: '127.0.0.1' });
    browser = await launchChromium();
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
    await container?.close();
    await hooks?.close();
    await new Promise<void>((done) => (demo ? demo.server.close(() => done()) : done()));
    await database?.drop();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `experience-${name}.png`), fullPage: true });
  const latestCode = async (email: string) => {
    await expect.poll(() => codeFromLog(logLines, email)).toBeDefined();
    return codeFromLog(logLines, email) ?? '';
  };
  const signOut = async () => {
    await page.goto(`${base}/account`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/sign-in`);
  };
  const submitSignIn = async (identifier: string, password: string) => {
    await page.fill('#identifier', identifier);
    await page.fill('#password', password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  };

  it('goes through every flow and delivers each event in order', async () => {
    // Sign up from the application's link, with an email for recovery.
    await page.goto(`${base}/sign-in?app_id=${appId}`);
    await expect.poll(() => page.textContent('p.app')).toContain('Demo app');
    await page.getByRole('link', { name: 'Create account' }).click();
    await page.fill('#username', 'ada_lovelace');
    await page.fill('#email', 'ada@example.com');
    await page.fill('#password', PASSWORD);
    await shot('1-register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForSelector('#code');
    await page.fill('#code', await latestCode('ada@example.com'));
    await shot('2-verify-email');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(demo.url);
    expect(await page.textContent('[data-testid=demo]')).toContain('signed in');

    // The hosted account page shows the signed-in state; sign out from there.
    await page.goto(`${base}/account`);
    expect(await page.textContent('[data-testid=username]')).toBe('ada_lovelace');
    await shot('3-account');
    await signOut();

    // Sign in again through the application.
    await page.goto(`${base}/sign-in?app_id=${appId}`);
    await submitSignIn('ada_lovelace', PASSWORD);
    await page.waitForURL(demo.url);
    await signOut();

    // Wrong passwords until the identifier is locked; then even the right one is refused.
    await page.goto(`${base}/sign-in?app_id=${appId}`);
    await submitSignIn('ada_lovelace', 'wrong-password-1');
    expect(await page.textContent('[data-testid=error]')).toBe('Incorrect username or password.');
    await submitSignIn('ada_lovelace', 'wrong-password-2');
    await submitSignIn('ada_lovelace', 'wrong-password-3');
    expect(await page.textContent('[data-testid=error]')).toMatch(/Too many attempts.*60 minutes/);
    await submitSignIn('ada_lovelace', PASSWORD);
    expect(await page.textContent('[data-testid=error]')).toMatch(/Too many attempts/);
    await shot('4-locked-out');

    // Reset the password with the code from the development connector's log line.
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.fill('#email', 'ada@example.com');
    const codeLines = () => logLines.filter((line) => line.includes('"connector":"log"')).length;
    const sentBefore = codeLines();
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.waitForSelector('#code');
    expect(codeLines()).toBe(sentBefore + 1);
    await page.fill('#code', await latestCode('ada@example.com'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.fill('#password', NEW_PASSWORD);
    await page.getByRole('button', { name: 'Reset password' }).click();
    expect(await page.textContent('[data-testid=notice]')).toContain('Your password has been changed');
    await shot('5-password-changed');

    // The new password works at once (the reset lifted the lock).
    await page.getByRole('link', { name: 'Sign in' }).click();
    await submitSignIn('ada_lovelace', NEW_PASSWORD);
    await page.waitForURL(demo.url);
    await shot('6-signed-in-again');

    const expected = [
      'User.Created',
      'PostRegister',
      'PostSignIn',
      'Identifier.Lockout',
      'Identifier.Lockout',
      'User.Data.Updated',
      'PostResetPassword',
      'PostSignIn',
    ];
    const received = (await hooks.waitFor(expected.length, 20_000)).map(
      (r) => JSON.parse(r.body) as Record<string, any>,
    );
    // Events of one commit (User.Data.Updated + PostResetPassword) share a timestamp; compare those as a set.
    expect(received.map((p) => p.event).slice(0, 5)).toEqual(expected.slice(0, 5));
    expect(
      received
        .map((p) => p.event)
        .slice(5, 7)
        .sort(),
    ).toEqual(expected.slice(5, 7).sort());
    expect(received[7]?.event).toBe('PostSignIn');
    const times = received.map((p) => Date.parse(p.createdAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const payload of received) {
      expect(payload.userAgent).toMatch(/Chrome/);
      expect(payload.ip ?? payload.userIp).toBe('127.0.0.1');
      expect(payload.application).toEqual({
        id: appId,
        type: 'SPA',
        name: 'Demo app',
        description: 'flows capture',
      });
      expect(Object.keys(payload).at(-1)).toBe('hookId');
    }
    const created = received[0]?.data;
    expect(created).toMatchObject({ username: 'ada_lovelace', primaryEmail: 'ada@example.com' });
    const signIn = received[2];
    expect(signIn).toMatchObject({
      interactionEvent: 'SignIn',
      userIp: '127.0.0.1',
      user: { applicationId: appId },
    });
    expect(signIn?.sessionId).toMatch(/^[\w-]{43}$/);
    // The session ended at sign-out; the next sign-in belongs to a new session.
    expect(received[7]?.sessionId).not.toBe(signIn?.sessionId);
    expect(received[3]).toMatchObject({
      type: 'username',
      value: 'ada_lovelace',
      interactionEvent: 'SignIn',
    });
    console.info(`PostSignIn delivered: ${hooks.requests[2]?.body}`);
  }, 120_000);
});
