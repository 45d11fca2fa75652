import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventTypes } from '../../src/domain/events.js';
import { buildTestPayload } from '../../src/domain/test-payloads.js';
import { json } from '../helpers/api.js';
import { createUser, eventsDuring, serviceState, shape, tableOf } from '../helpers/console-service.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Console roles, API resources, organizations and events pages (issue 18 item 3), with the
 * Management API's events for each change.
 */
describeEachDialect('console: roles, API resources, organizations, events', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  it('creates a role, refuses a bad one, and assigns permissions and users with the API’s events', async () => {
    await env.api('POST', '/api/roles', { name: 'editor', description: 'Edits' });
    const before = await serviceState(env);
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
    expect(await serviceState(env)).toEqual(before);
    const created = await eventsDuring(env, async () => {
      const response = await client.post('/console/roles', {
        name: 'auditor',
        description: 'Reads logs',
        type: 'User',
      });
      expect(response.status).toBe(303);
    });
    const viaApi = await eventsDuring(env, () =>
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
    const assigned = await eventsDuring(env, () =>
      client.post(`/console/roles/${roleId}/scopes`, { scopeId: scope.id }),
    );
    expect(assigned.map((e) => e.type)).toEqual(['Role.Scopes.Updated']);
    expect(assigned[0]!.payload).toMatchObject({
      matchedRoute: '/roles/:id/scopes',
      path: `/roles/${roleId}/scopes`,
    });
    expect(tableOf(await client.page(`/console/roles/${roleId}`), 'role-scopes')).toContain('read:orders');
    const user = await createUser(env, { username: 'hank' });
    expect((await client.post(`/console/roles/${roleId}/users`, { userId: '' })).status).toBe(400);
    expect((await client.post(`/console/roles/${roleId}/users`, { userId: 'nosuchuser' })).status).toBe(400);
    expect((await client.post(`/console/roles/${roleId}/users`, { userId: user.id })).status).toBe(303);
    expect(testIdText(await client.page(`/console/roles/${roleId}`), 'role-users')).toBe('hank');
    expect((await client.get('/console/roles/nosuchrole')).status).toBe(404);
  });

  it('creates API resources and permissions, refusing bad ones, with the API’s Scope.Created', async () => {
    const before = await serviceState(env);
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
    expect(await serviceState(env)).toEqual(before);
    const created = await client.post('/console/api-resources', {
      name: 'Billing',
      indicator: 'https://billing.example',
      accessTokenTtl: '600',
    });
    expect(created.status).toBe(303);
    const path = (created.headers.get('location') ?? '').split('?')[0] ?? '';
    const resourceId = path.split('/').at(-1) ?? '';
    expect(await client.page(path)).toContain('600 seconds');
    const beforeScopes = await serviceState(env);
    for (const [fields, message] of [
      [{ scopeName: '' }, 'Enter a name for the permission.'],
      [{ scopeName: 'read all' }, 'A permission name cannot contain spaces.'],
    ] as const) {
      const response = await client.post(`${path}/scopes`, fields);
      expect(response.status, message).toBe(400);
      expect(testIdText(await response.text(), 'error'), message).toContain(message);
    }
    expect(await serviceState(env)).toEqual(beforeScopes);
    const viaConsole = await eventsDuring(env, () =>
      client.post(`${path}/scopes`, { scopeName: 'read:invoices', scopeDescription: 'Read invoices' }),
    );
    const viaApi = await eventsDuring(env, () =>
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
    const before = await serviceState(env);
    for (const [fields, message] of [
      [{ name: '' }, 'Enter a name for the organization.'],
      [{ name: 'x'.repeat(129) }, 'The name must be at most 128 characters.'],
      [{ name: 'Ok', description: 'd'.repeat(257) }, 'The description must be at most 256 characters.'],
    ] as const) {
      const response = await client.post('/console/organizations', fields);
      expect(response.status, message).toBe(400);
      expect(testIdText(await response.text(), 'error'), message).toContain(message);
    }
    expect(await serviceState(env)).toEqual(before);
    const created = await eventsDuring(env, () =>
      client.post('/console/organizations', { name: 'Globex', description: 'Co' }),
    );
    const viaApi = await eventsDuring(env, () => env.api('POST', '/api/organizations', { name: 'Initech' }));
    expect(created.map((e) => e.type)).toEqual(['Organization.Created']);
    expect(shape(created[0]!.payload)).toEqual(shape(viaApi[0]!.payload));
    const orgId = (created[0]!.payload.data as { id: string }).id;
    const user = await createUser(env, { username: 'ivy', primaryEmail: 'ivy@example.org' });
    const beforeMembers = await serviceState(env);
    for (const userId of ['', 'nosuchuser']) {
      const response = await client.post(`/console/organizations/${orgId}/members`, { userId });
      expect(response.status, userId).toBe(400);
    }
    expect(await serviceState(env)).toEqual(beforeMembers);
    const added = await eventsDuring(env, () =>
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
