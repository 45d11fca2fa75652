import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { eventually, insertHook, type HookFixture } from '../helpers/builders.js';
import { expectStatus } from '../helpers/api.js';

/**
 * `User.Roles.Updated` and `Organization.MemberRoles.Updated` (issue 17) reach a real receiver on
 * 127.0.0.1 as committed: the stored payload's bytes with `hookId` last, signed like every event.
 */
describeEachDialect('role-change events: delivery', (dialect) => {
  let env: TestEnv;
  let receiver: Receiver;
  let hook: HookFixture;

  beforeAll(async () => {
    receiver = await startReceiver();
    env = await createTestEnv(dialect, { env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' } });
    hook = await insertHook(env.container.database.db, {
      url: `${receiver.url}/hook`,
      events: ['User.Roles.Updated', 'Organization.MemberRoles.Updated'],
    });
    await env.container.delivery.engine.start();
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  const create = async (path: string, body: unknown, status = 201) =>
    (await expectStatus<{ id: string }>(await env.api('POST', path, body), status)).id;

  /** The one delivery of `event`, checked against the stored payload and the hook's key. */
  async function delivered(event: string) {
    const request = await eventually(
      async () => receiver.requests.find((r) => r.body.includes(`"${event}"`)),
      {
        what: `a ${event} delivery`,
      },
    );
    const stored = await env.container.database.db
      .selectFrom('events')
      .select('payload')
      .where('type', '=', event)
      .executeTakeFirstOrThrow();
    expect(request.body).toBe(`${stored.payload.slice(0, -1)},"hookId":"${hook.id}"}`);
    const signature = createHmac('sha256', hook.signingKey).update(request.body).digest('hex');
    expect(request.headers['logto-signature-sha-256']).toBe(signature);
    console.info(`${dialect}: ${event} delivered: ${request.body}`);
    return JSON.parse(request.body) as Record<string, unknown>;
  }

  it('delivers User.Roles.Updated', async () => {
    const userId = await create('/api/users', { username: 'delivered_roles' }, 200);
    const roleId = await create('/api/roles', { name: 'editor', description: 'Edits' }, 200);
    await expectStatus(await env.api('POST', `/api/users/${userId}/roles`, { roleIds: [roleId] }), 201);
    const body = await delivered('User.Roles.Updated');
    expect(body.data).toEqual({ userId, roleIds: [roleId], addedRoleIds: [roleId], removedRoleIds: [] });
  });

  it('delivers Organization.MemberRoles.Updated', async () => {
    const userId = await create('/api/users', { username: 'delivered_member' }, 200);
    const organizationId = await create('/api/organizations', { name: 'Delivered Org' });
    const organizationRoleId = await create('/api/organization-roles', { name: 'viewer' });
    await expectStatus(
      await env.api('POST', `/api/organizations/${organizationId}/users`, { userIds: [userId] }),
      201,
    );
    const path = `/api/organizations/${organizationId}/users/${userId}/roles`;
    await expectStatus(await env.api('PUT', path, { organizationRoleIds: [organizationRoleId] }), 204);
    const body = await delivered('Organization.MemberRoles.Updated');
    expect(body.data).toEqual({
      organizationId,
      userId,
      organizationRoleIds: [organizationRoleId],
      addedOrganizationRoleIds: [organizationRoleId],
      removedOrganizationRoleIds: [],
    });
  });
});
