/**
 * One function per figure the issue asks for. Each starts from a fresh database and returns the
 * figure of one run; run.ts repeats them and reports median, min and max.
 */
import { createServer } from 'node:net';
import { Pool } from 'undici';
import { loadConfig } from '../src/config/index.js';
import { createContainer } from '../src/container.js';
import { BENCH_ADMIN, startServer, type Child } from './processes.js';
import type { BenchDatabase } from './databases.js';

export interface ReceiverStats {
  count: number;
  firstAt: number;
  lastAt: number;
  received: Record<string, number>;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Control requests retry once: an idle keep-alive socket may be closed by the receiver just as it is reused. */
async function control(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    await sleep(100);
    return fetch(url, init);
  }
}

export async function receiverStats(receiverUrl: string): Promise<ReceiverStats> {
  return (await (await control(`${receiverUrl}/__stats`)).json()) as ReceiverStats;
}

export async function resetReceiver(receiverUrl: string, trackIds = false): Promise<void> {
  await control(`${receiverUrl}/__reset${trackIds ? '?track=1' : ''}`, { method: 'POST' });
}

/** Polls the receiver until it has `count` requests; fails after `timeoutMs`. */
export async function waitForCount(
  receiverUrl: string,
  count: number,
  timeoutMs: number,
): Promise<ReceiverStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await receiverStats(receiverUrl);
    if (stats.count >= count) return stats;
    if (Date.now() > deadline)
      throw new Error(`receiver got ${stats.count} of ${count} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export async function tokenFor(base: string): Promise<string> {
  const response = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: BENCH_ADMIN.clientId,
      client_secret: BENCH_ADMIN.clientSecret,
      resource: 'https://default.logto.app/api',
      scope: 'all',
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function createHooksFor(
  base: string,
  auth: string,
  url: string,
  events: string[],
  count: number,
) {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${base}/api/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench ${i}`, events, config: { url } }),
    });
    if (response.status !== 201)
      throw new Error(`hook create failed: ${response.status} ${await response.text()}`);
  }
}

const samplePayload = (i: number) => ({
  event: 'User.Created',
  createdAt: new Date().toISOString(),
  userAgent: 'bench/1.0',
  ip: '127.0.0.1',
  path: '/users',
  method: 'POST',
  status: 200,
  params: {},
  matchedRoute: '/users',
  data: {
    id: `bench${String(i).padStart(7, '0')}`,
    username: `bench_user_${i}`,
    primaryEmail: `bench${i}@example.com`,
    primaryPhone: null,
    name: 'Bench User',
    avatar: null,
    customData: { plan: 'free' },
    identities: {},
    lastSignInAt: null,
    createdAt: Date.now(),
    updatedAt: Date.now(),
    profile: {},
    applicationId: null,
    cimdClientId: null,
    isSuspended: false,
    hasPassword: false,
  },
});

/** Commits `events` User.Created events (with their deliveries) straight through the repos. */
async function commitBacklog(db: BenchDatabase, events: number): Promise<void> {
  const container = createContainer(loadConfig({ DATABASE_URL: db.url, IDHOOKS_LOG_LEVEL: 'silent' }));
  const { db: kysely } = container.database;
  const batch = 1000;
  for (let start = 0; start < events; start += batch) {
    await kysely.transaction().execute(async (tx) => {
      for (let i = start; i < Math.min(events, start + batch); i++) {
        await container.repos.events.appendEvent(
          tx,
          { type: 'User.Created', payload: samplePayload(i) },
          Date.now(),
        );
      }
    });
  }
  await container.close();
}

export interface DrainResult {
  readonly deliveriesPerSecond: number;
  readonly peakRssBytes: number;
  /** The worker's CPU time per delivery drained, in µs (start-up excluded). */
  readonly cpuMicrosPerDelivery: number;
}

/** A committed backlog of `events × hooks` deliveries drained by a worker process. */
export async function drainBacklog(
  db: BenchDatabase,
  receiverUrl: string,
  { events, hooks, env = {} }: { events: number; hooks: number; env?: Record<string, string> },
): Promise<DrainResult> {
  const port = await freePort();
  const api = await startServer({ databaseUrl: db.url, port, role: 'api', env });
  const base = `http://127.0.0.1:${port}`;
  await createHooksFor(base, await tokenFor(base), `${receiverUrl}/hook`, ['User.Created'], hooks);
  await api.stop();
  await commitBacklog(db, events);
  await resetReceiver(receiverUrl);
  let worker: Child | undefined;
  try {
    worker = await startServer({ databaseUrl: db.url, port, role: 'worker', env });
    // The window opens once the server answers: start-up (module loading, migrations) is not
    // delivery work. Deliveries sent before that are left out of the count as well.
    const cpuBefore = worker.cpuMicros();
    const sentBefore = (await receiverStats(receiverUrl)).count;
    const total = events * hooks;
    const stats = await waitForCount(receiverUrl, total, 600_000);
    const cpuMicrosPerDelivery = (worker.cpuMicros() - cpuBefore) / Math.max(1, total - sentBefore);
    const peakRssBytes = worker.peakRss();
    return {
      deliveriesPerSecond: total / ((stats.lastAt - stats.firstAt) / 1000),
      peakRssBytes,
      cpuMicrosPerDelivery,
    };
  } finally {
    await worker?.stop();
  }
}

