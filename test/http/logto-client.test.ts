import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createManagementApi } from '@logto/api/management';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Logto's own Management API client (`@logto/api`), unchanged, against idhooks on a real socket:
 * it fetches its token from /oidc/token with the client-credentials grant and then calls the Users
 * API, exactly as it would call Logto.
 */

/** Serves the app on 127.0.0.1 at a port the OS picks. */
async function listen(env: TestEnv): Promise<{ server: Server; baseUrl: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: env.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve({ server, baseUrl: `http://127.0.0.1:${info.port}` }),
    ) as Server;
    server.once('error', reject);
  });
}

async function close(server: Server): Promise<void> {
  // The client's fetch keeps connections alive; drop them so close() returns at once.
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

describeEachDialect('Logto Management API client (@logto/api)', (dialect) => {
  let env: TestEnv;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    ({ server, baseUrl } = await listen(env));
  });
  afterAll(async () => {
    if (server) await close(server);
    await env?.close();
  });

  const client = (apiIndicator: string) =>
    createManagementApi('default', {
      clientId: env.admin.clientId,
      clientSecret: env.admin.clientSecret,
      baseUrl,
      apiIndicator,
    }).apiClient;

  it('lists, creates, updates and deletes users with our resource indicator', async () => {
    const api = client(env.container.config.managementApiResource);

    const created = await api.POST('/api/users', {
      body: {
        username: 'logto_client_user',
        primaryEmail: 'client@example.com',
        password: 'a long enough password',
        name: 'Client User',
        customData: { source: 'logto-client' },
      },
    });
    expect(created.response.status, JSON.stringify(created.error)).toBe(200);
    const user = created.data;
    if (!user) throw new Error('no user in the response');
    expect(user).toMatchObject({
      username: 'logto_client_user',
      primaryEmail: 'client@example.com',
      name: 'Client User',
      hasPassword: true,
      customData: { source: 'logto-client' },
    });

    const listed = await api.GET('/api/users', { params: { query: { page: 1, page_size: 20 } } });
    expect(listed.response.status).toBe(200);
    expect(listed.response.headers.get('total-number')).toBe('1');
    expect(listed.data?.map((u) => u.id)).toEqual([user.id]);

    const fetched = await api.GET('/api/users/{userId}', { params: { path: { userId: user.id } } });
    expect(fetched.data?.username).toBe('logto_client_user');

    const updated = await api.PATCH('/api/users/{userId}', {
      params: { path: { userId: user.id } },
      body: { name: 'Renamed', primaryPhone: '15550001111' },
    });
    expect(updated.response.status, JSON.stringify(updated.error)).toBe(200);
    expect(updated.data).toMatchObject({ name: 'Renamed', primaryPhone: '15550001111' });

    const customData = await api.PATCH('/api/users/{userId}/custom-data', {
      params: { path: { userId: user.id } },
      body: { customData: { plan: 'pro' } },
    });
    expect(customData.response.status).toBe(200);

    const suspended = await api.PATCH('/api/users/{userId}/is-suspended', {
      params: { path: { userId: user.id } },
      body: { isSuspended: true },
    });
    expect(suspended.data?.isSuspended).toBe(true);

    const deleted = await api.DELETE('/api/users/{userId}', { params: { path: { userId: user.id } } });
    expect(deleted.response.status).toBe(204);

    const gone = await api.GET('/api/users/{userId}', { params: { path: { userId: user.id } } });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toMatchObject({ code: 'entity.not_exists_with_id' });
    expect(gone.response.headers.get('x-request-id')).toBeTruthy();
  });

  it("works with Logto OSS's fixed indicator and reads Logto-shaped errors", async () => {
    const api = client('https://default.logto.app/api');
    const first = await api.POST('/api/users', { body: { username: 'duplicate_name' } });
    expect(first.response.status).toBe(200);
    const second = await api.POST('/api/users', { body: { username: 'duplicate_name' } });
    expect(second.response.status).toBe(422);
    expect(second.error).toMatchObject({ code: 'user.username_already_in_use' });
  });

  it('surfaces a failed token request as the client would for Logto', async () => {
    const api = createManagementApi('default', {
      clientId: env.admin.clientId,
      clientSecret: 'not-the-secret-0123456789',
      baseUrl,
      apiIndicator: env.container.config.managementApiResource,
    }).apiClient;
    await expect(api.GET('/api/users')).rejects.toThrow(/Failed to fetch access token: 401/);
  });
});

describe('listen helper', () => {
  it('binds to 127.0.0.1 only', async () => {
    const env = await createTestEnv('sqlite');
    const { server } = await listen(env);
    try {
      expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
    } finally {
      await close(server);
      await env.close();
    }
  });
});
