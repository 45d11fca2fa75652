import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import axeCore from 'axe-core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, freePort, launchChromium, SHOTS, type Browser } from './chromium.js';
import { insertSpaApplication } from '../helpers/experience.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, type TestEnv } from '../helpers/test-db.js';

/**
 * The hosted end-user pages in a real Chromium (issue 18 item 5): sign-in, sign-up, the code step
 * (with an error), and password reset, each at desktop and phone sizes in light and dark mode, with
 * a screenshot in test-output/ and an axe-core check; the show-password toggle, working with
 * JavaScript and absent (the form still usable) without; resend and change address by click.
 */

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const MODES = [
  { suffix: 'desktop', viewport: DESKTOP, colorScheme: 'light' },
  { suffix: 'phone', viewport: PHONE, colorScheme: 'light' },
  { suffix: 'desktop-dark', viewport: DESKTOP, colorScheme: 'dark' },
  { suffix: 'phone-dark', viewport: PHONE, colorScheme: 'dark' },
] as const;
const PASSWORD = 'Correct-Horse-42';

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

describeInChromium('browser: the hosted pages in Chromium', () => {
  let env: TestEnv;
  let http: ServerType;
  let mail: Receiver;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let appId: string;
  const lastCode = () =>
    (JSON.parse(mail.requests.at(-1)?.body ?? '{}') as { payload?: { code: string } }).payload?.code ?? '';

  beforeAll(async () => {
    mail = await startReceiver();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = await createTestEnv('sqlite', {
      env: { IDHOOKS_ENDPOINT: base, IDHOOKS_EMAIL_CONNECTOR_URL: `${mail.url}/email` },
    });
    appId = (await insertSpaApplication(env.container, { name: 'Demo app' })).id;
    const created = await env.api('POST', '/api/users', {
      username: 'reset_me',
      primaryEmail: 'reset@example.com',
      password: PASSWORD,
    });
    expect(created.status).toBe(200);
    http = serve({ fetch: env.app.fetch, port, hostname: '127.0.0.1' });
    browser = await launchChromium({ viewport: DESKTOP });
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
    await env?.close();
    await mail?.close();
  });

  /** axe-core's violations on the current page; evaluated, so the page's CSP does not apply. */
  async function axeViolations(): Promise<string[]> {
    await page.evaluate(axeCore.source);
    const violations = await page.evaluate<AxeViolation[]>(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
    );
    return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  }

  /**
   * The current page in every mode: screenshot, no axe violation, nothing wider than the screen,
   * and on a phone a margin between the card and the screen's edges. Reloads for each mode when
   * `path` is given; a POST's answer is captured as it is.
   */
  async function capture(name: string, path?: string) {
    for (const mode of MODES) {
      await page.setViewportSize(mode.viewport);
      await page.emulateMedia({ colorScheme: mode.colorScheme });
      if (path) await page.goto(`${base}${path}`);
      await page.screenshot({ path: join(SHOTS, `hosted-${name}-${mode.suffix}.png`), fullPage: true });
      expect(await axeViolations(), `${name} ${mode.suffix}`).toEqual([]);
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, `${name} ${mode.suffix} is wider than the screen`).toBeLessThanOrEqual(0);
      const box = await page.locator('main').boundingBox();
      expect(box?.x, `${name} ${mode.suffix} left margin`).toBeGreaterThanOrEqual(12);
      expect(mode.viewport.width - (box?.x ?? 0) - (box?.width ?? 0)).toBeGreaterThanOrEqual(12);
      const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      if (mode.colorScheme === 'dark') expect(background, name).toBe('rgb(17, 19, 25)');
      else expect(background, name).toBe('rgb(244, 245, 247)');
    }
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('shows sign-in and sign-up in every mode, with the password rules up front', async () => {
    await capture('1-sign-in', `/sign-in?app_id=${appId}`);
    await capture('2-register', `/register?app_id=${appId}`);
    const rules = page.getByTestId('password-rules');
    expect(await rules.textContent()).toContain('At least 8 and at most 256 characters.');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby')).toBe(
      'password-rules',
    );
  });

  it('toggles the password between hidden and shown', async () => {
    await page.goto(`${base}/sign-in`);
    const password = page.locator('#password');
    await password.fill('a secret');
    const toggle = page.getByRole('button', { name: 'Show password' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    expect(await password.getAttribute('type')).toBe('text');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    expect(await password.getAttribute('type')).toBe('password');
  });

  it('works without JavaScript: no toggle, and the forms still go to the code step', async () => {
    const cdp = await browser!.context.newCDPSession(page);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    try {
      await page.goto(`${base}/register`);
      expect(await page.getByRole('button', { name: 'Show password' }).count()).toBe(0);
      await page.fill('#username', 'no_script');
      await page.fill('#email', 'noscript@example.com');
      await page.fill('#password', PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForSelector('#code');
    } finally {
      await cdp.send('Emulation.setScriptExecutionDisabled', { value: false });
      await cdp.detach();
    }
  });

  it('shows the code step, resends, shows a wrong code as an alert, and changes the address', async () => {
    await page.goto(`${base}/register?app_id=${appId}`);
    await page.fill('#username', 'grace_hopper');
    await page.fill('#email', 'grace@exmaple.org');
    await page.fill('#password', PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForSelector('#code');
    await capture('3-code-step');

    const sent = mail.requests.length;
    await page.getByRole('button', { name: 'Send a new code' }).click();
    await page.getByRole('status').filter({ hasText: 'We sent a new code to grace@exmaple.org.' }).waitFor();
    expect(mail.requests).toHaveLength(sent + 1);

    const wrong = lastCode() === '000000' ? '111111' : '000000';
    await page.fill('#code', wrong);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not correct.' }).waitFor();
    await capture('4-code-step-error');

    await page.getByRole('link', { name: 'Use a different email address' }).click();
    await page.waitForURL(/\/register\?/);
    expect(await page.inputValue('#username')).toBe('grace_hopper');
    expect(await page.inputValue('#email')).toBe('grace@exmaple.org');
  });

  it('shows the password reset pages in every mode', async () => {
    await capture('5-forgot-password', '/forgot-password');
    await page.fill('#email', 'reset@example.com');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.waitForSelector('#code');
    await capture('6-reset-code');
    await page.fill('#code', lastCode());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await capture('7-new-password');
    expect(await page.getByTestId('password-rules').isVisible()).toBe(true);
  });
});
