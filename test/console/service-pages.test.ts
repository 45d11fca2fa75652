import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventTypes } from '../../src/domain/events.js';
import { buildTestPayload } from '../../src/domain/test-payloads.js';
import { verifyPassword } from '../../src/shared/passwords.js';
import { insertHook } from '../helpers/builders.js';
import { json, snapshotCounts } from '../helpers/api.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

type Payload = Record<string, unknown> & { data?: Record<string, unknown> };

/** The markup of the table with this test id (testIdText stops at the first closing tag). */
const tableOf = (html: string, testId: string) =>
  html.match(new RegExp(`data-testid="${testId}"[\\s\\S]*?</table>`))?.[0] ?? '';

/**
 * The console beyond webhooks (issue 18 item 3): users, applications, roles, API resources,
 * organizations and the events page, through the same services as the Management API.
 */
describeEachDialect('console: the whole service', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;
  const db = () => env.container.database.db;

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  const createUser = async (body: Record<string, unknown>) =>
    json<{ id: string }>(await env.api('POST', '/api/users', body));

  /** Events appended while `action` ran, oldest first. */
  async function eventsDuring(
    action: () => Promise<unknown>,
  ): Promise<Array<{ type: string; payload: Payload }>> {
    const before = new Set((await db().selectFrom('events').select('id').execute()).map((row) => row.id));
    await action();
    const rows = await db().selectFrom('events').selectAll().orderBy('createdAt').orderBy('id').execute();
    return rows
      .filter((row) => !before.has(row.id))
      .map((row) => ({ type: row.type, payload: JSON.parse(row.payload as unknown as string) as Payload }));
  }

  /**
   * What a receiver switches on, with the request's own values (time, address, agent) left out:
   * the key order, the route fields and the data's keys.
   */
  const shape = (payload: Payload) => ({
    // Keys of undefined values (no User-Agent header here) are dropped by JSON, on both sides alike.
    keys: Object.keys(payload).filter((key) => key !== 'userAgent' && key !== 'ip'),
    event: payload.event,
    path: payload.path,
    method: payload.method,
    status: payload.status,
    params: payload.params,
    matchedRoute: payload.matchedRoute,
    dataKeys: payload.data && typeof payload.data === 'object' ? Object.keys(payload.data) : payload.data,
  });

  /** Every table a refused form could have touched, and the events. */
  const state = () =>
    snapshotCounts(env, [
      'users',
      'applications',
      'roles',
      'resources',
      'scopes',
      'rolesScopes',
      'usersRoles',
      'organizations',
      'organizationUserRelations',
      'events',
    ]);

  it('lists users newest first, searches them, pages them and refuses a search too long', async () => {
    const alice = await createUser({ username: 'alice', primaryEmail: 'alice@example.org', name: 'Alice' });
    await createUser({ username: 'bob', primaryEmail: 'bob@example.org' });
    const list = await client.page('/console/users');
    expect(list).toContain(`data-user-id="${alice.id}"`);
    expect(list).toContain('aria-current="page">Users</a>');
    const found = await client.page('/console/users?search=alice%40');
    expect(found.match(/data-user-id=/g)).toHaveLength(1);
    expect(found).toContain('value="alice@"');
    const none = await client.page('/console/users?search=nobody-here');
    expect(testIdText(none, 'empty-state')).toContain('No user matches');
    const long = await client.get(`/console/users?search=${'x'.repeat(201)}`);
    expect(long.status).toBe(400);
    expect(testIdText(await long.text(), 'error')).toBe('Search for at most 200 characters.');
    expect((await client.get('/console/users?page=0')).status).toBe(400);
  });

  it('shows a user with roles, organizations, recent events and their deliveries', async () => {
    const hook = await insertHook(db(), {
      url: 'http://127.0.0.1:9/x',
      name: 'Audit',
      events: ['User.Data.Updated'],
    });
    const user = await createUser({ username: 'carol', primaryEmail: 'carol@example.org' });
    const role = await json<{ id: string }>(
      await env.api('POST', '/api/roles', { name: 'editor', description: 'Edits' }),
    );
    await env.api('POST', `/api/users/${user.id}/roles`, { roleIds: [role.id] });
    const org = await json<{ id: string }>(await env.api('POST', '/api/organizations', { name: 'Acme' }));
    await env.api('POST', `/api/organizations/${org.id}/users`, { userIds: [user.id] });
    await env.api('PATCH', `/api/users/${user.id}`, { name: 'Carol C.' });
    const html = await client.page(`/console/users/${user.id}`);
    expect(testIdText(html, 'user-id')).toBe(user.id);
    expect(testIdText(html, 'user-roles')).toBe('editor');
    expect(testIdText(html, 'user-organizations')).toBe('Acme');
    const events = html.match(/data-testid="user-events"[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(events).toContain('User.Data.Updated');
    expect(events).toContain('User.Created');
    const deliveries = html.match(/data-testid="user-deliveries"[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(deliveries).toContain(`href="/console/webhooks/${hook.id}/recent-requests/`);
    expect(deliveries).toContain('User.Data.Updated');
    const missing = await client.get('/console/users/nosuchuser');
    expect(missing.status).toBe(404);
    expect(testIdText(await missing.text(), 'error')).toBe(
      'This user does not exist. It may have been deleted.',
    );
  });

  it('suspends and reactivates a user with the same event as PATCH /users/:userId/is-suspended', async () => {
    const user = await createUser({ username: 'dave' });
    const viaConsole = await eventsDuring(async () => {
      const response = await client.post(`/console/users/${user.id}/suspend`);
      expect(response.headers.get('location')).toBe(`/console/users/${user.id}?notice=user-suspended`);
    });
    expect((await env.container.services.users.getUser(user.id)).isSuspended).toBe(true);
    expect(testIdText(await client.page(`/console/users/${user.id}`), 'user-status')).toBe('Suspended');
    await client.post(`/console/users/${user.id}/reactivate`);
    expect((await env.container.services.users.getUser(user.id)).isSuspended).toBe(false);
    const viaApi = await eventsDuring(() =>
      env.api('PATCH', `/api/users/${user.id}/is-suspended`, { isSuspended: true }),
    );
    expect(viaConsole.map((e) => e.type)).toEqual(['User.SuspensionStatus.Updated']);
    expect(shape(viaConsole[0]!.payload)).toEqual(shape(viaApi[0]!.payload));
    expect(viaConsole[0]!.payload.data).toMatchObject({ id: user.id, isSuspended: true });
    expect(viaConsole[0]!.payload.path).toBe(`/users/${user.id}/is-suspended`);
  });

  it('deletes a user after a confirmation page, with the same event as DELETE /users/:userId', async () => {
    const first = await createUser({ username: 'erin' });
    const second = await createUser({ username: 'frank' });
    const confirm = await client.page(`/console/users/${first.id}/delete`);
    expect(testIdText(confirm, 'confirm-text')).toContain('Delete erin?');
    expect(await env.container.services.users.getUser(first.id)).toBeDefined();
    const viaConsole = await eventsDuring(async () => {
      const response = await client.post(`/console/users/${first.id}/delete`);
      expect(response.headers.get('location')).toBe('/console/users?notice=user-deleted');
    });
    const viaApi = await eventsDuring(() => env.api('DELETE', `/api/users/${second.id}`));
    expect(viaConsole.map((e) => e.type)).toEqual(['User.Deleted']);
    expect(shape(viaConsole[0]!.payload)).toEqual({
      ...shape(viaApi[0]!.payload),
      path: `/users/${first.id}`,
      params: { userId: first.id },
    });
    expect((await client.get(`/console/users/${first.id}`)).status).toBe(404);
  });

  it('assigns a role to a user, refusing no choice or a machine-to-machine role with nothing changed', async () => {
    const user = await createUser({ username: 'gina' });
    const role = await json<{ id: string }>(
      await env.api('POST', '/api/roles', { name: 'viewer', description: 'Views' }),
    );
    const m2m = await json<{ id: string }>(
      await env.api('POST', '/api/roles', { name: 'robot', description: 'Bots', type: 'MachineToMachine' }),
    );
    const before = await state();
    for (const [roleId, message] of [
      ['', 'Choose the role to assign.'],
      [m2m.id, 'Invalid role type, can not assign machine-to-machine role to user.'],
      ['nosuchrole', 'The role with ID `nosuchrole` does not exist.'],
    ] as const) {
      const response = await client.post(`/console/users/${user.id}/roles`, { roleId });
      expect(response.status, roleId).toBe(400);
      expect(testIdText(await response.text(), 'error'), roleId).toContain(message);
    }
    expect(await state()).toEqual(before);
    const ok = await client.post(`/console/users/${user.id}/roles`, { roleId: role.id });
    expect(ok.status).toBe(303);
    expect(testIdText(await client.page(`/console/users/${user.id}`), 'user-roles')).toBe('viewer');
  });

  it('creates applications by type, showing a working secret once for confidential ones', async () => {
    for (const type of ['Traditional', 'MachineToMachine'] as const) {
      const response = await client.post('/console/applications', {
        name: `App ${type}`,
        type,
        redirectUris: type === 'Traditional' ? 'https://app.example/callback\nhttps://app.example/cb2' : '',
      });
      expect(response.status, type).toBe(201);
      const html = await response.text();
      const id = testIdText(html, 'application-id') ?? '';
      const secret =
        html.match(/data-testid="client-secret"|value="([^"]+)"[^>]*data-testid="client-secret"/)?.[1] ?? '';
      expect(secret, type).toMatch(/^[0-9A-Za-z]{32}$/);
      const row = await db()
        .selectFrom('applications')
        .select('secretHash')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(await verifyPassword(row.secretHash ?? '', secret)).toBe(true);
      // Shown once: the page of the application does not carry it again.
      expect(await client.page(`/console/applications/${id}`)).not.toContain(secret);
      if (type === 'Traditional') {
        expect(testIdText(html, 'redirect-uris')).toContain('https://app.example/callback');
      }
    }
    for (const type of ['SPA', 'Native'] as const) {
      const response = await client.post('/console/applications', {
        name: `App ${type}`,
        type,
        redirectUris: type === 'SPA' ? 'https://spa.example/cb' : 'io.example.app://callback',
      });
      expect(response.status, type).toBe(303);
      const location = response.headers.get('location') ?? '';
      expect(location).toMatch(/^\/console\/applications\/[0-9a-z]{21}\?notice=application-created$/);
      const html = await client.page(location);
      expect(html).not.toContain('data-testid="secret-once"');
      expect(html).toContain('None (public client)');
    }
    const list = await client.page('/console/applications');
    for (const label of ['Traditional web', 'Machine-to-machine', 'Single-page app', 'Native']) {
      expect(list).toContain(label);
    }
  });

  it('refuses a bad application form with each problem and creates nothing', async () => {
    const before = await state();
    for (const [fields, message] of [
      [{ name: '', type: 'SPA' }, 'Enter a name for the application.'],
      [{ name: 'x'.repeat(257), type: 'SPA' }, 'The name must be at most 256 characters.'],
      [{ name: 'No type' }, 'Choose the type of application.'],
      [{ name: 'Bad type', type: 'Protected' }, 'Choose the type of application.'],
      [{ name: 'Bad URI', type: 'SPA', redirectUris: 'not a uri' }, 'not a uri is not an absolute URI'],
      [
        { name: 'M2M', type: 'MachineToMachine', redirectUris: 'https://x.example/cb' },
        'Machine-to-machine applications sign no user in',
      ],
      [
        {
          name: 'Many',
          type: 'SPA',
          redirectUris: Array.from({ length: 21 }, (_, i) => `https://x.example/${i}`).join('\n'),
        },
        'Enter at most 20 redirect URIs.',
      ],
    ] as const) {
      const response = await client.post('/console/applications', fields);
      const html = await response.text();
      expect(response.status, message).toBe(400);
      expect(testIdText(html, 'error'), message).toContain('The application was not created');
      expect(html, message).toContain(message);
    }
    expect(await state()).toEqual(before);
  });

  it('rotates a secret once confirmed (the old one stops working) and deletes an application', async () => {
    const created = await client.post('/console/applications', {
      name: 'Rotating',
      type: 'MachineToMachine',
    });
    const html = await created.text();
    const id = testIdText(html, 'application-id') ?? '';
    const secretOf = (page: string) =>
      page.match(/value="([^"]+)"[^>]*data-testid="client-secret"/)?.[1] ?? '';
    const first = secretOf(html);
    expect(
      testIdText(await client.page(`/console/applications/${id}/secret/rotate`), 'confirm-text'),
    ).toContain('The current secret stops working at once');
    const rotated = await client.post(`/console/applications/${id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    const second = secretOf(await rotated.text());
    expect(second).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(second).not.toBe(first);
    const row = await db()
      .selectFrom('applications')
      .select('secretHash')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(row.secretHash ?? '', second)).toBe(true);
    expect(await verifyPassword(row.secretHash ?? '', first)).toBe(false);
    // Public clients have no secret; the admin application's comes from the configuration.
    const spa = await client.post('/console/applications', { name: 'Public', type: 'SPA' });
    const spaId = (spa.headers.get('location') ?? '').split('/')[3]?.split('?')[0] ?? '';
    const refused = await client.post(`/console/applications/${spaId}/secret/rotate`);
    expect(refused.status).toBe(400);
    expect(testIdText(await refused.text(), 'error')).toBe(
      'SPA applications are public clients and have no secret.',
    );
    const admin = await client.post(`/console/applications/${env.admin.clientId}/secret/rotate`);
    expect(admin.status).toBe(400);
    expect(
      await verifyPassword(
        (
          await db()
            .selectFrom('applications')
            .select('secretHash')
            .where('id', '=', env.admin.clientId)
            .executeTakeFirstOrThrow()
        ).secretHash ?? '',
        env.admin.clientSecret,
      ),
    ).toBe(true);
    const adminPage = await client.page(`/console/applications/${env.admin.clientId}`);
    expect(adminPage).not.toContain('/delete"');
    expect((await client.post(`/console/applications/${env.admin.clientId}/delete`)).status).toBe(422);
    expect(testIdText(await client.page(`/console/applications/${id}/delete`), 'confirm-text')).toContain(
      'Delete "Rotating"?',
    );
    const deleted = await client.post(`/console/applications/${id}/delete`);
    expect(deleted.headers.get('location')).toBe('/console/applications?notice=application-deleted');
    expect((await client.get(`/console/applications/${id}`)).status).toBe(404);
  });

  it('creates a role, refuses a bad one, and assigns permissions and users with the API’s events', async () => {
    const before = await state();
    for (const [fields, message] of [
      [{ name: '', description: 'd', type: 'User' }, 'Enter a name for the role.'],
      [{ name: 'r', description: '', type: 'User' }, 'Enter a description'],
      [{ name: 'r', description: 'd', type: 'Admin' }, 'Choose who the role is for.'],
      [{ name: 'x'.repeat(129), description: 'd', type: 'User' }, 'The name must be at most 128 characters.'],
      [{ name: 'editor', description: 'again', type: 'User' }, 'editor'],
    ] as const) {
      const response = await client.post('/console/roles', fields);
      expect(response.status, message).toBe(400);
      expect(testIdText(await response.text(), 'error'), message).toContain(message);
    }
    expect(await state()).toEqual(before);
    const created = await eventsDuring(async () => {
      const response = await client.post('/console/roles', {
        name: 'auditor',
        description: 'Reads logs',
        type: 'User',
      });
      expect(response.status).toBe(303);
    });
    const viaApi = await eventsDuring(() =>
      env.api('POST', '/api/roles', { name: 'auditor2', description: 'Reads' }),
    );
    expect(created.map((e) => e.type)).toEqual(['Role.Created']);
    expect(shape(created[0]!.payload)).toEqual(shape(viaApi[0]!.payload));
    const roleId = (created[0]!.payload.data as { id: string }).id;
    const resource = await json<{ id: string }>(
      await env.api('POST', '/api/resources', { name: 'Orders', indicator: 'https://orders.example' }),
    );
    const scope = await json<{ id: string }>(
      await env.api('POST', `/api/resources/${resource.id}/scopes`, { name: 'read:orders' }),
    );
    const page = await client.page(`/console/roles/${roleId}`);
    expect(page).toContain(`<option value="${scope.id}">read:orders</option>`);
    const badScope = await client.post(`/console/roles/${roleId}/scopes`, { scopeId: '' });
    expect(badScope.status).toBe(400);
    const unknown = await client.post(`/console/roles/${roleId}/scopes`, { scopeId: 'nosuchscope' });
    expect(unknown.status).toBe(400);
    const assigned = await eventsDuring(() =>
      client.post(`/console/roles/${roleId}/scopes`, { scopeId: scope.id }),
    );
    expect(assigned.map((e) => e.type)).toEqual(['Role.Scopes.Updated']);
    expect(assigned[0]!.payload).toMatchObject({
      matchedRoute: '/roles/:id/scopes',
      path: `/roles/${roleId}/scopes`,
    });
    expect(tableOf(await client.page(`/console/roles/${roleId}`), 'role-scopes')).toContain('read:orders');
    const user = await createUser({ username: 'hank' });
    expect((await client.post(`/console/roles/${roleId}/users`, { userId: '' })).status).toBe(400);
    expect((await client.post(`/console/roles/${roleId}/users`, { userId: 'nosuchuser' })).status).toBe(400);
    expect((await client.post(`/console/roles/${roleId}/users`, { userId: user.id })).status).toBe(303);
    expect(testIdText(await client.page(`/console/roles/${roleId}`), 'role-users')).toBe('hank');
    expect((await client.get('/console/roles/nosuchrole')).status).toBe(404);
  });

  it('creates API resources and permissions, refusing bad ones, with the API’s Scope.Created', async () => {
    const before = await state();
    for (const [fields, message] of [
      [{ name: '', indicator: 'https://a.example' }, 'Enter a name for the API.'],
      [{ name: 'A', indicator: 'not-a-uri' }, 'The API identifier must be an absolute URI'],
      [{ name: 'A', indicator: 'https://a.example#x' }, 'The API identifier must be an absolute URI'],
      [{ name: 'A', indicator: 'https://a.example', accessTokenTtl: '0' }, 'The token lifetime must be'],
      [{ name: 'A', indicator: 'https://a.example', accessTokenTtl: 'soon' }, 'The token lifetime must be'],
      [{ name: 'Dup', indicator: 'https://orders.example' }, 'https://orders.example'],
    ] as const) {
      const response = await client.post('/console/api-resources', fields);
      expect(response.status, message).toBe(400);
      expect(testIdText(await response.text(), 'error'), message).toContain(message);
    }
    expect(await state()).toEqual(before);
    const created = await client.post('/console/api-resources', {
      name: 'Billing',
      indicator: 'https://billing.example',
      accessTokenTtl: '600',
    });
    expect(created.status).toBe(303);
    const path = (created.headers.get('location') ?? '').split('?')[0] ?? '';
    const resourceId = path.split('/').at(-1) ?? '';
    expect(await client.page(path)).toContain('600 seconds');
    const beforeScopes = await state();
    for (const [fields, message] of [
      [{ scopeName: '' }, 'Enter a name for the permission.'],
      [{ scopeName: 'read all' }, 'A permission name cannot contain spaces.'],
    ] as const) {
      const response = await client.post(`${path}/scopes`, fields);
      expect(response.status, message).toBe(400);
      expect(testIdText(await response.text(), 'error'), message).toContain(message);
    }
    expect(await state()).toEqual(beforeScopes);
    const viaConsole = await eventsDuring(() =>
      client.post(`${path}/scopes`, { scopeName: 'read:invoices', scopeDescription: 'Read invoices' }),
    );
    const viaApi = await eventsDuring(() =>
      env.api('POST', `/api/resources/${resourceId}/scopes`, {
        name: 'write:invoices',
        description: 'Write',
      }),
    );
    expect(viaConsole.map((e) => e.type)).toEqual(['Scope.Created']);
    expect(shape(viaConsole[0]!.payload)).toEqual(shape(viaApi[0]!.payload));
    const duplicate = await client.post(`${path}/scopes`, { scopeName: 'read:invoices' });
    expect(duplicate.status).toBe(400);
    expect(tableOf(await client.page(path), 'resource-scopes')).toContain('read:invoices');
  });

  it('creates organizations and adds members with the API’s events, refusing bad input', async () => {
    const before = await state();
    for (const [fields, message] of [
      [{ name: '' }, 'Enter a name for the organization.'],
      [{ name: 'x'.repeat(129) }, 'The name must be at most 128 characters.'],
      [{ name: 'Ok', description: 'd'.repeat(257) }, 'The description must be at most 256 characters.'],
    ] as const) {
      const response = await client.post('/console/organizations', fields);
      expect(response.status, message).toBe(400);
      expect(testIdText(await response.text(), 'error'), message).toContain(message);
    }
    expect(await state()).toEqual(before);
    const created = await eventsDuring(() =>
      client.post('/console/organizations', { name: 'Globex', description: 'Co' }),
    );
    const viaApi = await eventsDuring(() => env.api('POST', '/api/organizations', { name: 'Initech' }));
    expect(created.map((e) => e.type)).toEqual(['Organization.Created']);
    expect(shape(created[0]!.payload)).toEqual(shape(viaApi[0]!.payload));
    const orgId = (created[0]!.payload.data as { id: string }).id;
    const user = await createUser({ username: 'ivy', primaryEmail: 'ivy@example.org' });
    const beforeMembers = await state();
    for (const userId of ['', 'nosuchuser']) {
      const response = await client.post(`/console/organizations/${orgId}/members`, { userId });
      expect(response.status, userId).toBe(400);
    }
    expect(await state()).toEqual(beforeMembers);
    const added = await eventsDuring(() =>
      client.post(`/console/organizations/${orgId}/members`, { userId: user.id }),
    );
    expect(added.map((e) => e.type)).toEqual(['Organization.Membership.Updated']);
    expect(added[0]!.payload).toMatchObject({
      matchedRoute: '/organizations/:id/users',
      path: `/organizations/${orgId}/users`,
    });
    expect(tableOf(await client.page(`/console/organizations/${orgId}`), 'organization-members')).toContain(
      'ivy',
    );
    expect(await client.page('/console/organizations')).toContain('Globex');
  });

  it('lists every catalog event with the payload a test send delivers', async () => {
    const html = await client.page('/console/events');
    for (const event of eventTypes) {
      const shown = testIdText(html, `example-${event}`);
      expect(shown, event).toBeDefined();
      const parsed = JSON.parse(shown ?? '{}') as Record<string, unknown>;
      const expected = buildTestPayload(event, 'your-hook-id', new Date(parsed.createdAt as string));
      expect(parsed, event).toEqual(JSON.parse(JSON.stringify(expected)));
    }
    expect(html).toContain('aria-current="page">Events</a>');
  });
});
