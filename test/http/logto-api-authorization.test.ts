import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createManagementApi } from '@logto/api/management';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataEvents } from '../../src/domain/events.js';
import { newSecret, newStandardId } from '../../src/shared/ids.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * A sample of the authorization routes through Logto's own client (`@logto/api`) on a real socket,
 * with the delivery engine running and a loopback receiver subscribed to every data event: what
 * the receiver gets is exactly what was committed, plus `hookId` as the last key, signed.
 */
describeEachDialect('authorization events through @logto/api and a real receiver', (dialect) => {
  let env: TestEnv;
  let server: Server;
  let receiver: Receiver;
  let api: ReturnType<typeof createManagementApi>['apiClient'];
  const hook = { id: newStandardId(), signingKey: newSecret() };

  beforeAll(async () => {
    env = await createTestEnv(dialect, { env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' } });
    receiver = await startReceiver({ validateEvents: true });
    const db = env.container.database.db;
    const now = Date.now();
    await db
      .insertInto('hooks')
      .values({
        id: hook.id,
        name: 'receiver',
        event: null,
        events: JSON.stringify(dataEvents),
        config: JSON.stringify({ url: `${receiver.url}/hook` }),
        signingKey: hook.signingKey,
        enabled: 1,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    await db
      .insertInto('hookSubscriptions')
      .values(dataEvents.map((event) => ({ hookId: hook.id, event })))
      .execute();
    await env.container.delivery.engine.start();
    const baseUrl = await new Promise<string>((resolve) => {
      server = serve({ fetch: env.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
        resolve(`http://127.0.0.1:${info.port}`),
      ) as Server;
    });
    api = createManagementApi('default', {
      clientId: env.admin.clientId,
      clientSecret: env.admin.clientSecret,
      baseUrl,
      apiIndicator: env.container.config.managementApiResource,
    }).apiClient;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await receiver?.close();
    await env?.close();
  });

  it('delivers role, organization, membership and organization role events as committed', async () => {
    const resource = await api.POST('/api/resources', {
      body: { name: 'Docs', indicator: 'https://docs.example.com' },
    });
    expect(resource.response.status).toBe(201);
    const scope = await api.POST('/api/resources/{resourceId}/scopes', {
      params: { path: { resourceId: resource.data!.id } },
      body: { name: 'read:docs' },
    });
    const role = await api.POST('/api/roles', {
      body: { name: 'reader', description: 'Reads docs', scopeIds: [scope.data!.id] },
    });
    expect(role.response.status).toBe(200);
    const roleScopes = await api.GET('/api/roles/{id}/scopes', { params: { path: { id: role.data!.id } } });
    expect(roleScopes.data?.map((s) => s.resource.indicator)).toEqual(['https://docs.example.com']);

    const user = await api.POST('/api/users', {
      body: { username: 'logto_api_member', primaryEmail: 'm@example.com' },
    });
    const org = await api.POST('/api/organizations', { body: { name: 'Via client' } });
    expect(org.response.status).toBe(201);
    const members = await api.PUT('/api/organizations/{id}/users', {
      params: { path: { id: org.data!.id } },
      body: { userIds: [user.data!.id] },
    });
    expect(members.response.status).toBe(204);
    const orgScope = await api.POST('/api/organization-scopes', { body: { name: 'read:members' } });
    const orgRole = await api.POST('/api/organization-roles', {
      body: { name: 'viewer', organizationScopeIds: [orgScope.data!.id], resourceScopeIds: [] },
    });
    expect(orgRole.response.status).toBe(201);
    const listed = await api.GET('/api/organizations/{id}/users', { params: { path: { id: org.data!.id } } });
    expect(listed.data?.map((m) => m.id)).toEqual([user.data!.id]);

    const committed = await env.container.database.db
      .selectFrom('events')
      .select(['id', 'type', 'payload'])
      .execute();
    const received = await receiver.waitFor(committed.length);
    const bodies = new Map(received.map((request) => [request.body, request]));
    for (const event of committed) {
      const body = `${event.payload.slice(0, -1)},"hookId":"${hook.id}"}`;
      const request = bodies.get(body);
      expect(request, `no delivery of ${event.type} with the committed bytes`).toBeDefined();
      const expected = createHmac('sha256', hook.signingKey).update(body).digest('hex');
      expect(request!.headers['logto-signature-sha-256']).toBe(expected);
      const payload = JSON.parse(body) as Record<string, unknown>;
      expect(Object.keys(payload).at(-1)).toBe('hookId');
      // A real socket: the payload carries the caller's address right after its user agent.
      expect(Object.keys(payload).slice(0, 4)).toEqual(['event', 'createdAt', 'userAgent', 'ip']);
      expect(payload.ip).toBe('127.0.0.1');
    }
    expect(committed.map((e) => e.type)).toEqual([
      'Scope.Created',
      'Role.Scopes.Updated',
      'Role.Created',
      'User.Created',
      'Organization.Created',
      'Organization.Membership.Updated',
      'OrganizationScope.Created',
      'OrganizationRole.Scopes.Updated',
      'OrganizationRole.Created',
    ]);
    const membership = JSON.parse(committed[5]!.payload) as Record<string, unknown>;
    expect(membership).toMatchObject({
      path: `/organizations/${org.data!.id}/users`,
      method: 'PUT',
      status: 204,
      params: { id: org.data!.id },
      matchedRoute: '/organizations/:id/users',
      organizationId: org.data!.id,
      addedUserIds: [user.data!.id],
    });
  });
});