/** Management API calls (create, then update) at a fixed concurrency, until the last webhook lands. */
export async function endToEnd(
  db: BenchDatabase,
  receiverUrl: string,
  { operations, concurrency }: { operations: number; concurrency: number },
): Promise<{ eventsPerSecond: number; cpuMicrosPerEvent: number }> {
  const port = await freePort();
  const server = await startServer({ databaseUrl: db.url, port, role: 'all' });
  const base = `http://127.0.0.1:${port}`;
  try {
    const auth = await tokenFor(base);
    await createHooksFor(base, auth, `${receiverUrl}/hook`, ['User.Created', 'User.Data.Updated'], 1);
    await resetReceiver(receiverUrl);
    await warmUp(base, auth, receiverUrl);
    const cpuBefore = server.cpuMicros();
    const pool = new Pool(base, { connections: concurrency });
    const headers = { authorization: `Bearer ${auth}`, 'content-type': 'application/json' };
    let next = 0;
    const started = now();
    const worker = async () => {
      while (next < operations) {
        const i = next;
        next += 2;
        const created = await pool.request({
          path: '/api/users',
          method: 'POST',
          headers,
          body: JSON.stringify({ username: `e2e_${i}`, name: 'Bench' }),
        });
        const { id } = (await created.body.json()) as { id: string };
        const updated = await pool.request({
          path: `/api/users/${id}`,
          method: 'PATCH',
          headers,
          body: JSON.stringify({ name: 'Bench Updated' }),
        });
        await updated.body.dump();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const stats = await waitForCount(receiverUrl, operations, 300_000);
    const cpuMicrosPerEvent = (server.cpuMicros() - cpuBefore) / operations;
    await pool.close();
    return { eventsPerSecond: operations / ((stats.lastAt - started) / 1000), cpuMicrosPerEvent };
  } finally {
    await server.stop();
  }
}

/** Requests before a measured window: JIT compilation and opening connections are not per-user work. */
const WARM_UP_USERS = 2_000;

/**
 * Creates WARM_UP_USERS users (8 at a time) and waits for their webhooks, then resets the receiver.
 * A freshly started server spends the first few thousand requests compiling its hot paths; without
 * this, the CPU per user measured at 200/s was mostly that (3.7 ms against 1.4 ms at 1,000/s).
 */
async function warmUp(base: string, auth: string, receiverUrl: string, trackIds = false): Promise<void> {
  const pool = new Pool(base, { connections: 8 });
  await createUsers(pool, auth, { count: WARM_UP_USERS, concurrency: 8, prefix: 'warm' });
  await pool.close();
  await waitForCount(receiverUrl, WARM_UP_USERS, 120_000);
  await resetReceiver(receiverUrl, trackIds);
}

/** Creates `count` users `<prefix>_<i>` through the API, `concurrency` requests at a time. */
export async function createUsers(
  pool: Pool,
  auth: string,
  { count, concurrency, prefix }: { count: number; concurrency: number; prefix: string },
): Promise<void> {
  const headers = { authorization: `Bearer ${auth}`, 'content-type': 'application/json' };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const response = await pool.request({
        path: '/api/users',
        method: 'POST',
        headers,
        body: JSON.stringify({ username: `${prefix}_${i}` }),
      });
      await response.body.dump();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface LatencyResult {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** The server's CPU time per user created and delivered, in µs. */
  readonly cpuMicrosPerUser: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Time from the API response reaching the client to the receiver getting the webhook, at a fixed rate. */
export async function latencyAtRate(
  db: BenchDatabase,
  receiverUrl: string,
  { rate, seconds }: { rate: number; seconds: number },
): Promise<LatencyResult> {
  const port = await freePort();
  const server = await startServer({ databaseUrl: db.url, port, role: 'all' });
  const base = `http://127.0.0.1:${port}`;
  try {
    const auth = await tokenFor(base);
    await createHooksFor(base, auth, `${receiverUrl}/hook`, ['User.Created'], 1);
    await resetReceiver(receiverUrl);
    await warmUp(base, auth, receiverUrl, true);
    const cpuBefore = server.cpuMicros();
    const pool = new Pool(base, { connections: 64 });
    const headers = { authorization: `Bearer ${auth}`, 'content-type': 'application/json' };
    const total = rate * seconds;
    const answeredAt = new Map<string, number>();
    const inflight: Promise<void>[] = [];
    const start = now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      inflight.push(
        (async () => {
          const response = await pool.request({
            path: '/api/users',
            method: 'POST',
            headers,
            body: JSON.stringify({ username: `lat_${i}` }),
          });
          const { id } = (await response.body.json()) as { id: string };
          answeredAt.set(id, now());
        })(),
      );
    }
    await Promise.all(inflight);
    const stats = await waitForCount(receiverUrl, total, 120_000);
    const cpuMicrosPerUser = (server.cpuMicros() - cpuBefore) / total;
    await pool.close();
    const latencies = [...answeredAt]
      .map(([id, at]) => (stats.received[id] ?? Number.NaN) - at)
      .sort((a, b) => a - b);
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      cpuMicrosPerUser,
    };
  } finally {
    await server.stop();
  }
}

/** The same signed bodies posted straight to the receiver with undici: the machine's HTTP ceiling. */
export async function rawHttpLimit(
  receiverUrl: string,
  { requests, connections }: { requests: number; connections: number },
): Promise<number> {
  await resetReceiver(receiverUrl);
  const pool = new Pool(receiverUrl, { connections });
  const body = JSON.stringify({ ...samplePayload(0), hookId: 'benchhook0000000000000' });
  const headers = {
    'logto-signature-sha-256': 'f'.repeat(64),
    'user-agent': 'Logto (https://logto.io/)',
    'content-type': 'application/json',
    'webhook-id': 'dlv_bench',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': `v1,${'A'.repeat(44)}`,
  };
  let next = 0;
  const started = now();
  const worker = async () => {
    while (next < requests) {
      next += 1;
      const response = await pool.request({ path: '/hook', method: 'POST', headers, body });
      await response.body.dump();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (now() - started) / 1000;
  await pool.close();
  return requests / elapsed;
}
