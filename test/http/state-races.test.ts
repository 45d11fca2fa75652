import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { expectStatus } from '../helpers/api.js';
import { TestBrowser } from '../helpers/experience.js';
import { createTestDatabase, createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/** Issue 13 item 10: concurrent bootstraps and parallel steps of one interaction lose nothing. */
const PASSWORD = 'Correct-Horse-42';

describeEachDialect('state races', (dialect) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(dialect, { env: { IDHOOKS_LOCKOUT_MAX_ATTEMPTS: '1000' } });
  });
  afterAll(() => env?.close());

  it('creates exactly one admin application when four nodes without configured credentials start together', async () => {
    const database = await createTestDatabase(dialect);
    const config = loadConfig({ DATABASE_URL: database.url, IDHOOKS_LOG_LEVEL: 'silent' });
    const nodes = Array.from({ length: 4 }, () => createContainer(config, { pgSchema: database.pgSchema }));
    try {
      // Migrations first (they serialise on their own lock), then the bootstraps race.
      for (const node of nodes) await node.init();
      const results = await Promise.all(nodes.map((node) => node.services.auth.ensureAdminApplication()));
      const admins = await nodes[0]!.database.db
        .selectFrom('applications')
        .select('id')
        .where('isAdmin', '=', 1)
        .execute();
      expect(admins).toHaveLength(1);
      expect(new Set(results.map((r) => r.clientId))).toEqual(new Set([admins[0]?.id]));
      // The secret is printed by the one node that created it, and only there.
      expect(results.filter((r) => r.generatedSecret !== undefined)).toHaveLength(1);
    } finally {
      for (const node of nodes) await node.close();
      await database.drop();
    }
  });

  it('keeps every verification when steps of one interaction run in parallel', async () => {
    const b = new TestBrowser(env.app);
    await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
    const { verificationId } = await expectStatus<{ verificationId: string }>(
      await b.post('/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: 'parallel_user' },
        password: PASSWORD,
      }),
      200,
    );
    await expectStatus(await b.post('/api/experience/identification', { verificationId }), 201);
    await expectStatus(await b.post('/api/experience/submit', {}), 200);

    await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    const responses = await Promise.all(
      Array.from({ length: 12 }, () =>
        b.post('/api/experience/verification/password', {
          identifier: { type: 'username', value: 'parallel_user' },
          password: PASSWORD,
        }),
      ),
    );
    const ids = await Promise.all(
      responses.map(async (r) => (await expectStatus<{ verificationId: string }>(r, 200)).verificationId),
    );
    const row = await env.container.database.db
      .selectFrom('interactions')
      .select('state')
      .where('interactionEvent', '=', 'SignIn')
      .executeTakeFirstOrThrow();
    const saved = (JSON.parse(row.state) as { verifications: { id: string }[] }).verifications.map(
      (v) => v.id,
    );
    expect(new Set(saved)).toEqual(new Set(ids));
    // Any of them identifies the user afterwards.
    await expectStatus(await b.post('/api/experience/identification', { verificationId: ids[5] }), 204);
  });
});
