import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectStatus } from '../helpers/api.js';
import { startOidcServer, type OidcServer } from '../helpers/oidc.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { describeInChromium, freePort, launchChromium, SHOTS, type Browser } from './chromium.js';

/**
 * The example web app (examples/logto-web-app, Logto's Node SDK) in Chromium: sign in on the hosted
 * page, back to the app signed in, call the protected API, sign out; PostSignIn and PostSignOut reach
 * a receiver with the example app's application id. The example runs as its own process, set up by
 * its own setup script, exactly as its README says.
 */

const USER = { username: 'example_browser_user', password: 'a long enough password 8' };

describeInChromium('browser: the example app signs in and out through idhooks (SQLite)', () => {
  let server: OidcServer;
  let receiver: Receiver;
  let example: ChildProcess | undefined;
  let browser: Browser;
  let appUrl: string;
  let settings: Record<string, string>;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startOidcServer('sqlite', { env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' } });
    const { env } = server;
    await expectStatus(
      await env.api('POST', '/api/hooks', {
        name: 'receiver',
        events: ['PostSignIn', 'PostSignOut'],
        config: { url: `${receiver.url}/hooks` },
      }),
      201,
    );
    await env.container.delivery.engine.start();
    const appPort = await freePort();
    appUrl = `http://127.0.0.1:${appPort}`;
    const setup = await promisify(execFile)('node', ['examples/logto-web-app/setup.mjs'], {
      env: {
        ...process.env,
        IDHOOKS_ENDPOINT: server.baseUrl,
        ADMIN_ID: env.admin.clientId,
        ADMIN_SECRET: env.admin.clientSecret,
        APP_PORT: String(appPort),
      },
    });
    settings = Object.fromEntries(
      setup.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );
    const user = await expectStatus<{ id: string }>(await env.api('POST', '/api/users', USER), 200);
    await env.api('POST', `/api/users/${user.id}/roles`, { roleIds: [settings.ROLE_ID] });
    example = spawn('node', ['examples/logto-web-app/server.mjs'], {
      env: { ...process.env, ...settings },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => example!.stdout!.once('data', () => resolve()));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    example?.kill('SIGTERM');
    await server?.close();
    await receiver?.close();
  });

  it('example app → hosted sign-in → back signed in → API call → sign out, with hooks delivered', async () => {
    const { page } = browser;
    await page.goto(`${appUrl}/`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/sign-in\?app_id=/);
    await page.fill('#identifier', USER.username);
    await page.fill('#password', USER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${appUrl}/`);
    const home = await page.textContent('body');
    expect(home).toContain('ID token claims');
    expect(home).toContain(USER.username);
    await page.screenshot({ path: `${SHOTS}/oidc-example-signed-in.png` });

    await page.getByRole('link', { name: 'Call the Items API' }).click();
    expect(await page.textContent('body')).toContain('apple');
    await page.goto(`${appUrl}/`);

    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${appUrl}/`);
    await page.getByRole('link', { name: 'Sign in' }).waitFor();

    const delivered = await receiver.waitFor(2, 15_000);
    const payloads = delivered.map((request) => JSON.parse(request.body) as Record<string, unknown>);
    expect(payloads.map((p) => p.event)).toEqual(['PostSignIn', 'PostSignOut']);
    for (const payload of payloads) {
      expect(payload).toMatchObject({ application: { id: settings.APP_ID, type: 'Traditional' } });
    }
  }, 60_000);
});
