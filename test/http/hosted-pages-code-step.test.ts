import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { snapshotCounts } from '../helpers/api.js';
import { insertSpaApplication, TestBrowser } from '../helpers/experience.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Issue 18 item 5 on the hosted pages' code step: "Send a new code" (within the per-recipient send
 * limit), "Use a different email address" (back to the step that took the address, filled in
 * again), and the password rules shown before the first try.
 */
const PASSWORD = 'Correct-Horse-42';
const SEND_LIMIT = 3;
const TABLES = ['users', 'events', 'verificationCodes', 'experienceSessions'] as const;

describeEachDialect('hosted pages: resend code and change address', (dialect) => {
  const clock = createManualClock(Date.parse('2026-12-02T09:00:00.000Z'));
  let env: TestEnv;
  let mail: Receiver;
  let appId: string;
  const browser = () => new TestBrowser(env.app, { beforeRequest: () => clock.advance(10) });
  const codeOf = (index: number) =>
    (JSON.parse(mail.requests[index]?.body ?? '{}') as { payload?: { code: string } }).payload?.code ?? '';
  const hiddenOf = (html: string, name: string) =>
    html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
  const decode = (text: string) => text.replaceAll('&amp;', '&').replaceAll('&#39;', "'");

  beforeAll(async () => {
    mail = await startReceiver();
    env = await createTestEnv(dialect, {
      clock,
      env: {
        IDHOOKS_EMAIL_CONNECTOR_URL: `${mail.url}/email`,
        IDHOOKS_CODE_SEND_LIMIT: String(SEND_LIMIT),
      },
    });
    appId = (await insertSpaApplication(env.container)).id;
  });
  afterAll(async () => {
    await env?.close();
    await mail?.close();
  });

  /** Opens the sign-up page and posts it with an email: the code step. */
  async function registerWithEmail(b: TestBrowser, username: string, email: string) {
    await b.get(`/register?app_id=${appId}`);
    const response = await b.form('/register', { username, email, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.text();
  }

  const fieldsOf = (html: string) => ({
    passwordVerificationId: hiddenOf(html, 'passwordVerificationId'),
    codeVerificationId: hiddenOf(html, 'codeVerificationId'),
    email: hiddenOf(html, 'email'),
    username: hiddenOf(html, 'username'),
  });

  it('shows the password rules, from the configured policy, before the first try', async () => {
    const b = browser();
    const html = await (await b.get('/register')).text();
    expect(html).toContain('data-testid="password-rules"');
    expect(html).toContain('At least 8 and at most 256 characters.');
    expect(html).toMatch(/minlength="8"/);
    expect(html).toContain('aria-describedby="password-rules"');
    // The page's one script carries the nonce the CSP names; nothing else may run.
    const nonce = html.match(/<script nonce="([^"]+)"/)?.[1];
    expect(nonce).toBeDefined();
    const csp = (await b.get('/sign-in')).headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(csp).not.toContain(nonce);
  });

  it('takes the rules from the configured policy, not from the page', async () => {
    const strict = await createTestEnv(dialect, { env: { IDHOOKS_PASSWORD_MIN_LENGTH: '12' } });
    try {
      const html = await (await strict.app.request('/register')).text();
      expect(html).toContain('At least 12 and at most 256 characters.');
      expect(html).toMatch(/minlength="12"/);
    } finally {
      await strict.close();
    }
  });

  it('sends a new code on "Send a new code"; the page then takes only the new one', async () => {
    const b = browser();
    const first = await registerWithEmail(b, 'resend_user', 'resend@example.com');
    expect(first).toContain('data-testid="resend"');
    const fields = fieldsOf(first);
    const sentBefore = mail.requests.length;
    const oldCode = codeOf(sentBefore - 1);

    const resent = await b.form('/register/resend', fields);
    expect(resent.status).toBe(200);
    const html = await resent.text();
    expect(html).toContain('We sent a new code to resend@example.com.');
    expect(mail.requests).toHaveLength(sentBefore + 1);
    const newCode = codeOf(sentBefore);
    const newFields = fieldsOf(html);
    expect(newFields.codeVerificationId).not.toBe(fields.codeVerificationId);
    expect(newFields.passwordVerificationId).toBe(fields.passwordVerificationId);

    // The old code is bound to the old verification record; the page now names the new one.
    if (oldCode !== newCode) {
      const stale = await b.form('/register/verify', { ...newFields, code: oldCode });
      expect(stale.status).toBe(400);
      expect(await stale.text()).toContain('That code is not correct.');
    }
    // The older record itself is left as it was, as the Experience API leaves earlier sends: its code
    // still verifies against its own id there (until it expires), but the page no longer names it.
    const viaApi = await b.post('/api/experience/verification/verification-code/verify', {
      identifier: { type: 'email', value: 'resend@example.com' },
      verificationId: fields.codeVerificationId,
      code: oldCode,
    });
    expect(viaApi.status).toBe(200);
    const done = await b.form('/register/verify', { ...newFields, code: newCode });
    expect(done.status).toBe(303);
    const user = await env.container.database.db
      .selectFrom('users')
      .select(['username', 'primaryEmail'])
      .where('username', '=', 'resend_user')
      .executeTakeFirst();
    expect(user).toEqual({ username: 'resend_user', primaryEmail: 'resend@example.com' });
  });

  it('keeps to the per-recipient send limit: over it, the 429 message and no code sent', async () => {
    const b = browser();
    await b.get('/forgot-password');
    let response = await b.form('/forgot-password', { email: 'limit@example.com' });
    expect(response.status).toBe(200);
    let html = await response.text();
    for (let sent = 1; sent < SEND_LIMIT; sent++) {
      response = await b.form('/forgot-password/resend', {
        verificationId: hiddenOf(html, 'verificationId'),
        email: 'limit@example.com',
      });
      expect(response.status).toBe(200);
      html = await response.text();
    }
    const lastId = hiddenOf(html, 'verificationId');
    const before = await snapshotCounts(env, TABLES);
    const sentBefore = mail.requests.length;
    const refused = await b.form('/forgot-password/resend', {
      verificationId: lastId,
      email: 'limit@example.com',
    });
    expect(refused.status).toBe(429);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toMatch(/role="alert"[^>]*>\s*Too many messages sent to this recipient/);
    expect(hiddenOf(refusedHtml, 'verificationId')).toBe(lastId);
    expect(mail.requests).toHaveLength(sentBefore);
    const after = await snapshotCounts(env, TABLES);
    // Logto reports the refusal as a Message.RateLimited event; nothing else changes.
    expect({ ...after, events: before.events }).toEqual(before);
    // The last code sent still works from the refused page: it is accepted, and only then does the
    // reset find that no account uses the address (the code step does not tell, against enumeration).
    const verified = await b.form('/forgot-password/verify', {
      verificationId: lastId,
      email: 'limit@example.com',
      code: codeOf(sentBefore - 1),
    });
    expect(verified.status).toBe(404);
    expect(await verified.text()).toContain('No account uses this email address.');
  });

  it('refuses a resend with a missing or malformed address, or without the form token, changing nothing', async () => {
    const b = browser();
    const fields = fieldsOf(await registerWithEmail(b, 'bad_resend', 'bad-resend@example.com'));
    const before = await snapshotCounts(env, TABLES);
    const sentBefore = mail.requests.length;
    for (const email of ['', 'not-an-email', 'a@'.repeat(200)]) {
      for (const [path, body] of [
        ['/register/resend', { ...fields, email }],
        ['/forgot-password/resend', { verificationId: 'x', email }],
      ] as const) {
        const response = await b.form(path, body);
        expect(response.status, `${path} ${email}`).toBe(400);
        const html = await response.text();
        expect(html).toMatch(/role="alert"[^>]*>\s*Enter a valid email address\./);
        expect(html).not.toContain('We sent');
      }
    }
    const forged = await env.app.request('/register/resend', {
      method: 'POST',
      headers: {
        cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });
    expect(forged.status).toBe(403);
    expect(mail.requests).toHaveLength(sentBefore);
    expect(await snapshotCounts(env, TABLES)).toEqual(before);
  });

  it('goes back to the address step with the form filled in, and a new address gets its own code', async () => {
    const b = browser();
    const html = await registerWithEmail(b, 'change_addr', 'typo@exmaple.com');
    const link = decode(html.match(/href="([^"]*)" data-testid="change-address"/)?.[1] ?? '');
    const url = new URL(link, 'http://localhost');
    expect(url.pathname).toBe('/register');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      app_id: appId,
      username: 'change_addr',
      email: 'typo@exmaple.com',
    });
    const back = await (await b.get(link)).text();
    expect(back).toContain('value="change_addr"');
    expect(back).toContain('value="typo@exmaple.com"');

    const sentBefore = mail.requests.length;
    const fixed = await b.form('/register', {
      username: 'change_addr',
      email: 'fixed@example.com',
      password: PASSWORD,
    });
    expect(fixed.status).toBe(200);
    const fields = fieldsOf(await fixed.text());
    expect(fields.email).toBe('fixed@example.com');
    expect(JSON.parse(mail.requests[sentBefore]?.body ?? '{}')).toMatchObject({ to: 'fixed@example.com' });
    const done = await b.form('/register/verify', { ...fields, code: codeOf(sentBefore) });
    expect(done.status).toBe(303);

    // Password reset: the link goes back to the email step, filled in.
    const r = browser();
    await r.get('/forgot-password');
    const code = await (await r.form('/forgot-password', { email: 'typo@exmaple.com' })).text();
    const resetLink = decode(code.match(/href="([^"]*)" data-testid="change-address"/)?.[1] ?? '');
    expect(resetLink).toBe('/forgot-password?email=typo%40exmaple.com');
    expect(await (await r.get(resetLink)).text()).toContain('value="typo@exmaple.com"');
  });
});
