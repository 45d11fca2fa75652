import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import axeCore from 'axe-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, freePort, launchChromium, SHOTS, type Browser } from './chromium.js';
import { createTestEnv, type TestEnv } from '../helpers/test-db.js';

/**
 * The console beyond webhooks in a real Chromium (issue 18 item 3): each new page at desktop and
 * phone sizes, light and dark, with a screenshot in test-output/ and an axe-core check; creating an
 * application and reading its secret once; suspending a user; a delivery status changing on screen
 * without a reload.
 */

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const MODES = [
  { suffix: 'desktop', viewport: DESKTOP, colorScheme: 'light' },
  { suffix: 'phone', viewport: PHONE, colorScheme: 'light' },
  { suffix: 'desktop-dark', viewport: DESKTOP, colorScheme: 'dark' },
  { suffix: 'phone-dark', viewport: PHONE, colorScheme: 'dark' },
] as const;

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

/** A receiver on 127.0.0.1 that holds each answer until the test releases it. */
async function startHoldingReceiver() {
  const held: ServerResponse[] = [];
  let holding = true;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (holding) held.push(res);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    heldCount: () => held.length,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      held.splice(0).forEach((res) => res.writeHead(200).end('ok'));
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

describeInChromium('browser: the whole-service console in Chromium', () => {
  let env: TestEnv;
  let http: ServerType;
  let receiver: Awaited<ReturnType<typeof startHoldingReceiver>>;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  const ids = { user: '', role: '', resource: '', organization: '', application: '', hook: '' };

  beforeAll(async () => {
    receiver = await startHoldingReceiver();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = await createTestEnv('sqlite', {
      env: { IDHOOKS_ENDPOINT: base, IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' },
    });
    await env.container.delivery.engine.start();
    http = serve({ fetch: env.app.fetch, port, hostname: '127.0.0.1' });
    const post = async (path: string, body: unknown) => {
      const response = await env.api('POST', path, body);
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return ((await response.json()) as { id: string }).id;
    };
    ids.resource = await post('/api/resources', { name: 'Orders API', indicator: 'https://orders.example' });
    const read = await post(`/api/resources/${ids.resource}/scopes`, {
      name: 'read:orders',
      description: 'Read every order',
    });
    await post(`/api/resources/${ids.resource}/scopes`, {
      name: 'write:orders',
      description: 'Place orders',
    });
    ids.role = await post('/api/roles', {
      name: 'Support',
      description: 'Answers customers',
      scopeIds: [read],
    });
    ids.user = await post('/api/users', {
      username: 'grace_hopper',
      primaryEmail: 'grace@example.org',
      name: 'Grace Hopper',
    });
    await post('/api/users', { username: 'alan', primaryEmail: 'alan@example.org', name: 'Alan Turing' });
    await env.api('POST', `/api/users/${ids.user}/roles`, { roleIds: [ids.role] });
    ids.organization = await post('/api/organizations', { name: 'Acme', description: 'Our first customer' });
    await env.api('POST', `/api/organizations/${ids.organization}/users`, { userIds: [ids.user] });
    browser = await launchChromium({ viewport: DESKTOP });
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
    await env?.close();
    await receiver?.close();
  });

  /** axe-core's violations on the current page; its source is evaluated, as the CSP forbids a tag. */
  async function axeViolations(): Promise<string[]> {
    await page.evaluate(axeCore.source);
    const violations = await page.evaluate<AxeViolation[]>(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
    );
    return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  }

  /**
   * The current page in every mode: screenshot, no axe violation, nothing wider than a phone.
   * Reloads for each mode when `path` is given; a POST's answer (a secret) is captured as it is.
   */
  async function capture(name: string, path?: string) {
    for (const mode of MODES) {
      await page.setViewportSize(mode.viewport);
      await page.emulateMedia({ colorScheme: mode.colorScheme });
      if (path) await page.goto(`${base}${path}`);
      await page.screenshot({
        path: join(SHOTS, `console-service-${name}-${mode.suffix}.png`),
        fullPage: true,
      });
      expect(await axeViolations(), `${name} ${mode.suffix}`).toEqual([]);
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, `${name} ${mode.suffix} is wider than the screen`).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('signs in and reaches every section from the navigation', async () => {
    await page.goto(`${base}/console/users`);
    await page.waitForURL(/\/console\/sign-in\?next=/);
    await page.getByLabel('Client ID').fill(env.admin.clientId);
    await page.getByLabel('Client secret').fill(env.admin.clientSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/console/users`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const section of ['Applications', 'Roles', 'API resources', 'Organizations', 'Events', 'Users']) {
      await nav.getByRole('link', { name: section }).click();
      await page.getByRole('heading', { level: 1, name: section }).waitFor();
      expect(await nav.getByRole('link', { name: section }).getAttribute('aria-current')).toBe('page');
    }
  });

  it('lists and searches users, shows one with roles and organizations, suspends and reactivates', async () => {
    await capture('01-users', '/console/users');
    await page.getByLabel('Search').fill('grace');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/search=grace/);
    expect(await page.locator('[data-user-id]').count()).toBe(1);
    await page.getByRole('link', { name: 'Grace Hopper' }).click();
    await page.getByTestId('user-id').waitFor();
    expect(await page.getByTestId('user-roles').textContent()).toBe('Support');
    expect(await page.getByTestId('user-organizations').textContent()).toBe('Acme');
    expect(await page.getByTestId('user-events').textContent()).toContain('User.Created');
    await capture('02-user-details', `/console/users/${ids.user}`);
    await page.getByRole('button', { name: 'Suspend user' }).click();
    await page.getByTestId('notice').filter({ hasText: 'The user has been suspended.' }).waitFor();
    expect(await page.getByTestId('user-status').textContent()).toBe('Suspended');
    expect((await env.container.services.users.getUser(ids.user)).isSuspended).toBe(true);
    await page.getByRole('button', { name: 'Reactivate user' }).click();
    await page.getByTestId('notice').filter({ hasText: 'The user has been reactivated.' }).waitFor();
    await page.getByRole('link', { name: 'Delete user' }).click();
    expect(await page.getByTestId('confirm-text').textContent()).toContain('Delete Grace Hopper?');
    await capture('03-user-delete-confirm');
  });

  it('creates an application by type, shows its secret once, and refuses a bad form', async () => {
    await capture('04-applications', '/console/applications');
    await page.getByRole('link', { name: 'Create application' }).click();
    await capture('05-application-create');
    await page.getByRole('button', { name: 'Create application' }).click();
    expect(await page.getByTestId('error').textContent()).toContain('The application was not created');
    await capture('06-application-create-errors');
    await page.getByLabel('Application name').fill('Storefront');
    await page.getByRole('radio', { name: /Traditional web/ }).check();
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://shop.example/callback');
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByTestId('secret-once').waitFor();
    const secret = await page.getByTestId('client-secret').inputValue();
    expect(secret).toMatch(/^[0-9A-Za-z]{32}$/);
    ids.application = (await page.getByTestId('application-id').textContent()) ?? '';
    expect(await page.getByTestId('redirect-uris').textContent()).toBe('https://shop.example/callback');
    await capture('07-application-secret-once');
    await page.goto(`${base}/console/applications/${ids.application}`);
    expect(await page.getByTestId('secret-once').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await capture('08-application-details', `/console/applications/${ids.application}`);
  });

  it('shows roles, API resources and organizations with their details', async () => {
    await capture('09-roles', '/console/roles');
    await capture('10-role-details', `/console/roles/${ids.role}`);
    expect(await page.getByTestId('role-scopes').textContent()).toContain('read:orders');
    await page.getByLabel('Assign a permission').selectOption({ label: 'write:orders' });
    await page.getByRole('button', { name: 'Assign' }).first().click();
    await page.getByTestId('notice').filter({ hasText: 'The permissions have been assigned.' }).waitFor();
    expect(await page.getByTestId('role-scopes').textContent()).toContain('write:orders');
    await capture('11-api-resources', '/console/api-resources');
    await capture('12-api-resource-details', `/console/api-resources/${ids.resource}`);
    await capture('13-organizations', '/console/organizations');
    await capture('14-organization-details', `/console/organizations/${ids.organization}`);
    expect(await page.getByTestId('organization-members').textContent()).toContain('Grace Hopper');
  });

  it('lists every event with an example payload', async () => {
    await capture('15-events', '/console/events');
    await page.locator('[data-event="User.Created"] summary').first().click();
    expect(await page.getByTestId('example-User.Created').isVisible()).toBe(true);
  });

  it('updates a delivery’s status on screen without a reload, and keeps the time column on a phone', async () => {
    const hook = await env.api('POST', '/api/hooks', {
      name: 'Slow receiver',
      events: ['User.Created'],
      config: { url: `${receiver.url}/hook` },
    });
    expect(hook.status).toBe(201);
    ids.hook = ((await hook.json()) as { id: string }).id;
    await env.api('POST', '/api/users', { username: 'live_update' });
    // The engine's attempt is held open by the receiver: the delivery is in flight.
    await expect.poll(() => receiver.heldCount(), { timeout: 10_000 }).toBe(1);
    await page.setViewportSize(PHONE);
    await page.goto(`${base}/console/webhooks/${ids.hook}/recent-requests`);
    const row = page.locator('tr[data-delivery-id]');
    expect(await row.getAttribute('data-open')).toBe('true');
    expect(await row.getByTestId('delivery-state').textContent()).toBe('Sending');
    expect(await row.locator('td[data-label=Time]').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'console-service-16-live-sending-phone.png'), fullPage: true });
    await page.evaluate('window.__notReloaded = true');
    receiver.release();
    await row.getByTestId('delivery-state').filter({ hasText: 'Succeeded' }).waitFor({ timeout: 15_000 });
    expect(await page.evaluate<boolean>('window.__notReloaded === true')).toBe(true);
    expect(await row.locator('[data-field=response]').textContent()).toBe('200');
    expect(await page.locator('#live-status').textContent()).toBe('1 delivery updated.');
    await page.screenshot({
      path: join(SHOTS, 'console-service-17-live-succeeded-phone.png'),
      fullPage: true,
    });
    await capture('18-recent-requests', `/console/webhooks/${ids.hook}/recent-requests`);
  });

  it('shows a delivery’s attempt once it finishes, without the visitor reloading', async () => {
    receiver.hold();
    await env.api('POST', '/api/users', { username: 'second_live_update' });
    await expect.poll(() => receiver.heldCount(), { timeout: 10_000 }).toBe(1);
    await page.goto(`${base}/console/webhooks/${ids.hook}/recent-requests`);
    await page.locator('tr[data-open] a').first().click();
    await page.getByTestId('delivery-card').waitFor();
    expect(await page.getByTestId('attempt').count()).toBe(0);
    expect(await page.locator('#live-status').textContent()).toContain('This page updates by itself');
    await capture('19-delivery-in-flight');
    receiver.release();
    // The page reloads itself when the delivery moves on; the test never calls reload().
    await page.getByTestId('attempt').first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('delivery-state').textContent()).toBe('Succeeded');
    await capture('20-delivery-finished');
  });

  it('shows the webhook pages in dark mode and on a phone without an accessibility violation', async () => {
    await capture('21-webhooks', '/console/webhooks');
    await capture('22-webhook-create', '/console/webhooks/create');
    await capture('23-webhook-settings', `/console/webhooks/${ids.hook}/settings`);
  });
});
