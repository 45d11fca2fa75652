import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertHook, setHookEnabled } from '../helpers/builders.js';
import { json } from '../helpers/api.js';
import { createUser, eventsDuring, serviceState, shape, tableOf } from '../helpers/console-service.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Console users pages (issue 18 item 3): list, search, details, suspend, delete and role assignment,
 * through the same services as the Management API and with the same events.
 */
describeEachDialect('console: users', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;
  const db = () => env.container.database.db;

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  it('lists users newest first, searches them, pages them and refuses a search too long', async () => {
    const alice = await createUser(env, {
      username: 'alice',
      primaryEmail: 'alice@example.org',
      name: 'Alice',
    });
    await createUser(env, { username: 'bob', primaryEmail: 'bob@example.org' });
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
    const user = await createUser(env, { username: 'carol', primaryEmail: 'carol@example.org' });
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
    expect(deliveries).toContain('Pending');
    // A disabled hook's waiting delivery is held, here as on the hook's own pages.
    await setHookEnabled(db(), hook.id, false);
    const held = tableOf(await client.page(`/console/users/${user.id}`), 'user-deliveries');
    expect(held).toContain('Held (webhook disabled)');
    const missing = await client.get('/console/users/nosuchuser');
    expect(missing.status).toBe(404);
    expect(testIdText(await missing.text(), 'error')).toBe(
      'This user does not exist. It may have been deleted.',
    );
  });

  it('suspends and reactivates a user with the same event as PATCH /users/:userId/is-suspended', async () => {
    const user = await createUser(env, { username: 'dave' });
    const viaConsole = await eventsDuring(env, async () => {
      const response = await client.post(`/console/users/${user.id}/suspend`);
      expect(response.headers.get('location')).toBe(`/console/users/${user.id}?notice=user-suspended`);
    });
    expect((await env.container.services.users.getUser(user.id)).isSuspended).toBe(true);
    expect(testIdText(await client.page(`/console/users/${user.id}`), 'user-status')).toBe('Suspended');
    await client.post(`/console/users/${user.id}/reactivate`);
    expect((await env.container.services.users.getUser(user.id)).isSuspended).toBe(false);
    const viaApi = await eventsDuring(env, () =>
      env.api('PATCH', `/api/users/${user.id}/is-suspended`, { isSuspended: true }),
    );
    expect(viaConsole.map((e) => e.type)).toEqual(['User.SuspensionStatus.Updated']);
    expect(shape(viaConsole[0]!.payload)).toEqual(shape(viaApi[0]!.payload));
    expect(viaConsole[0]!.payload.data).toMatchObject({ id: user.id, isSuspended: true });
    expect(viaConsole[0]!.payload.path).toBe(`/users/${user.id}/is-suspended`);
  });

  it('deletes a user after a confirmation page, with the same event as DELETE /users/:userId', async () => {
    const first = await createUser(env, { username: 'erin' });
    const second = await createUser(env, { username: 'frank' });
    const confirm = await client.page(`/console/users/${first.id}/delete`);
    expect(testIdText(confirm, 'confirm-text')).toContain('Delete erin?');
    expect(await env.container.services.users.getUser(first.id)).toBeDefined();
    const viaConsole = await eventsDuring(env, async () => {
      const response = await client.post(`/console/users/${first.id}/delete`);
      expect(response.headers.get('location')).toBe('/console/users?notice=user-deleted');
    });
    const viaApi = await eventsDuring(env, () => env.api('DELETE', `/api/users/${second.id}`));
    expect(viaConsole.map((e) => e.type)).toEqual(['User.Deleted']);
    expect(shape(viaConsole[0]!.payload)).toEqual({
      ...shape(viaApi[0]!.payload),
      path: `/users/${first.id}`,
      params: { userId: first.id },
    });
    expect((await client.get(`/console/users/${first.id}`)).status).toBe(404);
  });

  it('assigns a role to a user, refusing no choice or a machine-to-machine role with nothing changed', async () => {
    const user = await createUser(env, { username: 'gina' });
    const role = await json<{ id: string }>(
      await env.api('POST', '/api/roles', { name: 'viewer', description: 'Views' }),
    );
    const m2m = await json<{ id: string }>(
      await env.api('POST', '/api/roles', { name: 'robot', description: 'Bots', type: 'MachineToMachine' }),
    );
    const before = await serviceState(env);
    for (const [roleId, message] of [
      ['', 'Choose the role to assign.'],
      [m2m.id, 'Invalid role type, can not assign machine-to-machine role to user.'],
      ['nosuchrole', 'The role with ID `nosuchrole` does not exist.'],
    ] as const) {
      const response = await client.post(`/console/users/${user.id}/roles`, { roleId });
      expect(response.status, roleId).toBe(400);
      expect(testIdText(await response.text(), 'error'), roleId).toContain(message);
    }
    expect(await serviceState(env)).toEqual(before);
    const ok = await client.post(`/console/users/${user.id}/roles`, { roleId: role.id });
    expect(ok.status).toBe(303);
    expect(testIdText(await client.page(`/console/users/${user.id}`), 'user-roles')).toBe('viewer');
  });
});
