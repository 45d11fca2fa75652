import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/shared/clock.js';
import type { HookResponse } from '../../src/http/routes/hooks.js';
import type { EventType } from '../../src/domain/events.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const HOOK_KEYS = [
  'tenantId',
  'id',
  'name',
  'event',
  'events',
  'config',
  'signingKey',
  'enabled',
  'createdAt',
];
const DAY_MS = 24 * 60 * 60 * 1000;
const TEST_ONLY_PATH = '/test-send-only';

interface ErrorBody {
  code: string;
  message: string;
  data?: { details?: { path: string }[]; problems?: { name: string; reason: string }[] } & Record<
    string,
    unknown
  >;
}

describeEachDialect('Hooks API', (dialect) => {
  let env: TestEnv;
  let clock: ManualClock;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ validateEvents: true });
    clock = createManualClock(Date.now());
    env = await createTestEnv(dialect, {
      clock,
      env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32,::1/128' },
    });
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });

  let token: { value: string; issuedAt: number } | undefined;
  /** `env.api` with a token renewed as the manual clock moves (tokens live an hour). */
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    if (!token || clock.now() - token.issuedAt > 30 * 60 * 1000) {
      token = { value: await env.token(), issuedAt: clock.now() };
    }
    return env.api(method, path, body, { authorization: `Bearer ${token.value}`, ...headers });
  };
  const db = () => env.container.database.db;
  const json = async <T>(response: Response) => (await response.json()) as T;
  const url = (path = '/hook') => `${receiver.url}${path}`;
  /**
   * Requests that rejected test sends would have made. Hooks' own deliveries (if a delivery engine
   * runs) go to `/hook`, so they never count here.
   */
  const testSends = () => receiver.requests.filter((request) => request.url === TEST_ONLY_PATH);
  const create = async (body: Record<string, unknown>) => {
    const response = await api('POST', '/api/hooks', body);
    expect(response.status, await response.clone().text()).toBe(201);
    clock.advance(1); // distinct createdAt values, so "newest first" is observable
    return json<HookResponse>(response);
  };
  const subscriptionsOf = async (hookId: string) =>
    (await db().selectFrom('hookSubscriptions').select('event').where('hookId', '=', hookId).execute())
      .map((row) => row.event)
      .sort();
  /** Every row a hooks API call could touch, to prove a rejected call changed nothing. */
  const snapshot = async () =>
    JSON.stringify([
      await db().selectFrom('hooks').selectAll().orderBy('id').execute(),
      await db().selectFrom('hookSubscriptions').selectAll().orderBy('hookId').orderBy('event').execute(),
      await db().selectFrom('deliveries').selectAll().orderBy('id').execute(),
      await db().selectFrom('events').selectAll().orderBy('id').execute(),
    ]);
  const expectRejected = async (response: Response, status: number, code: string) => {
    const body = await json<ErrorBody>(response.clone());
    expect({ status: response.status, code: body.code }, JSON.stringify(body)).toEqual({ status, code });
    expect(body.message.length).toBeGreaterThan(0);
    return body;
  };
  /** Appends an event the way a service does and returns the hooks it fanned out to. */
  const fanOut = async (type: EventType) => {
    const { eventId } = await db()
      .transaction()
      .execute((tx) =>
        env.container.repos.events.appendEvent(tx, { type, payload: { event: type } }, clock.now()),
      );
    const rows = await db()
      .selectFrom('deliveries')
      .select('hookId')
      .where('eventId', '=', eventId)
      .execute();
    return rows.map((row) => row.hookId);
  };

  describe('happy path', () => {
    it("creates a hook in Logto's shape with generated id and signing key", async () => {
      const before = clock.now();
      const hook = await create({
        name: 'My hook',
        events: ['User.Created', 'PostSignIn', 'User.Created'],
        config: { url: url(), headers: { 'X-Custom': 'v' }, retries: 3 },
      });
      expect(Object.keys(hook)).toEqual(HOOK_KEYS);
      expect(hook).toEqual({
        tenantId: 'default',
        id: expect.stringMatching(/^[0-9a-z]{21}$/),
        name: 'My hook',
        event: null,
        events: ['User.Created', 'PostSignIn'],
        config: { url: url(), headers: { 'X-Custom': 'v' }, retries: 3 },
        signingKey: expect.stringMatching(/^[0-9a-zA-Z]{32}$/),
        enabled: true,
        createdAt: before,
      });
      expect(await subscriptionsOf(hook.id)).toEqual(['PostSignIn', 'User.Created']);
    });

    it('accepts the legacy single event and subscribes to it; name defaults to empty', async () => {
      const hook = await create({ event: 'PostRegister', config: { url: url() }, enabled: false });
      expect(hook).toMatchObject({ name: '', event: 'PostRegister', events: [], enabled: false });
      expect(hook.config).toEqual({ url: url() });
      expect(await subscriptionsOf(hook.id)).toEqual(['PostRegister']);
    });

    it('gets a hook, with stats for any non-empty includeExecutionStats', async () => {
      const hook = await create({ events: ['User.Deleted'], config: { url: url() } });
      const plain = await json<HookResponse>(await api('GET', `/api/hooks/${hook.id}`));
      expect(plain).toEqual(hook);
      for (const flag of ['1', 'false', 'whatever']) {
        const withStats = await json<HookResponse>(
          await api('GET', `/api/hooks/${hook.id}?includeExecutionStats=${flag}`),
        );
        expect(withStats.executionStats).toEqual({ requestCount: 0, successCount: 0 });
        expect(Object.keys(withStats)).toEqual([...HOOK_KEYS, 'executionStats']);
      }
      const empty = await json<HookResponse>(
        await api('GET', `/api/hooks/${hook.id}?includeExecutionStats=`),
      );
      expect(empty.executionStats).toBeUndefined();
    });

    it('lists newest first, all without pagination, paged with headers, stats by yes()', async () => {
      for (let i = 0; i < 3; i++)
        await create({ name: `list-${i}`, events: ['Role.Created'], config: { url: url() } });
      const all = await api('GET', '/api/hooks');
      expect(all.status).toBe(200);
      expect(all.headers.get('Total-Number')).toBeNull();
      const hooks = await json<HookResponse[]>(all);
      expect(hooks.length).toBe(Number(await countHooks()));
      const createdAt = hooks.map((h) => h.createdAt);
      expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));
      expect(hooks.slice(0, 3).map((h) => h.name)).toEqual(['list-2', 'list-1', 'list-0']);
      expect(hooks.every((h) => h.executionStats === undefined)).toBe(true);

      const paged = await api('GET', '/api/hooks?page=2&page_size=1&includeExecutionStats=YeAh');
      expect(paged.headers.get('Total-Number')).toBe(String(hooks.length));
      expect(paged.headers.get('Link')).toContain(
        'page=3&page_size=1&includeExecutionStats=YeAh>; rel="next"',
      );
      const page = await json<HookResponse[]>(paged);
      expect(page.map((h) => h.id)).toEqual([hooks[1]!.id]);
      expect(page[0]!.executionStats).toEqual({ requestCount: 0, successCount: 0 });

      const onlySize = await api('GET', '/api/hooks?page_size=2');
      expect((await json<HookResponse[]>(onlySize)).map((h) => h.id)).toEqual(
        hooks.slice(0, 2).map((h) => h.id),
      );
      for (const flag of ['on', '0', 'no', 'truthy']) {
        const list = await json<HookResponse[]>(await api('GET', `/api/hooks?includeExecutionStats=${flag}`));
        expect(list[0]!.executionStats, flag).toBeUndefined();
      }
    });

    it('updates fields, replacing JSON columns rather than merging them', async () => {
      const hook = await create({
        name: 'before',
        event: 'PostSignIn',
        events: ['User.Created'],
        config: { url: url(), headers: { A: '1' }, retries: 2 },
      });
      const response = await api('PATCH', `/api/hooks/${hook.id}`, {
        name: 'after',
        event: null,
        config: { url: url('/other') },
        enabled: false,
      });
      expect(response.status).toBe(200);
      const updated = await json<HookResponse>(response);
      expect(Object.keys(updated)).toEqual(HOOK_KEYS);
      expect(updated).toEqual({
        ...hook,
        name: 'after',
        event: null,
        config: { url: url('/other') },
        enabled: false,
      });
      expect(await json(await api('GET', `/api/hooks/${hook.id}`))).toEqual(updated);
      expect(await json(await api('PATCH', `/api/hooks/${hook.id}`, {}))).toEqual(updated);
    });

    it('keeps subscriptions in step: after PATCH events, fan-out reaches only the new events', async () => {
      const hook = await create({ events: ['Scope.Created'], config: { url: url() } });
      expect(await fanOut('Scope.Created')).toContain(hook.id);

      await api('PATCH', `/api/hooks/${hook.id}`, {
        events: ['Scope.Deleted', 'Scope.Data.Updated', 'Scope.Deleted'],
      });
      expect(await subscriptionsOf(hook.id)).toEqual(['Scope.Data.Updated', 'Scope.Deleted']);
      expect(await fanOut('Scope.Created')).not.toContain(hook.id);
      expect(await fanOut('Scope.Deleted')).toContain(hook.id);

      // A legacy event only counts while `events` is empty.
      await api('PATCH', `/api/hooks/${hook.id}`, { event: 'Scope.Created' });
      expect(await subscriptionsOf(hook.id)).toEqual(['Scope.Data.Updated', 'Scope.Deleted']);

      await api('PATCH', `/api/hooks/${hook.id}`, { enabled: false });
      expect(await fanOut('Scope.Deleted')).not.toContain(hook.id);
    });

    it('regenerates the signing key, keeping the old one in its grace period', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: url() } });
      const first = await json<HookResponse>(await api('PATCH', `/api/hooks/${hook.id}/signing-key`));
      expect(first.signingKey).toMatch(/^[0-9a-zA-Z]{32}$/);
      expect(first.signingKey).not.toBe(hook.signingKey);
      expect({ ...first, signingKey: hook.signingKey }).toEqual(hook);
      expect(JSON.stringify(first)).not.toContain(hook.signingKey);
      const rotatedAt = clock.now();
      expect(await previousKeysOf(hook.id)).toEqual([
        { key: hook.signingKey, expiresAt: rotatedAt + DAY_MS },
      ]);
      expect(await env.container.repos.hooks.findHookById(hook.id)).toMatchObject({
        signingKey: first.signingKey,
      });

      // Past the grace, the first key is dropped at the next rotation; the second takes its place.
      clock.advance(DAY_MS + 1);
      const second = await json<HookResponse>(await api('PATCH', `/api/hooks/${hook.id}/signing-key`));
      expect(await previousKeysOf(hook.id)).toEqual([
        { key: first.signingKey, expiresAt: clock.now() + DAY_MS },
      ]);
      expect(second.signingKey).not.toBe(first.signingKey);
    });

    it('deletes a hook, ends its waiting deliveries and keeps the history', async () => {
      const hook = await create({ events: ['Role.Deleted'], config: { url: url() } });
      const other = await create({ events: ['Role.Deleted'], config: { url: url() } });
      await fanOut('Role.Deleted');
      await fanOut('Role.Deleted');
      await fanOut('Role.Deleted');
      const ids = (
        await db().selectFrom('deliveries').select('id').where('hookId', '=', hook.id).orderBy('id').execute()
      ).map((row) => row.id);
      expect(ids).toHaveLength(3);
      await db()
        .updateTable('deliveries')
        .set({ status: 'sending', lockedBy: 'w1', lockedUntil: clock.now() + 1000 })
        .where('id', '=', ids[0]!)
        .execute();
      await db()
        .updateTable('deliveries')
        .set({ status: 'succeeded', completedAt: clock.now() })
        .where('id', '=', ids[1]!)
        .execute();

      clock.advance(5);
      const response = await api('DELETE', `/api/hooks/${hook.id}`);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      await expectRejected(await api('GET', `/api/hooks/${hook.id}`), 404, 'entity.not_exists_with_id');
      expect(await subscriptionsOf(hook.id)).toEqual([]);

      const rows = await db()
        .selectFrom('deliveries')
        .selectAll()
        .where('hookId', '=', hook.id)
        .orderBy('id')
        .execute();
      expect(rows.map((r) => r.status)).toEqual(['failed', 'succeeded', 'failed']);
      for (const row of [rows[0]!, rows[2]!]) {
        expect(row).toMatchObject({
          lastError: 'The hook was deleted.',
          completedAt: clock.now(),
          lockedBy: null,
        });
      }
      expect(rows[1]!.lastError).toBeNull();
      const others = await db()
        .selectFrom('deliveries')
        .select('status')
        .where('hookId', '=', other.id)
        .execute();
      expect(others.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    });

    it('documents every hooks route in the OpenAPI document', async () => {
      const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
        await api('GET', '/api/swagger.json'),
      );
      expect(Object.keys(doc.paths['/api/hooks']!)).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths['/api/hooks/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
      for (const [path, method] of [
        ['/api/hooks/{id}/signing-key', 'patch'],
        ['/api/hooks/{id}/test', 'post'],
        ['/api/hooks/{id}/recent-logs', 'get'],
        ['/api/hooks/{id}/deliveries', 'get'],
        ['/api/hooks/{id}/deliveries/{deliveryId}', 'get'],
      ] as const) {
        expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      }
    });
  });

  describe('bad input changes nothing', () => {
    let existing: HookResponse;
    beforeAll(async () => {
      existing = await create({
        name: 'stable',
        events: ['User.Created'],
        config: { url: url(), headers: { A: '1' } },
      });
    });

    it('rejects bad create bodies with Logto codes and field paths', async () => {
      const before = await snapshot();
      const cfg = { url: url() };
      const invalid = async (body: unknown, path?: string) => {
        const error = await expectRejected(await api('POST', '/api/hooks', body), 400, 'guard.invalid_input');
        if (path !== undefined) expect(error.data?.details?.map((d) => d.path)).toContain(path);
      };
      await invalid({ events: ['User.Created'] }, 'config');
      await invalid({ events: ['User.Created'], config: cfg, extra: 1 }, 'extra');
      await invalid({ events: ['User.Created'], config: { ...cfg, header: {} } }, 'config.header');
      await invalid({ events: [], config: cfg }, 'events');
      await invalid({ events: ['User.Nope'], config: cfg }, 'events.0');
      await invalid({ event: 'Nope', config: cfg }, 'event');
      await invalid({ name: '', events: ['User.Created'], config: cfg }, 'name');
      await invalid({ name: 'x'.repeat(257), events: ['User.Created'], config: cfg }, 'name');
      await invalid({ events: ['User.Created'], config: { ...cfg, retries: 4 } }, 'config.retries');
      await invalid({ events: ['User.Created'], config: cfg, enabled: 'yes' }, 'enabled');
      await invalid({ events: ['User.Created'], config: cfg, signingKey: 'mine' }, 'signingKey');
      for (const bad of [
        '',
        'not a url',
        'example.com/hook',
        'ftp://example.com/x',
        'https://u:p@127.0.0.1/x',
      ]) {
        await invalid({ events: ['User.Created'], config: { url: bad } }, 'config.url');
      }

      await expectRejected(await api('POST', '/api/hooks', { config: cfg }), 400, 'hook.missing_events');
      await expectRejected(
        await api('POST', '/api/hooks', { event: null, config: cfg }),
        400,
        'hook.missing_events',
      );

      const unavailable = await expectRejected(
        await api('POST', '/api/hooks', { events: ['User.Created', 'TrustedDevice.Created'], config: cfg }),
        400,
        'hook.event_not_available',
      );
      expect(unavailable.message).toBe(
        'TrustedDevice.Created is not emitted by idhooks yet (it needs trusted devices).',
      );
      expect(unavailable.data).toMatchObject({ event: 'TrustedDevice.Created' });
      await expectRejected(
        await api('POST', '/api/hooks', { event: 'PostSignInAdaptiveMfaTriggered', config: cfg }),
        400,
        'hook.event_not_available',
      );

      const headers = await expectRejected(
        await api('POST', '/api/hooks', {
          events: ['User.Created'],
          config: { ...cfg, headers: { 'Bad Name': 'x', Host: 'evil', 'X-Ok': 'line\r\nbreak' } },
        }),
        400,
        'hook.invalid_headers',
      );
      expect(headers.data?.problems?.map((p) => p.name)).toEqual(['Bad Name', 'Host', 'X-Ok']);

      await expectRejected(await api('POST', '/api/hooks', '{"events":'), 400, 'request.invalid_json');
      await expectRejected(
        await api('POST', '/api/hooks', 'events=x', { 'content-type': 'text/plain' }),
        415,
        'request.unsupported_media_type',
      );
      expect(await snapshot()).toBe(before);
    });

    it('rejects bad updates and leaves the hook as it was', async () => {
      const before = await snapshot();
      const path = `/api/hooks/${existing.id}`;
      await expectRejected(await api('PATCH', path, { events: [] }), 400, 'guard.invalid_input');
      await expectRejected(await api('PATCH', path, { events: ['Nope'] }), 400, 'guard.invalid_input');
      await expectRejected(await api('PATCH', path, { name: '' }), 400, 'guard.invalid_input');
      await expectRejected(await api('PATCH', path, { id: 'x' }), 400, 'guard.invalid_input');
      await expectRejected(
        await api('PATCH', path, { config: { url: 'mailto:a@b.c' } }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(await api('PATCH', path, { config: { headers: {} } }), 400, 'guard.invalid_input');
      await expectRejected(
        await api('PATCH', path, { events: ['PostSignInAdaptiveMfaTriggered'] }),
        400,
        'hook.event_not_available',
      );
      await expectRejected(
        await api('PATCH', path, {
          name: 'changed',
          config: { url: url(), headers: { 'content-length': '1' } },
        }),
        400,
        'hook.invalid_headers',
      );
      expect(await snapshot()).toBe(before);
      expect(await json(await api('GET', path))).toEqual(existing);
    });

    it("answers 404 with each route's Logto code for unknown hooks", async () => {
      const before = await snapshot();
      const cfg = { url: url(TEST_ONLY_PATH) };
      await expectRejected(await api('GET', '/api/hooks/nope'), 404, 'entity.not_exists_with_id');
      await expectRejected(await api('PATCH', '/api/hooks/nope', { name: 'x' }), 404, 'entity.not_exists');
      await expectRejected(await api('PATCH', '/api/hooks/nope/signing-key'), 404, 'entity.not_exists');
      await expectRejected(await api('DELETE', '/api/hooks/nope'), 404, 'entity.not_found');
      await expectRejected(
        await api('POST', '/api/hooks/nope/test', { events: ['User.Created'], config: cfg }),
        404,
        'entity.not_exists_with_id',
      );
      await expectRejected(
        await api('GET', '/api/hooks/nope/deliveries/dlv_nope'),
        404,
        'entity.not_exists_with_id',
      );
      expect(await snapshot()).toBe(before);
      expect(testSends()).toEqual([]);
    });

    it('rejects bad test bodies without sending anything', async () => {
      const path = `/api/hooks/${existing.id}/test`;
      const cfg = { url: url(TEST_ONLY_PATH) };
      await expectRejected(await api('POST', path, { events: [], config: cfg }), 400, 'guard.invalid_input');
      await expectRejected(
        await api('POST', path, { events: ['Nope'], config: cfg }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(await api('POST', path, { events: ['User.Created'] }), 400, 'guard.invalid_input');
      await expectRejected(
        await api('POST', path, { events: ['User.Created'], config: { url: 'nope' } }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(
        await api('POST', path, { events: ['TrustedDevice.Deleted'], config: cfg }),
        400,
        'hook.event_not_available',
      );
      await expectRejected(
        await api('POST', path, { events: ['User.Created'], config: { ...cfg, headers: { 'a:b': 'c' } } }),
        400,
        'hook.invalid_headers',
      );
      expect(testSends()).toEqual([]);
    });

    it('rejects invalid pagination', async () => {
      for (const query of ['page=0', 'page_size=101', 'page=abc', 'page_size=0', 'page=1.5']) {
        await expectRejected(await api('GET', `/api/hooks?${query}`), 400, 'guard.invalid_pagination');
      }
    });
  });

  describe('security', () => {
    const routes = (): Array<[string, string, unknown?]> => [
      ['GET', '/api/hooks'],
      [
        'POST',
        '/api/hooks',
        { events: ['User.Created'], config: { url: `${receiver.url}${TEST_ONLY_PATH}` } },
      ],
      ['GET', '/api/hooks/ID'],
      ['PATCH', '/api/hooks/ID', { name: 'pwned' }],
      ['PATCH', '/api/hooks/ID/signing-key'],
      ['DELETE', '/api/hooks/ID'],
      [
        'POST',
        '/api/hooks/ID/test',
        { events: ['User.Created'], config: { url: `${receiver.url}${TEST_ONLY_PATH}` } },
      ],
      ['GET', '/api/hooks/ID/recent-logs'],
      ['GET', '/api/hooks/ID/deliveries'],
      ['GET', '/api/hooks/ID/deliveries/dlv_x'],
    ];

    it('answers 401 on every route without a valid token and changes nothing', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: url() } });
      const before = await snapshot();
      for (const [method, template, body] of routes()) {
        const path = template.replace('ID', hook.id);
        const init = {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        };
        const missing = await env.app.request(path, init);
        await expectRejected(missing, 401, 'auth.authorization_header_missing');
        const wrong = await env.app.request(path, {
          ...init,
          headers: { ...init.headers, authorization: 'Bearer not-a-token' },
        });
        expect(wrong.status, `${method} ${path}`).toBe(401);
      }
      expect(await snapshot()).toBe(before);
      expect(testSends()).toEqual([]);
    });

    it('never returns the previous signing keys', async () => {
      const hook = await create({ events: ['User.Created'], config: { url: url() } });
      await api('PATCH', `/api/hooks/${hook.id}/signing-key`);
      const bodies = [
        await (await api('GET', `/api/hooks/${hook.id}`)).text(),
        await (await api('GET', '/api/hooks')).text(),
        await (await api('PATCH', `/api/hooks/${hook.id}`, { name: 'x' })).text(),
      ];
      for (const body of bodies) {
        expect(body).not.toContain(hook.signingKey);
        expect(body).not.toMatch(/previous/i);
      }
    });
  });

  const countHooks = async () =>
    (
      await db()
        .selectFrom('hooks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  const previousKeysOf = async (hookId: string) =>
    JSON.parse(
      (
        await db()
          .selectFrom('hooks')
          .select('previousSigningKeys')
          .where('id', '=', hookId)
          .executeTakeFirstOrThrow()
      ).previousSigningKeys,
    ) as unknown;
});
