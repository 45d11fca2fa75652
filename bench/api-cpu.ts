/**
 * `node --import tsx bench/api-cpu.ts`: the server's CPU µs per created user, closed loop, with 0
 * and 1 hook, so the API path and the delivery path can be told apart (profiling aid).
 */
import { Pool } from 'undici';
import { createBenchDatabase } from './databases.js';
import { startReceiver, startServer } from './processes.js';
import { createHooksFor, createUsers, freePort, resetReceiver, tokenFor, waitForCount } from './scenarios.js';

const USERS = Number(process.env.API_CPU_USERS ?? 3000);
const CONCURRENCY = Number(process.env.API_CPU_CONCURRENCY ?? 8);

async function run(hooks: number, receiverUrl: string): Promise<number> {
  const db = await createBenchDatabase(process.env.DATABASE_URL);
  const port = await freePort();
  const server = await startServer({ databaseUrl: db.url, port, role: 'all' });
  const base = `http://127.0.0.1:${port}`;
  try {
    const auth = await tokenFor(base);
    await createHooksFor(base, auth, `${receiverUrl}/hook`, ['User.Created'], hooks);
    await resetReceiver(receiverUrl);
    const pool = new Pool(base, { connections: CONCURRENCY });
    // Warm-up: lazily loaded modules and first compilations are not per-user work.
    await createUsers(pool, auth, { count: 200, concurrency: 1, prefix: 'warm' });
    if (hooks > 0) await waitForCount(receiverUrl, 200, 60_000);
    const before = server.cpuMicros();
    await createUsers(pool, auth, { count: USERS, concurrency: CONCURRENCY, prefix: 'u' });
    if (hooks > 0) await waitForCount(receiverUrl, 200 + USERS, 120_000);
    await pool.close();
    return (server.cpuMicros() - before) / USERS;
  } finally {
    await server.stop();
    await db.drop();
  }
}

const receiver = await startReceiver();
try {
  for (const hooks of (process.env.API_CPU_HOOKS ?? '0,1').split(',').map(Number)) {
    process.stdout.write(
      `CPU per created user, ${hooks} hook(s): ${(await run(hooks, receiver.url)).toFixed(0)} µs\n`,
    );
  }
} finally {
  await receiver.stop();
}
