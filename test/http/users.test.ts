import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

interface User {
  id: string;
  username: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  name: string | null;
  customData: Record<string, unknown>;
  profile: Record<string, unknown>;
  isSuspended: boolean;
  hasPassword: boolean;
  updatedAt: number;
}

const USER_KEYS = [
  'id',
  'username',
  'primaryEmail',
  'primaryPhone',
  'name',
  'avatar',
  'customData',
  'identities',
  'lastSignInAt',
  'createdAt',
  'updatedAt',
  'profile',
  'applicationId',
  'cimdClientId',
  'isSuspended',
  'hasPassword',
];

describeEachDialect('Users API', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(async () => env.close());

  const json = async <T>(response: Response) => (await response.json()) as T;
  const countRows = async (table: 'users' | 'events') => {
    const row = await env.container.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const create = async (body: Record<string, unknown>) => {
    const response = await env.api('POST', '/api/users', body);
    expect(response.status, await response.clone().text()).toBe(200);
    return json<User>(response);
  };

  describe('happy path', () => {
    it('creates a user with Logto fields in Logto order, never a hash', async () => {
      const user = await create({
        username: 'alice',
        primaryEmail: 'alice@example.com',
        password: 'correct horse',
        name: 'Alice',
        customData: { plan: 'free' },
      });
      expect(Object.keys(user)).toEqual(USER_KEYS);
      expect(user.id).toMatch(/^[0-9a-z]{12}$/);
      expect(user).toMatchObject({
        username: 'alice',
        hasPassword: true,
        isSuspended: false,
        customData: { plan: 'free' },
      });
      expect(JSON.stringify(user)).not.toMatch(/argon|"password/i);
    });

    it('answers a create with exactly the user a read returns, on both databases', async () => {
      const created = await create({
        username: 'readback',
        primaryEmail: 'Read.Back@Example.com',
        primaryPhone: '4420',
        password: 'pw',
        name: 'Read Back',
        avatar: '',
        customData: { nested: { list: [1, 'two', null, { deep: true }] }, n: 1.5 },
        profile: { nickname: 'rb', address: { country: 'FR' } },
      });
      const read = await env.api('GET', `/api/users/${created.id}`);
      expect(await read.text()).toBe(JSON.stringify(created));
      const listed = await json<User[]>(await env.api('GET', '/api/users?search=readback'));
      expect(listed).toEqual([created]);
    });

    it('lets a user keep its own identifiers on update, emails compared case-insensitively', async () => {
      const user = await create({
        username: 'keeper',
        primaryEmail: 'Keeper@Example.com',
        primaryPhone: '771',
      });
      const response = await env.api('PATCH', `/api/users/${user.id}`, {
        username: 'keeper',
        primaryEmail: 'KEEPER@example.com',
        primaryPhone: '771',
      });
      expect(response.status, await response.clone().text()).toBe(200);
      expect((await json<User>(response)).primaryEmail).toBe('KEEPER@example.com');
    });

    it('gets, updates, replaces custom data, merges profile, sets password and suspends', async () => {
      const user = await create({ username: 'bob' });
      expect(user.hasPassword).toBe(false);

      const got = await json<User>(await env.api('GET', `/api/users/${user.id}`));
      expect(got.username).toBe('bob');

      const updated = await json<User>(
        await env.api('PATCH', `/api/users/${user.id}`, { name: 'Bob B', primaryPhone: '123456' }),
      );
      expect(updated).toMatchObject({ name: 'Bob B', primaryPhone: '123456' });

      const custom = await env.api('PATCH', `/api/users/${user.id}/custom-data`, { customData: { a: 1 } });
      expect(await json(custom)).toEqual({ a: 1 });

      await env.api('PATCH', `/api/users/${user.id}/profile`, { profile: { nickname: 'bobby' } });
      const profile = await env.api('PATCH', `/api/users/${user.id}/profile`, { profile: { locale: 'en' } });
      expect(await json(profile)).toEqual({ nickname: 'bobby', locale: 'en' });

      const withPassword = await json<User>(
        await env.api('PATCH', `/api/users/${user.id}/password`, { password: 'n3w-secret' }),
      );
      expect(withPassword.hasPassword).toBe(true);

      const suspended = await json<User>(
        await env.api('PATCH', `/api/users/${user.id}/is-suspended`, { isSuspended: true }),
      );
      expect(suspended.isSuspended).toBe(true);
    });

    it('lists with pagination headers and searches username, email, phone and name', async () => {
      for (let i = 0; i < 5; i++)
        await create({ username: `list_${i}`, primaryEmail: `list${i}@example.org` });
      await create({ username: 'zed', name: 'Needle In Haystack', primaryPhone: '5550100' });

      const page = await env.api('GET', '/api/users?page=2&page_size=2');
      expect(page.status).toBe(200);
      const total = Number(page.headers.get('Total-Number'));
      expect(total).toBeGreaterThanOrEqual(6);
      expect(await json<User[]>(page)).toHaveLength(2);
      const link = page.headers.get('Link') ?? '';
      expect(link).toContain('rel="first"');
      expect(link).toContain('page=1&page_size=2>; rel="prev"');
      expect(link).toContain('page=3&page_size=2>; rel="next"');
      expect(link).toContain('rel="last"');

      const byName = await json<User[]>(await env.api('GET', '/api/users?search=haystack'));
      expect(byName.map((u) => u.username)).toEqual(['zed']);
      const byPhone = await json<User[]>(await env.api('GET', '/api/users?search=555010'));
      expect(byPhone.map((u) => u.username)).toEqual(['zed']);
      const byEmail = await json<User[]>(await env.api('GET', '/api/users?search=LIST3@EXAMPLE'));
      expect(byEmail.map((u) => u.username)).toEqual(['list_3']);
      const wildcard = await json<User[]>(await env.api('GET', '/api/users?search=%25'));
      expect(wildcard).toEqual([]);
    });

    it('deletes a user', async () => {
      const user = await create({ username: 'doomed' });
      expect((await env.api('DELETE', `/api/users/${user.id}`)).status).toBe(204);
      expect((await env.api('GET', `/api/users/${user.id}`)).status).toBe(404);
    });
  });

  describe('bad input changes nothing', () => {
    const expectRejected = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      const body = await json<{ code: string; message: string }>(response);
      expect(body.code).toBe(code);
      expect(body.message.length).toBeGreaterThan(0);
      return body;
    };

    it('rejects duplicates with Logto codes', async () => {
      await create({ username: 'taken', primaryEmail: 'Taken@Example.com', primaryPhone: '999' });
      const before = [await countRows('users'), await countRows('events')];
      await expectRejected(
        await env.api('POST', '/api/users', { username: 'taken' }),
        422,
        'user.username_already_in_use',
      );
      await expectRejected(
        await env.api('POST', '/api/users', { primaryEmail: 'taken@example.COM' }),
        422,
        'user.email_already_in_use',
      );
      await expectRejected(
        await env.api('POST', '/api/users', { primaryPhone: '999' }),
        422,
        'user.phone_already_in_use',
      );
      const other = await create({ username: 'other' });
      await expectRejected(
        await env.api('PATCH', `/api/users/${other.id}`, { username: 'taken' }),
        422,
        'user.username_already_in_use',
      );
      await expectRejected(
        await env.api('PATCH', `/api/users/${other.id}`, { primaryEmail: 'TAKEN@example.com' }),
        422,
        'user.email_already_in_use',
      );
      await expectRejected(
        await env.api('PATCH', `/api/users/${other.id}`, { primaryPhone: '999' }),
        422,
        'user.phone_already_in_use',
      );
      expect([await countRows('users'), await countRows('events')]).toEqual([before[0]! + 1, before[1]! + 1]);
      const unchanged = await json<User>(await env.api('GET', `/api/users/${other.id}`));
      expect(unchanged.username).toBe('other');
    });

    it('lets exactly one of concurrent creates with one identifier win, the others get its code', async () => {
      const before = [await countRows('users'), await countRows('events')];
      const responses = await Promise.all(
        ['Same@Example.com', 'same@example.com', 'SAME@EXAMPLE.COM', 'same@Example.COM'].map((email) =>
          env.api('POST', '/api/users', { primaryEmail: email }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 422, 422, 422]);
      for (const response of responses.filter((r) => r.status === 422))
        expect((await json<{ code: string }>(response)).code).toBe('user.email_already_in_use');
      expect([await countRows('users'), await countRows('events')]).toEqual([before[0]! + 1, before[1]! + 1]);
    });

    it('rejects unknown and mistyped fields with their paths', async () => {
      const before = await countRows('users');
      const body = await expectRejected(
        await env.api('POST', '/api/users', {
          username: 'ok_name',
          extra: 1,
          customData: 'nope',
          profile: { address: { planet: 'x' } },
        }),
        400,
        'guard.invalid_input',
      );
      const paths = (body as unknown as { data: { details: { path: string }[] } }).data.details.map(
        (d) => d.path,
      );
      expect(paths).toEqual(expect.arrayContaining(['extra', 'customData', 'profile.address.planet']));
      await expectRejected(
        await env.api('POST', '/api/users', { username: '1starts-with-digit' }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(
        await env.api('POST', '/api/users', { primaryEmail: 'not-an-email' }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(
        await env.api('POST', '/api/users', { primaryPhone: '+1 555' }),
        400,
        'guard.invalid_input',
      );
      await expectRejected(
        await env.api('PATCH', '/api/users/x/is-suspended', { isSuspended: 'yes' }),
        400,
        'guard.invalid_input',
      );
      expect(await countRows('users')).toBe(before);
    });

    it('rejects malformed JSON, a wrong content type and an oversized body', async () => {
      await expectRejected(await env.api('POST', '/api/users', '{"username":'), 400, 'request.invalid_json');
      await expectRejected(
        await env.api('POST', '/api/users', 'username=x', {
          'content-type': 'application/x-www-form-urlencoded',
        }),
        415,
        'request.unsupported_media_type',
      );
      const big = JSON.stringify({ username: 'big', customData: { blob: 'x'.repeat(1_100_000) } });
      await expectRejected(await env.api('POST', '/api/users', big), 413, 'request.body_too_large');
    });

    it('refuses NUL characters anywhere and pages past any offset with 400 on both databases (were 500s)', async () => {
      const user = await create({ username: 'nul_target' });
      const before = [await countRows('users'), await countRows('events')];
      for (const [method, path, body] of [
        ['POST', '/api/users', { username: 'nul_new', name: 'a\u0000b' }],
        ['PATCH', `/api/users/${user.id}`, { name: 'x\u0000' }],
        ['PATCH', `/api/users/${user.id}/custom-data`, { customData: { 'k\u0000': 1 } }],
        ['GET', '/api/users?search=%00', undefined],
        ['GET', '/api/users/%00', undefined],
      ] as const) {
        await expectRejected(await env.api(method, path, body), 400, 'guard.invalid_input');
      }
      await expectRejected(
        await env.api('GET', '/api/users?page=99999999999999999999'),
        400,
        'guard.invalid_pagination',
      );
      expect([await countRows('users'), await countRows('events')]).toEqual(before);
      expect((await json<User>(await env.api('GET', `/api/users/${user.id}`))).name).toBeNull();
    });

    it('refuses customData nested deeper than storing it can serialise (was a 500)', async () => {
      const user = await create({ username: 'deep' });
      const deep = `{"customData":{"a":${'['.repeat(20_000)}1${']'.repeat(20_000)}}}`;
      const before = await countRows('events');
      await expectRejected(
        await env.api('PATCH', `/api/users/${user.id}/custom-data`, deep),
        400,
        'guard.invalid_input',
      );
      await expectRejected(await env.api('POST', '/api/users', deep), 400, 'guard.invalid_input');
      expect(await countRows('events')).toBe(before);
      expect((await json<User>(await env.api('GET', `/api/users/${user.id}`))).customData).toEqual({});
    });

    it('answers 404 with Logto codes for unknown users, and invalid pagination with 400', async () => {
      for (const [method, path, body] of [
        ['GET', '/api/users/nope', undefined],
        ['PATCH', '/api/users/nope', { name: 'x' }],
        ['PATCH', '/api/users/nope/custom-data', { customData: {} }],
        ['PATCH', '/api/users/nope/profile', { profile: {} }],
        ['PATCH', '/api/users/nope/password', { password: 'x' }],
        ['PATCH', '/api/users/nope/is-suspended', { isSuspended: true }],
        ['DELETE', '/api/users/nope', undefined],
      ] as const) {
        await expectRejected(await env.api(method, path, body), 404, 'entity.not_exists_with_id');
      }
      await expectRejected(await env.api('GET', '/api/users?page_size=101'), 400, 'guard.invalid_pagination');
      await expectRejected(await env.api('GET', '/api/users?page=0'), 400, 'guard.invalid_pagination');
      await expectRejected(await env.api('GET', '/api/users?page=abc'), 400, 'guard.invalid_pagination');
    });
  });
});
