import { afterAll, beforeAll, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { insertHook, listDeliveries } from '../helpers/builders.js';
import { insertHistory } from '../helpers/history.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

const HOUR = 3_600_000;

/** The list, details, recent requests, delivery, resend and recover pages (issue 7, items 2-5). */
describeEachDialect('console: pages', (dialect) => {
  const now = Date.parse('2026-03-02T10:30:00.000Z');
  const clock = createManualClock(now);
  let env: TestEnv;
  let client: ConsoleClient;
  const db = () => env.container.database.db;

  beforeAll(async () => {
    env = await createTestEnv(dialect, { clock });
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  /** A hook with `ok` successful and `failed` failed attempts in the last 24 hours. */
  async function hookWithRate(name: string, ok: number, failed: number, isEnabled = true) {
    const hook = await insertHook(db(), {
      url: 'http://127.0.0.1:9/x',
      name,
      isEnabled,
      now: now - 10 * HOUR,
    });
    for (let i = 0; i < ok + failed; i++) {
      await insertHistory(db(), hook.id, {
        attempts: [{ startedAt: now - (i + 1) * 60_000, isSuccess: i < ok, status: i < ok ? 200 : 500 }],
      });
    }
    return hook.id;
  }

  const rowOf = (html: string, id: string) =>
    html.match(new RegExp(`<tr data-hook-id="${id}">([\\s\\S]*?)</tr>`))?.[1] ?? '';

  it('shows an empty state with a create action when there is no webhook', async () => {
    const html = await client.page('/console/webhooks');
    expect(html).toContain('data-testid="empty-state"');
    expect(html).toContain('href="/console/webhooks/create"');
  });

  it('lists success rates with Logto’s thresholds, request counts and "Not in use"', async () => {
    const healthy = await hookWithRate('healthy', 100, 0);
    const alert = await hookWithRate('alert', 95, 5);
    const failing = await hookWithRate('failing', 8, 2);
    const idle = await hookWithRate('idle', 0, 0);
    const disabled = await hookWithRate('disabled', 3, 0, false);
    const html = await client.page('/console/webhooks');
    expect(rowOf(html, healthy)).toContain('<span class="tag tag-ok">100.00%</span>');
    expect(rowOf(html, alert)).toContain('<span class="tag tag-warn">95.00%</span>');
    expect(rowOf(html, failing)).toContain('<span class="tag tag-err">80.00%</span>');
    expect(rowOf(html, healthy)).toContain('<td class="num" data-label="Requests (24h)">100</td>');
    expect(rowOf(html, idle)).toContain('aria-label="No requests">-</span>');
    expect(rowOf(html, idle)).toContain('<td class="num" data-label="Requests (24h)">0</td>');
    expect(rowOf(html, disabled)).toContain('Not in use');
    expect(rowOf(html, disabled)).toContain('<td class="num" data-label="Requests (24h)">-</td>');
    expect(rowOf(html, healthy)).toContain('User.Created');
  });

  it('pages the list by 20 and refuses a page number that is not one', async () => {
    for (let i = 0; i < 17; i++)
      await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: `filler ${i}`, now });
    const first = await client.page('/console/webhooks');
    expect(first.match(/<tr data-hook-id=/g)).toHaveLength(20);
    expect(first).toContain('Page 1 of 2 · 22 webhooks');
    expect(first).toContain('href="/console/webhooks?page=2"');
    const second = await client.page('/console/webhooks?page=2');
    expect(second.match(/<tr data-hook-id=/g)).toHaveLength(2);
    for (const page of ['0', '-1', 'abc', '1.5', '9999999', '1e3']) {
      const response = await client.get(`/console/webhooks?page=${page}`);
      expect(response.status, page).toBe(400);
      expect(testIdText(await response.text(), 'error')).toBe(
        'The page number must be a whole number from 1 to 100,000.',
      );
    }
  });

  it('shows the header, and a chart of the last 24 hours by outcome', async () => {
    const id = await hookWithRate('charted', 3, 1);
    await insertHistory(db(), id, {
      attempts: [{ startedAt: now - 25 * HOUR, isSuccess: false, status: 500 }],
    });
    const html = await client.page(`/console/webhooks/${id}/settings`);
    expect(testIdText(html, 'request-count')).toBe('4 requests in 24h');
    expect(testIdText(html, 'hook-state')).toBe('75.00%');
    expect(testIdText(html, 'hook-id')).toBe(id);
    expect(html).toContain('aria-label="Requests per hour over the last 24 hours: 3 succeeded, 1 failed."');
    expect(html.match(/data-kind="success"/g)).toHaveLength(1);
    expect(html.match(/data-kind="failure"/g)).toHaveLength(1);
    expect(html).toContain('<title>10:00–11:00 UTC: 3 succeeded, 1 failed</title>');
  });

  it('lists deliveries with status, event and time, filters them, and refuses unknown filters', async () => {
    const id = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'requests', now })).id;
    await insertHistory(db(), id, {
      event: 'User.Created',
      attempts: [{ startedAt: now - 5 * 60_000, isSuccess: true, status: 204 }],
    });
    await insertHistory(db(), id, {
      event: 'PostSignIn',
      attempts: [{ startedAt: now - 4 * 60_000, isSuccess: false, error: 'connect ECONNREFUSED' }],
    });
    await insertHistory(db(), id, {
      event: 'PostSignIn',
      createdAt: now - 3 * 24 * HOUR,
      attempts: [{ startedAt: now - 3 * 24 * HOUR, isSuccess: false, status: 500 }],
    });
    const all = await client.page(`/console/webhooks/${id}/recent-requests`);
    expect(all.match(/<tr data-delivery-id=/g)).toHaveLength(2);
    expect(all).toContain('<span class="tag tag-ok">204</span>');
    expect(all).toContain('<span class="tag tag-err">Request error</span>');
    expect(all).toContain('2026-03-02 10:25:00 UTC');
    const filtered = await client.page(`/console/webhooks/${id}/recent-requests?event=PostSignIn`);
    expect(filtered.match(/<tr data-delivery-id=/g)).toHaveLength(1);
    expect(filtered).toContain('<option value="PostSignIn" selected="">');
    const week = await client.page(`/console/webhooks/${id}/recent-requests?event=PostSignIn&period=7d`);
    expect(week.match(/<tr data-delivery-id=/g)).toHaveLength(2);
    const failed = await client.page(`/console/webhooks/${id}/recent-requests?status=failed&period=all`);
    expect(failed.match(/<tr data-delivery-id=/g)).toHaveLength(2);
    for (const [query, message] of [
      ['event=User.Exploded', 'User.Exploded is not a webhook event.'],
      ['status=lost', 'Status must be one of pending, sending, succeeded, failed.'],
      ['period=1y', 'Choose one of the listed periods.'],
      ['page=0', 'The page number must be a whole number from 1 to 100,000.'],
    ]) {
      const response = await client.get(`/console/webhooks/${id}/recent-requests?${query}`);
      expect(response.status, query).toBe(400);
      expect(testIdText(await response.text(), 'error')).toBe(message);
    }
  });

  it('opens a delivery with its attempts in order, and 404s for another hook’s delivery', async () => {
    const id = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'attempts', now })).id;
    const other = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'other', now })).id;
    const { deliveryId } = await insertHistory(db(), id, {
      status: 'pending',
      attempts: [
        {
          startedAt: now - 60_000,
          isSuccess: false,
          error: 'connect ECONNREFUSED',
          nextAttemptAt: now - 55_000,
        },
        {
          startedAt: now - 55_000,
          isSuccess: false,
          status: 503,
          body: '{"busy":true}',
          nextAttemptAt: now + 300_000,
        },
      ],
    });
    const html = await client.page(`/console/webhooks/${id}/recent-requests/${deliveryId}`);
    const attempts = [...html.matchAll(/<h3 id="attempt-(\d+)">/g)].map((m) => m[1]);
    expect(attempts).toEqual(['1', '2']);
    expect(testIdText(html, 'attempt-error')).toBe('connect ECONNREFUSED');
    expect(html).toContain('Next attempt scheduled for 2026-03-02 10:35:00 UTC.');
    expect(html).toContain('&quot;busy&quot;: true');
    expect(html).toContain('Retry scheduled');
    const foreign = await client.get(`/console/webhooks/${other}/recent-requests/${deliveryId}`);
    expect(foreign.status).toBe(404);
    expect(testIdText(await foreign.text(), 'error')).toMatch(/This delivery does not exist/);
  });

  it('resends a failed delivery, and says why not when the webhook is disabled', async () => {
    const id = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'resend', now })).id;
    const { deliveryId } = await insertHistory(db(), id, {
      attempts: [{ startedAt: now - 60_000, isSuccess: false, status: 500 }],
    });
    const path = `/console/webhooks/${id}/recent-requests/${deliveryId}`;
    expect(await client.page(path)).toContain('>Resend</button>');
    const response = await client.post(`${path}/resend`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${path}?notice=resent`);
    expect((await listDeliveries(db(), id))[0]?.status).toBe('pending');
    await client.post(`/console/webhooks/${id}/disable`);
    const refused = await client.post(`${path}/resend`);
    expect(refused.status).toBe(409);
    expect(testIdText(await refused.text(), 'error')).toMatch(/The hook is disabled/);
    expect(await client.page(path)).toContain('Reactivate the webhook to resend this delivery.');
  });

  it('recovers failed deliveries of a time range, refusing a range that is not one', async () => {
    const id = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'recover', now })).id;
    for (const hoursAgo of [1, 2, 30]) {
      await insertHistory(db(), id, {
        createdAt: now - hoursAgo * HOUR,
        attempts: [{ startedAt: now - hoursAgo * HOUR, isSuccess: false, status: 500 }],
      });
    }
    await insertHistory(db(), id, { attempts: [{ startedAt: now - HOUR, isSuccess: true, status: 200 }] });
    const statuses = async () => (await listDeliveries(db(), id)).map((d) => d.status).sort();
    const before = await statuses();
    const page = await client.page(`/console/webhooks/${id}/recent-requests`);
    // The form starts at the last 24 hours.
    expect(page).toContain('value="2026-03-01T10:30"');
    const path = `/console/webhooks/${id}/recover`;
    for (const [fields, testId, message] of [
      [
        { until: '2026-03-02T11:00' },
        'since-error',
        'Enter the start of the range as a date and time (UTC).',
      ],
      [
        { since: '2026-03-02T11:00', until: 'tomorrow' },
        'until-error',
        'Enter the end of the range as a date and time (UTC).',
      ],
      [
        { since: '2026-02-30T25:00', until: '2026-03-02T11:00' },
        'since-error',
        'Enter the start of the range as a date and time (UTC).',
      ],
      [
        { since: '2026-03-02T11:00', until: '2026-03-02T09:00' },
        'until-error',
        'The end of the range must not be before its start.',
      ],
    ] as const) {
      const response = await client.post(path, fields);
      expect(response.status, JSON.stringify(fields)).toBe(400);
      expect(testIdText(await response.text(), testId)).toBe(message);
    }
    expect(await statuses()).toEqual(before);
    const response = await client.post(path, { since: '2026-03-02T07:00', until: '2026-03-02T10:30' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(
      `/console/webhooks/${id}/recent-requests?notice=recovered&count=2`,
    );
    expect(testIdText(await client.page(response.headers.get('location') ?? ''), 'notice')).toBe(
      '2 failed deliveries have been queued again.',
    );
    expect(await statuses()).toEqual(['failed', 'pending', 'pending', 'succeeded']);
  });

  it('disables after confirmation, reactivates, regenerates the key and deletes', async () => {
    const id = (await insertHook(db(), { url: 'http://127.0.0.1:9/x', name: 'lifecycle', now })).id;
    const hook = () => env.container.services.hooks.getHook(id, { includeExecutionStats: false });
    const disablePage = await client.page(`/console/webhooks/${id}/disable`);
    expect(testIdText(disablePage, 'confirm-text')).toMatch(
      /^Disable "lifecycle"\? Its endpoint URL will stop receiving/,
    );
    expect(disablePage).not.toMatch(/reactivate this webhook\?/i);
    expect((await client.post(`/console/webhooks/${id}/disable`)).headers.get('location')).toBe(
      `/console/webhooks/${id}/settings?notice=disabled`,
    );
    expect((await hook()).enabled).toBe(false);
    const disabled = await client.page(`/console/webhooks/${id}/settings?notice=disabled`);
    expect(testIdText(disabled, 'notice')).toBe('The webhook has been disabled.');
    expect(testIdText(disabled, 'hook-state')).toBe('Not in use');
    expect(disabled).toContain('Reactivate webhook');
    await client.post(`/console/webhooks/${id}/reactivate`);
    expect((await hook()).enabled).toBe(true);

    const key = (await hook()).signingKey;
    expect(
      testIdText(await client.page(`/console/webhooks/${id}/signing-key/regenerate`), 'confirm-text'),
    ).toMatch(/update the key in your endpoint/);
    const regenerated = await client.post(`/console/webhooks/${id}/signing-key/regenerate`);
    expect(regenerated.headers.get('location')).toBe(
      `/console/webhooks/${id}/settings?notice=key-regenerated`,
    );
    expect((await hook()).signingKey).not.toBe(key);

    expect(testIdText(await client.page(`/console/webhooks/${id}/delete`), 'confirm-text')).toMatch(
      /^You are removing "lifecycle"\. After deleting it/,
    );
    const deleted = await client.post(`/console/webhooks/${id}/delete`);
    expect(deleted.headers.get('location')).toBe('/console/webhooks?notice=deleted');
    expect(testIdText(await client.page('/console/webhooks?notice=deleted'), 'notice')).toBe(
      'The webhook has been successfully deleted.',
    );
    expect((await client.get(`/console/webhooks/${id}/settings`)).status).toBe(404);
  });

  it('ignores notices it does not know instead of echoing the text', async () => {
    const html = await client.page('/console/webhooks?notice=%3Cscript%3Ealert(1)%3C/script%3E');
    expect(html).not.toContain('data-testid="notice"');
    expect(html).not.toContain('alert(1)');
  });
});
