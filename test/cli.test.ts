import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { randomString } from '../src/shared/ids.js';
import { DIALECTS, TEST_PG_URL } from './helpers/test-db.js';

/**
 * The real command from source (`node --import tsx src/main.ts …`; `npm start` runs the same code compiled), in child
 * processes on 127.0.0.1: first-start credentials, restarts, configured credentials, migrate, bad
 * configuration and SIGTERM, on SQLite and once on PostgreSQL with two processes starting together.
 * Every wait is bounded, and afterAll kills whatever is still running.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** One process (`node --import tsx`): a signal reaches the server itself, not a relaying parent. */
const NODE_TSX = [process.execPath, '--import', 'tsx'] as const;
/** A cold tsx start on a busy two-core machine takes a few seconds; this leaves a wide margin. */
const READY_TIMEOUT_MS = 45_000;
const EXIT_TIMEOUT_MS = 20_000;
const TEST_TIMEOUT_MS = 120_000;

interface Run {
  readonly child: ChildProcess;
  readonly port: number | undefined;
  readonly baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

const running = new Set<Run>();
const tempDirs: string[] = [];

afterAll(async () => {
  for (const run of running) killGroup(run.child, 'SIGKILL');
  await Promise.all(
    [...running].map((run) => withTimeout(run.exited, 5000, 'exit after SIGKILL').catch(() => 0)),
  );
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Signal the whole group, so nothing the process started is left behind.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port nobody listens on right now: bind 127.0.0.1:0, read the port, let it go. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.listen(0, '127.0.0.1', done).once('error', fail));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function tempSqliteUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'idhooks-cli-'));
  tempDirs.push(dir);
  return `sqlite:${join(dir, 'idhooks.db')}`;
}

/**
 * Runs `node --import tsx src/main.ts <args>` with only the variables given (plus PATH and HOME): nothing from the
 * test runner's environment, IDHOOKS_ALLOW_PRIVATE_TARGETS included, leaks in.
 */
function runCli(args: string[], vars: Record<string, string>, port?: number): Run {
  const child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  const run: Run = {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port ?? 0}`,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}

/**
 * Starts the server on a free port and waits until /api/status answers 204. Another process may
 * take the port between freePort() and the child's listen(); then it tries again on a new one.
 */
async function startServer(vars: Record<string, string>, attempts = 3): Promise<Run> {
  try {
    return await startServerOnce(vars);
  } catch (error) {
    if (attempts > 1 && /EADDRINUSE/.test(String(error))) return startServer(vars, attempts - 1);
    throw error;
  }
}

async function startServerOnce(vars: Record<string, string>): Promise<Run> {
  const port = await freePort();
  const run = runCli(['start'], { HOST: '127.0.0.1', PORT: String(port), ...vars }, port);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let hasExited = false;
  void run.exited.then(() => (hasExited = true));
  while (Date.now() < deadline) {
    if (hasExited) {
      throw new Error(`the server exited before it was ready:\n${run.stdout()}\n${run.stderr()}`);
    }
    const status = await fetch(`${run.baseUrl}/api/status`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 204) return run;
    await new Promise((done) => setTimeout(done, 150));
  }
  killGroup(run.child, 'SIGKILL');
  throw new Error(
    `the server was not ready within ${READY_TIMEOUT_MS} ms:\n${run.stdout()}\n${run.stderr()}`,
  );
}

/** SIGTERM to the command's process (as a process manager sends it) and its exit code. */
async function stop(run: Run): Promise<number | string> {
  run.child.kill('SIGTERM');
  return withTimeout(run.exited, EXIT_TIMEOUT_MS, 'the server to exit after SIGTERM');
}

async function finish(run: Run): Promise<number | string> {
  return withTimeout(run.exited, READY_TIMEOUT_MS, `${run.child.spawnargs.join(' ')} to exit`);
}

/** The banner main.ts prints on a first start without configured credentials. */
function printedCredentials(stdout: string): { clientId: string; clientSecret: string } | undefined {
  const clientId = stdout.match(/client id:\s+(\S+)/)?.[1];
  const clientSecret = stdout.match(/client secret:\s+(\S+)/)?.[1];
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

async function requestToken(run: Run, clientId: string, clientSecret: string, resource: string) {
  const response = await fetch(`${run.baseUrl}/oidc/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'all' }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as { access_token?: string } };
}

