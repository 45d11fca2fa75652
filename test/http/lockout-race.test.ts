import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createContainer } from '../../src/container.js';
import { expectRejected, expectStatus } from '../helpers/api.js';
import { TestBrowser } from '../helpers/experience.js';
import {
  createTestEnv,
  describeEachDialect,
  describePostgres,
  TEST_ADMIN,
  type TestEnv,
} from '../helpers/test-db.js';

/**
 * Issue 13 item 1: the lockout reserves an attempt before evaluating the secret, atomically in the
 * database, so parallel guesses cannot all be evaluated. Item 9: a success resets the count.
 */
const PASSWORD = 'Correct-Horse-42';
const MAX = 20;
const GUESSES = 300;

async function register(b: TestBrowser, username: string) {
  await expectStatus(await b.put('/api/experience', { interactionEvent: 'Register' }), 204);
  const { verificationId } = await expectStatus<{ verificationId: string }>(
    await b.post('/api/experience/verification/new-password-identity', {
      identifier: { type: 'username', value: username },
      password: PASSWORD,
    }),
    200,
  );
  await expectStatus(await b.post('/api/experience/identification', { verificationId }), 201);
  await expectStatus(await b.post('/api/experience/submit', {}), 200);
}

const guess = (b: TestBrowser, username: string, password: string) =>
  b.post('/api/experience/verification/password', {
    identifier: { type: 'username', value: username },
    password,
  });

async function codesOf(responses: Response[]) {
  const codes = await Promise.all(
    responses.map(async (r) => (r.status === 200 ? 'ok' : ((await r.json()) as { code: string }).code)),
  );
  const count = (code: string) => codes.filter((c) => c === code).length;
  return { codes, count };
}

async function failedRows(env: TestEnv, username: string) {
  const rows = await env.container.database.db
    .selectFrom('sentinelActivities')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('targetValue', '=', username)
    .where('result', '=', 'Failed')
    .executeTakeFirstOrThrow();
  return Number(rows.n);
}

describeEachDialect('lockout under concurrency', (dialect) => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv(dialect, {
      env: { IDHOOKS_LOCKOUT_MAX_ATTEMPTS: String(MAX), IDHOOKS_INTERACTION_RATE_LIMIT: '100000' },
    });
  });
  afterAll(() => env?.close());

  it(`evaluates at most ${MAX} of ${GUESSES} parallel guesses; the right password sent after them is refused`, async () => {
    await register(new TestBrowser(env.app), 'race_user');
    const attacker = new TestBrowser(env.app);
    await expectStatus(await attacker.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    const responses = await Promise.all(
      Array.from({ length: GUESSES }, (_, i) => guess(attacker, 'race_user', `wrong-${i}`)),
    );
    const { count } = await codesOf(responses);
    expect(count('session.invalid_credentials')).toBe(MAX - 1);
    expect(count('session.verification_blocked_too_many_attempts')).toBe(GUESSES - MAX + 1);
    expect(await failedRows(env, 'race_user')).toBe(MAX);
    await expectRejected(
      await guess(attacker, 'race_user', PASSWORD),
      400,
      'session.verification_blocked_too_many_attempts',
    );
  });

  it('starts the count afresh after a successful sign-in', async () => {
    const small = await createTestEnv(dialect, { env: { IDHOOKS_LOCKOUT_MAX_ATTEMPTS: '3' } });
    try {
      await register(new TestBrowser(small.app), 'reset_user');
      const b = new TestBrowser(small.app);
      await expectStatus(await b.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
      await expectRejected(await guess(b, 'reset_user', 'wrong-1'), 422, 'session.invalid_credentials');
      await expectRejected(await guess(b, 'reset_user', 'wrong-2'), 422, 'session.invalid_credentials');
      await expectStatus(await guess(b, 'reset_user', PASSWORD), 200);
      // Without the reset these two would be failures 3 and 4: the first would lock.
      await expectRejected(await guess(b, 'reset_user', 'wrong-3'), 422, 'session.invalid_credentials');
      await expectRejected(await guess(b, 'reset_user', 'wrong-4'), 422, 'session.invalid_credentials');
      await expectStatus(await guess(b, 'reset_user', PASSWORD), 200);
    } finally {
      await small.close();
    }
  });
});

describePostgres('lockout across two nodes on one schema', () => {
  let env: TestEnv;
  let second: ReturnType<typeof createContainer>;

  beforeAll(async () => {
    env = await createTestEnv('postgres', {
      env: { IDHOOKS_LOCKOUT_MAX_ATTEMPTS: String(MAX), IDHOOKS_INTERACTION_RATE_LIMIT: '100000' },
    });
    const config = loadConfig({
      DATABASE_URL: env.database.url,
      IDHOOKS_LOG_LEVEL: 'silent',
      IDHOOKS_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
      IDHOOKS_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
      IDHOOKS_LOCKOUT_MAX_ATTEMPTS: String(MAX),
    });
    second = createContainer(config, { pgSchema: env.database.pgSchema });
    await second.init();
  });
  afterAll(async () => {
    await second?.close();
    await env?.close();
  });

  it(`evaluates at most ${MAX} guesses in total when two nodes take them in parallel`, async () => {
    await register(new TestBrowser(env.app), 'two_nodes');
    const secondApp = buildApp(second);
    const a = new TestBrowser(env.app);
    await expectStatus(await a.put('/api/experience', { interactionEvent: 'SignIn' }), 204);
    // The same interaction cookie works on both nodes: they share the database.
    const b = new TestBrowser(secondApp);
    for (const [name, value] of a.cookies) b.cookies.set(name, value);
    const responses = await Promise.all(
      Array.from({ length: GUESSES }, (_, i) => guess(i % 2 === 0 ? a : b, 'two_nodes', `wrong-${i}`)),
    );
    const { count } = await codesOf(responses);
    expect(count('session.invalid_credentials')).toBe(MAX - 1);
    expect(await failedRows(env, 'two_nodes')).toBe(MAX);
    await expectRejected(
      await guess(b, 'two_nodes', PASSWORD),
      400,
      'session.verification_blocked_too_many_attempts',
    );
  });
});
