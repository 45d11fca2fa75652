import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { expectUnchanged } from '../helpers/api.js';
import { signInToConsole, testIdText, type ConsoleClient, type Fields } from '../helpers/console.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Every field of the create and settings forms refuses bad input with a message next to it, a 400,
 * and nothing stored or sent; good input goes through the hooks service (issue 7, item 3).
 */
describeEachDialect('console: webhook forms', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;
  let receiver: Receiver;
  let hookId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    env = await createTestEnv(dialect, { env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' } });
    client = await signInToConsole(env);
    const hook = await env.container.services.hooks.createHook({
      name: 'Original',
      events: ['User.Created'],
      config: { url: `${receiver.url}/original`, headers: { 'X-Kept': 'yes' }, retries: 2 },
    });
    hookId = hook.id;
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.respondWith({ status: 200, body: 'ok' });
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });

  // Evaluated while collecting the tables below, before the receiver exists: a fixed, closed port.
  const good = () => ({ name: 'Orders', url: 'http://127.0.0.1:9/orders', events: 'User.Created' });
  const without = (key: string) => Object.fromEntries(Object.entries(good()).filter(([k]) => k !== key));
  const hook = () => env.container.services.hooks.getHook(hookId, { includeExecutionStats: false });

  /** Posts and expects a 400 page whose `testId` element says `message`. */
  async function expectRefused(path: string, fields: Fields, testId: string, message: string | RegExp) {
    const response = await client.post(path, fields);
    const html = await response.text();
    expect(response.status, `${path} ${JSON.stringify(fields)}`).toBe(400);
    const text = testIdText(html, testId);
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
    expect(testIdText(html, 'error')).toBeTruthy();
    return html;
  }

  const badHookFields: Array<[string, Fields, string, string | RegExp]> = [
    ['no name', without('name'), 'name-error', 'Enter a name for the webhook.'],
    ['blank name', { ...good(), name: '   ' }, 'name-error', 'Enter a name for the webhook.'],
    [
      'long name',
      { ...good(), name: 'n'.repeat(257) },
      'name-error',
      'The name must be at most 256 characters.',
    ],
    ['no URL', without('url'), 'url-error', 'Enter the endpoint URL.'],
    [
      'relative URL',
      { ...good(), url: 'not a url' },
      'url-error',
      /must be an absolute http:\/\/ or https:\/\/ URL/,
    ],
    [
      'ftp URL',
      { ...good(), url: 'ftp://example.com/x' },
      'url-error',
      /must use http:\/\/ or https:\/\/, not ftp:/,
    ],
    [
      'URL with credentials',
      { ...good(), url: 'https://u:p@example.com/x' },
      'url-error',
      /must not contain credentials/,
    ],
    ['no event', without('events'), 'events-error', 'You have to select at least one event.'],
    [
      'unknown event',
      { ...good(), events: 'User.Exploded' },
      'events-error',
      'User.Exploded is not a known webhook event.',
    ],
    [
      'unavailable event',
      { ...good(), events: 'PostSignInAdaptiveMfaTriggered' },
      'events-error',
      /PostSignInAdaptiveMfaTriggered is not emitted by idhooks yet/,
    ],
  ];

  it.each(badHookFields)('create refuses %s, creating nothing', async (_case, fields, testId, message) => {
    await expectUnchanged(env, ['hooks', 'hookSubscriptions'], async () => {
      const html = await expectRefused('/console/webhooks', fields, testId, message);
      // The form comes back with what was typed.
      if (!Array.isArray(fields) && fields.name && fields.name.trim())
        expect(html).toContain(`value="${fields.name}"`);
    });
  });

  it("labels idhooks' additions in the event picker, and only them", async () => {
    const html = await client.page('/console/webhooks/create');
    const checks = [...html.matchAll(/<label class="check">([\s\S]*?)<\/label>/g)].map((m) => m[1] ?? '');
    expect(checks.length).toBeGreaterThan(30);
    const labelled = checks
      .filter((check) => check.includes('data-testid="idhooks-addition"'))
      .map((check) => /value="([^"]+)"/.exec(check)?.[1]);
    expect(labelled).toEqual([
      'User.Roles.Updated',
      'Organization.MemberRoles.Updated',
      'PostSignInFromNewDevice',
      'PostSignOut',
      'PreRegister',
      'PreSignIn',
      'PreTokenIssue',
      'Hook.Disabled',
      'Hook.CircuitOpened',
      'Hook.CircuitClosed',
    ]);
  });

  it('create lists every problem at once', async () => {
    const response = await client.post('/console/webhooks', { name: '', url: 'nope' });
    const html = await response.text();
    expect(response.status).toBe(400);
    expect(html.match(/<li><a href="#(name|url|events)">/g)).toHaveLength(3);
  });

  it('creates a webhook and lands on its settings with Logto’s message', async () => {
    const response = await client.post('/console/webhooks', [
      ['name', 'Orders'],
      ['url', `${receiver.url}/orders`],
      ['events', 'User.Created'],
      ['events', 'PostSignIn'],
      ['events', 'User.Created'],
    ]);
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/console\/webhooks\/[a-z0-9]{21}\/settings\?notice=created$/);
    const html = await client.page(location);
    expect(testIdText(html, 'notice')).toBe('The webhook Orders has been successfully created.');
    const id = location.split('/')[3] ?? '';
    const created = await env.container.services.hooks.getHook(id, { includeExecutionStats: false });
    expect(created).toMatchObject({ name: 'Orders', events: ['User.Created', 'PostSignIn'], enabled: true });
    expect(created.config).toEqual({ url: `${receiver.url}/orders` });
  });

  const settingsPath = () => `/console/webhooks/${hookId}/settings`;
  const headerRows = (rows: Array<[string, string]>): Array<[string, string]> =>
    rows.flatMap(([name, value]) => [
      ['headerName', name],
      ['headerValue', value],
    ]);
  const withHeaders = (rows: Array<[string, string]>): Array<[string, string]> => [
    ...Object.entries(good()),
    ...headerRows(rows),
  ];

  const badHeaders: Array<[string, Array<[string, string]>, string, string | RegExp]> = [
    ['a value without a name', [['', 'v']], 'header-0-error', 'Enter a header name, or clear the value.'],
    ['a name without a value', [['X-A', '']], 'header-0-error', 'Enter a value for X-A, or remove the row.'],
    ['a name with a space', [['X A', 'v']], 'header-0-error', /X A: the name may only contain letters/],
    ['a name with a colon', [['X:A', 'v']], 'header-0-error', /the name may only contain/],
    ['a reserved name', [['Host', 'evil']], 'header-0-error', /host is set by the HTTP client/],
    ['a line break in the value', [['X-A', 'a\r\nX-Injected: 1']], 'header-0-error', /no line breaks/],
    ['a value too long', [['X-A', 'v'.repeat(4097)]], 'header-0-error', /longer than 4096 characters/],
    [
      'a duplicate, in any case',
      [
        ['X-A', '1'],
        ['x-a', '2'],
      ],
      'header-1-error',
      /duplicates X-A/,
    ],
    [
      'the same name twice',
      [
        ['X-A', '1'],
        ['X-A', '2'],
      ],
      'header-1-error',
      'X-A is already set above.',
    ],
    [
      'too many headers',
      Array.from({ length: 51 }, (_, i): [string, string] => [`X-H${i}`, 'v']),
      'headers-error',
      'At most 50 custom headers are allowed.',
    ],
  ];

  it.each(badHeaders)('settings refuse %s, changing nothing', async (_case, rows, testId, message) => {
    const before = await hook();
    await expectUnchanged(env, ['hooks', 'hookSubscriptions'], async () => {
      await expectRefused(settingsPath(), withHeaders(rows), testId, message);
    });
    expect(await hook()).toEqual(before);
  });

  it.each(badHookFields)('settings refuse %s, changing nothing', async (_case, fields, testId, message) => {
    const before = await hook();
    await expectRefused(settingsPath(), fields, testId, message);
    expect(await hook()).toEqual(before);
  });

  it('saves name, URL, events and headers, dropping blank rows and keeping the legacy retries', async () => {
    const response = await client.post(settingsPath(), [
      ['name', 'Renamed'],
      ['url', `${receiver.url}/renamed`],
      ['events', 'User.Deleted'],
      ['events', 'PostRegister'],
      ...headerRows([
        ['X-Api-Key', 'k1'],
        ['', ''],
        ['X-Tenant', 'acme'],
      ]),
    ]);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${settingsPath()}?notice=saved`);
    expect(testIdText(await client.page(response.headers.get('location') ?? ''), 'notice')).toBe('Saved.');
    const saved = await hook();
    expect(saved).toMatchObject({ name: 'Renamed', events: ['User.Deleted', 'PostRegister'] });
    expect(saved.config).toEqual({
      url: `${receiver.url}/renamed`,
      headers: { 'X-Api-Key': 'k1', 'X-Tenant': 'acme' },
      retries: 2,
    });
    // Clearing every row removes the headers.
    await client.post(settingsPath(), withHeaders([['', '']]));
    expect((await hook()).config.headers).toBeUndefined();
  });

  it.each(badHookFields)('test send refuses %s, sending nothing', async (_case, fields, testId, message) => {
    await expectRefused(`/console/webhooks/${hookId}/test`, fields, testId, message);
    expect(receiver.requests).toHaveLength(0);
  });

  it('test send refuses bad headers, sending nothing', async () => {
    await expectRefused(
      `/console/webhooks/${hookId}/test`,
      withHeaders([['Bad Name', 'v']]),
      'header-0-error',
      /Bad Name/,
    );
    expect(receiver.requests).toHaveLength(0);
  });

  it('sends test payloads to the unsaved form values and shows status, body and time', async () => {
    receiver.respondWith({ status: 202, body: '{"received":true}' });
    const before = await hook();
    const response = await client.post(`/console/webhooks/${hookId}/test`, [
      ['name', 'Unsaved name'],
      ['url', `${receiver.url}/unsaved`],
      ['events', 'User.Created'],
      ['events', 'PostSignIn'],
      ...headerRows([['X-Test', 'yes']]),
    ]);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(receiver.requests.map((r) => r.url).sort()).toEqual(['/unsaved', '/unsaved']);
    expect(receiver.requests.every((r) => r.headers['x-test'] === 'yes')).toBe(true);
    expect(html).toContain('The endpoint accepted every test payload (2).');
    expect(html).toContain(`${receiver.url}/unsaved`);
    expect(html).toMatch(/<span class="tag tag-ok">202<\/span>/);
    expect(html).toContain('{&quot;received&quot;:true}');
    expect(html).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    // The form keeps the unsaved values; nothing was saved or recorded.
    expect(html).toContain('value="Unsaved name"');
    expect(await hook()).toEqual(before);
  });

  it('shows a failing endpoint’s status and body, and an unreachable one’s error', async () => {
    receiver.respondWith({ status: 500, body: 'database is down' });
    const failing = await client.post(`/console/webhooks/${hookId}/test`, {
      ...good(),
      url: `${receiver.url}/failing`,
    });
    const html = await failing.text();
    expect(failing.status).toBe(200);
    expect(html).toContain('1 of 1 test payloads failed.');
    expect(html).toMatch(/tag-err">500</);
    expect(html).toContain('database is down');
    const closed = await client.post(`/console/webhooks/${hookId}/test`, {
      ...good(),
      url: 'http://127.0.0.1:1/x',
    });
    const closedHtml = await closed.text();
    expect(closedHtml).toContain('Request error');
    expect(closedHtml).toMatch(/ECONNREFUSED|connect/i);
  });

  it('answers 404 pages for a webhook that does not exist', async () => {
    for (const path of [
      '/console/webhooks/nope/settings',
      '/console/webhooks/nope/recent-requests',
      '/console/webhooks/nope/delete',
    ]) {
      const response = await client.get(path);
      expect(response.status, path).toBe(404);
      expect(testIdText(await response.text(), 'error')).toBe(
        'This webhook does not exist. It may have been deleted.',
      );
    }
    const post = await client.post('/console/webhooks/nope/settings', good());
    expect(post.status).toBe(404);
    expect((await client.post('/console/webhooks/nope/delete')).status).toBe(404);
  });
});
