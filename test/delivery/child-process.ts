/**
 * Runs `idhooks start` as a real child process (node with tsx as a loader, as `npm start` does), for
 * the tests that kill, restart and split the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../src/storage/db.js';
import { eventually } from '../helpers/builders.js';
import type { TestDatabase } from '../helpers/test-db.js';
import { TEST_ADMIN } from '../helpers/test-db.js';
import { LOOPBACK_TARGETS } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHILD_ENDPOINT = 'http://idhooks.test';
/** A cold tsx start on a loaded two-core machine can take ~10 s; this leaves a wide margin. */
export const READY_TIMEOUT_MS = 45_000;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly logs: string[];
  readonly stderr: () => string;
  /** Resolves with the first log message matching `pattern`; rejects if the process exits first. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export function startServerProcess(
  database: TestDatabase,
  role: 'all' | 'api' | 'worker',
  env: Record<string, string> = {},
): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start', '--role', role], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: database.url,
      ...(database.pgSchema ? { IDHOOKS_PG_SCHEMA: database.pgSchema } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      IDHOOKS_ENDPOINT: CHILD_ENDPOINT,
      IDHOOKS_LOG_LEVEL: 'info',
      IDHOOKS_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
      IDHOOKS_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
      IDHOOKS_ALLOW_PRIVATE_TARGETS: LOOPBACK_TARGETS,
      IDHOOKS_RETRY_SCHEDULE: '0.05,0.05',
      // SQLite has no cross-process wake-up; a short poll lets a separate worker see new work quickly.
      IDHOOKS_DELIVERY_POLL_MS: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    logs.push(line);
    listeners.forEach((notify) => notify());
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const findLog = (pattern: RegExp) => {
    for (const line of logs) {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (pattern.test(String(entry.msg))) return entry;
      } catch {
        // not a log line (the admin credentials banner, for example)
      }
    }
    return undefined;
  };

  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog(pattern, timeoutMs = READY_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const done = (error?: Error, entry?: Record<string, unknown>) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(entry!);
        };
        const check = () => {
          const entry = findLog(pattern);
          if (entry) done(undefined, entry);
        };
        const timer = setTimeout(
          () => done(new Error(`no log matching ${pattern} within ${timeoutMs} ms:\n${stderr}`)),
          timeoutMs,
        );
        void exited.then((code) =>
          done(new Error(`server exited (${code}) before logging ${pattern}:\n${stderr}`)),
        );
        listeners.add(check);
        check();
      });
    },
  };
}

/** Stops a child if it is still running (SIGKILL), for cleanup after failures. */
export async function killIfRunning(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

/** A Management API token from a child server. */
export async function childToken(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: TEST_ADMIN.clientId,
      client_secret: TEST_ADMIN.clientSecret,
      resource: `${CHILD_ENDPOINT}/api`,
      scope: 'all',
    }),
  });
  if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * SIGKILLs the worker holding the most leases right now, so the kill always lands mid-work, and
 * returns it with the ids of the deliveries it held (their leases outlive it until they expire).
 */
export async function killBusiestWorker(
  db: Db,
  workers: readonly ServerProcess[],
): Promise<{ victim: ServerProcess; heldIds: Set<string> }> {
  const busiest = await eventually(
    async () => {
      const leases = await db
        .selectFrom('deliveries')
        .select(['lockedBy', (eb) => eb.fn.countAll<string>().as('n')])
        .where('status', '=', 'sending')
        .groupBy('lockedBy')
        .execute();
      const [top] = leases.sort((a, b) => Number(b.n) - Number(a.n));
      return top?.lockedBy ? top.lockedBy : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 10, what: 'a worker holding leases' },
  );
  const victim = workers.find((worker) => busiest.includes(`:${worker.child.pid}:`))!;
  victim.child.kill('SIGKILL');
  await victim.exited;
  const held = await db
    .selectFrom('deliveries')
    .select('id')
    .where('status', '=', 'sending')
    .where('lockedBy', 'like', `%:${victim.child.pid}:%`)
    .execute();
  return { victim, heldIds: new Set(held.map((row) => row.id)) };
}
