/* eslint-disable @typescript-eslint/no-explicit-any -- received payloads are parsed JSON, read field by field */
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, freePort, launchChromium, SHOTS, type Browser } from './chromium.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, type TestEnv } from '../helpers/test-db.js';

/**
 * An operator in a real Chromium (Debian's package, driven by playwright-core) signs in to the
 * console, creates a webhook pointing at a receiver on 127.0.0.1, sends a test payload, sees a real
 * event's delivery and its attempts, resends it, regenerates the key, disables, reactivates and
 * deletes the webhook. Each step saves a screenshot to test-output/ (gitignored).
 */

describeInChromium('browser: the webhooks console in Chromium', () => {
  let env: TestEnv;
  let http: ServerType;
  let receiver: Receiver;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let hookId = '';
  let deliveryPath = '';

  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.respondWith({
      status: 200,
      body: '{"received":true}',
      headers: { 'content-type': 'application/json' },
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = await createTestEnv('sqlite', {
      env: { IDHOOKS_ENDPOINT: base, IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' },
    });
    await env.container.delivery.engine.start();
    http = serve({ fetch: env.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
    await env?.close();
    await receiver?.close();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
  const notice = () => page.getByTestId('notice').textContent();
  /**
   * Waits for the page that shows `text` as its notice. The console's script then drops `?notice=`
   * from the address, so reloading does not repeat the notice (issue 18).
   */
  async function expectNotice(text: string) {
    await page.getByTestId('notice').filter({ hasText: text }).waitFor();
    await page.waitForURL((url) => !url.searchParams.has('notice'));
    expect(await notice()).toBe(text);
  }
  /** Reloads until `check` holds: the page is server-rendered, new deliveries appear on reload. */
  async function reloadUntil(check: () => Promise<boolean>, what: string) {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} did not appear within 10 s`);
      await new Promise((done) => setTimeout(done, 100));
      await page.reload();
    }
  }
  /** Text of the focused element; page expressions are strings because this TypeScript has no DOM types. */
  const focused = () => page.evaluate<string>('document.activeElement?.textContent?.trim()');
  const nonTestRequests = () =>
    receiver.requests.filter((r) => !String(r.headers['webhook-id']).startsWith('msg_test_'));

  it('sends a visitor to sign-in, refuses a wrong secret and signs in with the admin application', async () => {
    await page.goto(`${base}/console/webhooks`);
    await page.waitForURL(/\/console\/sign-in\?next=/);
    await page.getByLabel('Client ID').fill(env.admin.clientId);
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByTestId('error').textContent()).toBe(
      'The client ID or secret is not correct, or the application is not the admin application.',
    );
    await shot('01-wrong-secret');
    await page.getByLabel('Client secret').fill(env.admin.clientSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/console/webhooks`);
    expect(await page.getByTestId('empty-state').isVisible()).toBe(true);
    await shot('02-signed-in-empty');
  });

  it('creates a webhook pointing at a receiver on 127.0.0.1', async () => {
    await page.getByRole('link', { name: 'Create webhook' }).click();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    expect(await page.getByTestId('events-error').textContent()).toBe(
      'You have to select at least one event.',
    );
    await page.getByLabel('Name').fill('Welcome emails');
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hook`);
    await page.getByRole('checkbox', { name: 'User.Created' }).check();
    await page.getByRole('checkbox', { name: 'PostRegister' }).check();
    await shot('03-create-form');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await expectNotice('The webhook Welcome emails has been successfully created.');
    expect(new URL(page.url()).pathname).toMatch(/\/settings$/);
    hookId = (await page.getByTestId('hook-id').textContent()) ?? '';
    expect(hookId).toMatch(/^[a-z0-9]{21}$/);
    await shot('04-created');
  });

  it('sends a test payload and shows the endpoint’s answer', async () => {
    await page.getByRole('button', { name: 'Send test payload' }).click();
    await page.getByTestId('test-result').waitFor();
    const result = (await page.getByTestId('test-result').textContent()) ?? '';
    expect(result).toContain('The endpoint accepted every test payload (2).');
    expect(result).toContain(`${receiver.url}/hook`);
    expect(result).toContain('200');
    expect(result).toContain('"received":true');
    expect(receiver.requests.map((r) => (JSON.parse(r.body) as any).event).sort()).toEqual([
      'PostRegister',
      'User.Created',
    ]);
    await page.getByTestId('test-result').scrollIntoViewIfNeeded();
    await shot('05-test-payload');
  });

  it('shows a real event from the API in recent requests, filtered by event, and opens its attempts', async () => {
    const created = await env.api('POST', '/api/users', { username: 'ada_lovelace' });
    expect(created.status).toBe(200);
    await receiver.waitFor(3);
    expect((JSON.parse(nonTestRequests()[0]?.body ?? '{}') as any).event).toBe('User.Created');
    await page.getByRole('link', { name: 'Recent requests' }).click();
    await reloadUntil(async () => (await page.locator('[data-delivery-id]').count()) === 1, 'the delivery');
    await page.getByLabel('Filter by event').selectOption('User.Created');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/event=User.Created/);
    const row = page.locator('[data-delivery-id]');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('200');
    expect(await row.textContent()).toContain('Succeeded');
    await shot('06-recent-requests');
    await row.getByRole('link', { name: 'User.Created' }).click();
    await page.getByTestId('attempt').first().waitFor();
    deliveryPath = new URL(page.url()).pathname;
    expect(await page.getByTestId('attempt').count()).toBe(1);
    const attempt = (await page.getByTestId('attempt').textContent()) ?? '';
    expect(attempt).toContain('Attempt 1');
    expect(attempt).toContain('logto-signature-sha-256');
    expect(attempt).toContain('"username": "ada_lovelace"');
    expect(attempt).toContain('No further attempt is scheduled.');
    await shot('07-delivery-attempts');
  });

  it('resends the delivery and shows the new attempt', async () => {
    await page.getByRole('button', { name: 'Resend' }).click();
    await expectNotice(
      'The delivery has been queued to be sent again; its new attempt is listed below once sent.',
    );
    await reloadUntil(async () => (await page.getByTestId('attempt').count()) === 2, 'the second attempt');
    const headings = await page.locator('[data-testid=attempt] h3[id^=attempt-]').allTextContents();
    expect(headings).toEqual(['Attempt 1', 'Attempt 2']);
    expect(await page.getByTestId('attempt-count').textContent()).toBe('2');
    const [first, second] = nonTestRequests();
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(second?.body).toBe(first?.body);
    await shot('08-resent');
  });

  it('regenerates the signing key after a keyboard-only confirmation', async () => {
    await page.goto(`${base}/console/webhooks/${hookId}/settings`);
    const keyInput = page.getByLabel('Signing key');
    expect(await keyInput.getAttribute('type')).toBe('password');
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await keyInput.getAttribute('type')).toBe('text');
    const oldKey = await keyInput.inputValue();
    await page.getByRole('link', { name: 'Regenerate' }).click();
    await page.getByTestId('confirm-text').waitFor();
    // Focus starts on Cancel; Tab reaches the confirm button and Enter presses it.
    expect(await focused()).toBe('Cancel');
    await shot('09-regenerate-confirm');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Regenerate');
    await page.keyboard.press('Enter');
    await expectNotice('Signing key has been regenerated.');
    const newKey = await page.getByLabel('Signing key').inputValue();
    expect(newKey).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(newKey).not.toBe(oldKey);
    await shot('10-key-regenerated');
  });

  it('disables the webhook after confirmation, then reactivates it', async () => {
    await page.getByRole('link', { name: 'Disable webhook' }).click();
    expect(await page.getByTestId('confirm-text').textContent()).toContain('will stop receiving requests');
    await page.getByRole('button', { name: 'Disable webhook' }).click();
    await expectNotice('The webhook has been disabled.');
    expect(await page.getByTestId('hook-state').textContent()).toBe('Not in use');
    await shot('11-disabled');
    await page.getByRole('button', { name: 'Reactivate webhook' }).click();
    await expectNotice('The webhook has been reactivated.');
    expect(await page.getByTestId('hook-state').textContent()).not.toBe('Not in use');
    await shot('12-reactivated');
    // The list with the webhook on it: name, events, success rate and requests of the last 24 h.
    await page.goto(`${base}/console/webhooks`);
    expect(await page.getByRole('link', { name: 'Welcome emails' }).isVisible()).toBe(true);
    await shot('12b-list');
  });

  it('reads well on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/webhooks/${hookId}/settings`);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('13-phone-settings');
    await page.goto(`${base}${deliveryPath}`);
    await shot('14-phone-delivery');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('deletes the webhook after confirmation', async () => {
    await page.goto(`${base}/console/webhooks/${hookId}/settings`);
    await page.getByRole('link', { name: 'Delete webhook' }).click();
    expect(await page.getByTestId('confirm-text').textContent()).toContain(
      'You are removing "Welcome emails"',
    );
    await page.getByRole('button', { name: 'Delete webhook' }).click();
    await expectNotice('The webhook has been successfully deleted.');
    expect(page.url()).toBe(`${base}/console/webhooks`);
    expect(await page.getByTestId('empty-state').isVisible()).toBe(true);
    await shot('15-deleted');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectNotice('You have signed out.');
    await page.goto(`${base}/console/webhooks`);
    await page.waitForURL(/\/console\/sign-in/);
  });
});