async function listUsers(run: Run, token: string) {
  const response = await fetch(`${run.baseUrl}/api/users`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return response.status;
}

describe('idhooks command on SQLite', () => {
  it(
    'prints generated admin credentials once, serves them, keeps them and the key across a restart',
    async () => {
      // One public endpoint for both runs, as behind a proxy: the token's audience must match on restart.
      const vars = { DATABASE_URL: tempSqliteUrl(), IDHOOKS_ENDPOINT: 'http://localhost:3001' };
      const resource = 'http://localhost:3001/api';
      const first = await startServer(vars);
      const credentials = printedCredentials(first.stdout());
      expect(credentials, `no credentials in:\n${first.stdout()}`).toBeDefined();
      const { clientId, clientSecret } = credentials ?? { clientId: '', clientSecret: '' };
      expect(clientId).toMatch(/^[0-9a-z]{21}$/);
      expect(clientSecret.length).toBeGreaterThanOrEqual(32);

      const token = await requestToken(first, clientId, clientSecret, resource);
      expect(token.status).toBe(200);
      expect(await listUsers(first, token.body.access_token ?? '')).toBe(200);
      expect(await stop(first)).toBe(0);

      // The secret appears exactly once, in the banner, and never in a log line.
      const everything = first.stdout() + first.stderr();
      expect(everything.split(clientSecret).length - 1).toBe(1);

      const second = await startServer(vars);
      expect(printedCredentials(second.stdout())).toBeUndefined();
      expect(second.stdout()).not.toContain(clientSecret);
      // The signing key survived the restart: the first process's token still works.
      expect(await listUsers(second, token.body.access_token ?? '')).toBe(200);
      expect((await requestToken(second, clientId, clientSecret, resource)).status).toBe(200);
      expect(await stop(second)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'rotates the signing key with `keys rotate`: old tokens verify until `keys retire`, new ones use the new key',
    async () => {
      const admin = {
        IDHOOKS_ADMIN_CLIENT_ID: 'key-rotation-admin',
        IDHOOKS_ADMIN_CLIENT_SECRET: 'key-rotation-secret-0123456789',
      };
      const vars = { DATABASE_URL: tempSqliteUrl(), IDHOOKS_ENDPOINT: 'http://localhost:3001', ...admin };
      const resource = 'http://localhost:3001/api';
      const kidOf = (jwt: string) =>
        (JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
      const tokenFrom = async (run: Run) =>
        (await requestToken(run, admin.IDHOOKS_ADMIN_CLIENT_ID, admin.IDHOOKS_ADMIN_CLIENT_SECRET, resource))
          .body.access_token ?? '';

      const first = await startServer(vars);
      const oldToken = await tokenFrom(first);
      expect(await stop(first)).toBe(0);

      const rotate = runCli(['keys', 'rotate'], { DATABASE_URL: vars.DATABASE_URL });
      expect(await finish(rotate), rotate.stderr()).toBe(0);
      expect(rotate.stdout()).toMatch(/Added signing key generation 2 \(kid /);

      const second = await startServer(vars);
      const newToken = await tokenFrom(second);
      expect(kidOf(newToken)).not.toBe(kidOf(oldToken));
      expect(await listUsers(second, oldToken)).toBe(200);
      expect(await listUsers(second, newToken)).toBe(200);
      expect(await stop(second)).toBe(0);

      const retire = runCli(['keys', 'retire'], { DATABASE_URL: vars.DATABASE_URL });
      expect(await finish(retire), retire.stderr()).toBe(0);
      expect(retire.stdout()).toContain('Retired 1 older signing key generation.');

      const third = await startServer(vars);
      expect(await listUsers(third, oldToken)).toBe(401);
      expect(await listUsers(third, newToken)).toBe(200);
      expect(await stop(third)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'uses IDHOOKS_ADMIN_CLIENT_ID and IDHOOKS_ADMIN_CLIENT_SECRET when set, printing nothing secret',
    async () => {
      const admin = {
        IDHOOKS_ADMIN_CLIENT_ID: 'ops-automation',
        IDHOOKS_ADMIN_CLIENT_SECRET: 'configured-secret-0123456789',
      };
      const run = await startServer({ DATABASE_URL: tempSqliteUrl(), ...admin });
      expect(printedCredentials(run.stdout())).toBeUndefined();
      expect(run.stdout() + run.stderr()).not.toContain(admin.IDHOOKS_ADMIN_CLIENT_SECRET);
      const token = await requestToken(
        run,
        admin.IDHOOKS_ADMIN_CLIENT_ID,
        admin.IDHOOKS_ADMIN_CLIENT_SECRET,
        'https://default.logto.app/api',
      );
      expect(token.status).toBe(200);
      expect(await listUsers(run, token.body.access_token ?? '')).toBe(200);
      expect(await stop(run)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'migrates with the migrate command, and reports an up-to-date database the second time',
    async () => {
      const databaseUrl = tempSqliteUrl();
      const first = runCli(['migrate'], { DATABASE_URL: databaseUrl });
      expect(await finish(first), first.stderr()).toBe(0);
      expect(first.stdout()).toMatch(/^Applied: 0001-foundation, /m);
      const second = runCli(['migrate'], { DATABASE_URL: databaseUrl });
      expect(await finish(second), second.stderr()).toBe(0);
      expect(second.stdout()).toContain('The database is up to date.');
    },
    TEST_TIMEOUT_MS,
  );

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root@127.0.0.1/idhooks' }],
    ['IDHOOKS_ADMIN_CLIENT_SECRET', { IDHOOKS_ADMIN_CLIENT_ID: 'only-the-id' }],
  ])(
    'refuses to start with a bad %s: non-zero exit and a message naming it',
    async (variable, vars) => {
      const run = runCli(['start'], { DATABASE_URL: tempSqliteUrl(), ...vars });
      const code = await finish(run);
      expect(code).not.toBe(0);
      expect(run.stderr()).toContain(variable);
      expect(run.stderr()).not.toMatch(/\n\s+at /);
    },
    TEST_TIMEOUT_MS,
  );
});

const describePostgres = DIALECTS.includes('postgres') ? describe : describe.skip;

describePostgres('idhooks command on PostgreSQL', () => {
  it(
    'starts two processes on one fresh database at once; both migrate cleanly and share the key',
    async () => {
      const name = `idhooks_cli_${randomString(10, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
      const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
        const url = new URL(TEST_PG_URL);
        url.pathname = `/${name}`;
        const vars = {
          DATABASE_URL: url.toString(),
          IDHOOKS_ADMIN_CLIENT_ID: 'pg-admin',
          IDHOOKS_ADMIN_CLIENT_SECRET: 'pg-admin-secret-0123456789',
          IDHOOKS_ENDPOINT: 'http://localhost:3001',
        };
        const [a, b] = await Promise.all([startServer(vars), startServer(vars)]);
        if (!a || !b) throw new Error('unreachable');
        for (const run of [a, b]) expect(run.stderr(), 'nothing on stderr').toBe('');

        // One of them applied the migrations, the other found nothing to do.
        const applied = [a, b].map((run) => run.stdout().includes('"database migrated"'));
        expect(applied.filter(Boolean)).toHaveLength(1);

        const token = await requestToken(
          a,
          vars.IDHOOKS_ADMIN_CLIENT_ID,
          vars.IDHOOKS_ADMIN_CLIENT_SECRET,
          'http://localhost:3001/api',
        );
        expect(token.status).toBe(200);
        expect(await listUsers(b, token.body.access_token ?? '')).toBe(200);

        const migrate = runCli(['migrate'], { DATABASE_URL: vars.DATABASE_URL });
        expect(await finish(migrate), migrate.stderr()).toBe(0);
        expect(migrate.stdout()).toContain('The database is up to date.');

        expect(await Promise.all([stop(a), stop(b)])).toEqual([0, 0]);

        // idhooks creates nothing but its own tables: no schema, extension or other object elsewhere.
        const inside = new pg.Client({ connectionString: vars.DATABASE_URL, connectionTimeoutMillis: 5000 });
        await inside.connect();
        try {
          const schemas = await inside.query<{ schema: string }>(
            `select distinct table_schema as schema from information_schema.tables
             where table_schema not in ('pg_catalog', 'information_schema')`,
          );
          expect(schemas.rows.map((row) => row.schema)).toEqual(['public']);
          const extensions = await inside.query<{ extname: string }>('select extname from pg_extension');
          expect(extensions.rows.map((row) => row.extname)).toEqual(['plpgsql']);
        } finally {
          await inside.end();
        }
      } finally {
        for (const run of running) killGroup(run.child, 'SIGKILL');
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
