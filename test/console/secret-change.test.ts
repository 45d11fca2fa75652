import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { signInToConsole } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, TEST_ADMIN, type TestEnv } from '../helpers/test-db.js';

/** Issue 13 item 4 (console part): changing the admin secret ends the console sessions it opened. */
describeEachDialect('console: sessions end when the admin secret changes', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(dialect);
  });
  afterAll(() => env?.close());

  it('keeps a session while the secret stands, and ends it on every node once a restart changes it', async () => {
    const client = await signInToConsole(env);
    expect((await client.get('/console/webhooks')).status).toBe(200);
    // The way a secret changes today: a (re)start with another IDHOOKS_ADMIN_CLIENT_SECRET.
    const restarted = createContainer(
      loadConfig({
        DATABASE_URL: env.database.url,
        IDHOOKS_LOG_LEVEL: 'silent',
        IDHOOKS_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
        IDHOOKS_ADMIN_CLIENT_SECRET: 'a-brand-new-admin-secret-0987654321',
      }),
      { pgSchema: env.database.pgSchema },
    );
    try {
      await restarted.init();
      await restarted.services.auth.ensureAdminApplication();
    } finally {
      await restarted.close();
    }
    const after = await client.get('/console/webhooks');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/console\/sign-in/);
    const rows = await env.container.database.db.selectFrom('consoleSessions').select('id').execute();
    expect(rows).toEqual([]);
  });
});
