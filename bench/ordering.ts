/**
 * Per-key ordering (`BENCH_ONLY=ordering`): a committed backlog drained by a worker for one hook,
 * unordered, perKey over 1,000 keys, and perKey with a single key (strictly serial). Same payloads
 * and hook as the unordered drain, so the ratio isolates what ordering costs.
 */
import { loadConfig } from '../src/config/index.js';
import { createContainer } from '../src/container.js';
import type { BenchDatabase } from './databases.js';
import { startServer, type Child } from './processes.js';
import { freePort, receiverStats, resetReceiver, tokenFor, waitForCount } from './scenarios.js';

export interface OrderedDrainResult {
  readonly deliveriesPerSecond: number;
  readonly cpuMicrosPerDelivery: number;
}

const payload = (i: number, keys: number) => ({
  event: 'User.Data.Updated',
  createdAt: new Date().toISOString(),
  userAgent: 'bench/1.0',
  ip: '127.0.0.1',
  path: `/users/bench${i % keys}`,
  method: 'PATCH',
  status: 200,
  params: { userId: `bench${i % keys}` },
  matchedRoute: '/users/:userId',
  data: { id: `bench${i % keys}`, username: `bench_user_${i % keys}`, name: `Bench ${i}` },
});

/** A backlog of `events` User.Data.Updated for one hook, round-robin over `keys` users. */
export async function drainOrdered(
  db: BenchDatabase,
  receiverUrl: string,
  { events, keys, ordering }: { events: number; keys: number; ordering: 'none' | 'perKey' },
): Promise<OrderedDrainResult> {
  const port = await freePort();
  const api = await startServer({ databaseUrl: db.url, port, role: 'api' });
  const base = `http://127.0.0.1:${port}`;
  const response = await fetch(`${base}/api/hooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(base)}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `bench ${ordering}`,
      events: ['User.Data.Updated'],
      config: { url: `${receiverUrl}/hook`, ordering },
    }),
  });
  if (response.status !== 201)
    throw new Error(`hook create failed: ${response.status} ${await response.text()}`);
  await api.stop();

  const container = createContainer(loadConfig({ DATABASE_URL: db.url, IDHOOKS_LOG_LEVEL: 'silent' }));
  const { db: kysely } = container.database;
  for (let start = 0; start < events; start += 1000) {
    await kysely.transaction().execute(async (tx) => {
      for (let i = start; i < Math.min(events, start + 1000); i++) {
        await container.repos.events.appendEvent(
          tx,
          { type: 'User.Data.Updated', payload: payload(i, keys) },
          Date.now(),
        );
      }
    });
  }
  await container.close();

  await resetReceiver(receiverUrl);
  let worker: Child | undefined;
  try {
    worker = await startServer({ databaseUrl: db.url, port, role: 'worker' });
    const cpuBefore = worker.cpuMicros();
    const sentBefore = (await receiverStats(receiverUrl)).count;
    const stats = await waitForCount(receiverUrl, events, 600_000);
    return {
      deliveriesPerSecond: events / ((stats.lastAt - stats.firstAt) / 1000),
      cpuMicrosPerDelivery: (worker.cpuMicros() - cpuBefore) / Math.max(1, events - sentBefore),
    };
  } finally {
    await worker?.stop();
  }
}

interface FigureInput {
  readonly name: string;
  readonly unit: string;
  readonly runs: number[];
  readonly target?: string;
}

/** The ordering group's figures, measured with run.ts's `repeat` and `scaled`. */
export async function orderingFigures(
  repeat: <T>(label: string, run: (db: BenchDatabase) => Promise<T>) => Promise<T[]>,
  receiverUrl: string,
  scaled: (n: number) => number,
): Promise<FigureInput[]> {
  const events = scaled(20_000);
  const unordered = await repeat('drain unordered, 1,000 keys', (db) =>
    drainOrdered(db, receiverUrl, { events, keys: 1000, ordering: 'none' }),
  );
  const perKey = await repeat('drain perKey, 1,000 keys', (db) =>
    drainOrdered(db, receiverUrl, { events, keys: 1000, ordering: 'perKey' }),
  );
  const single = await repeat('drain perKey, 1 key', (db) =>
    drainOrdered(db, receiverUrl, { events: scaled(2_000), keys: 1, ordering: 'perKey' }),
  );
  const unorderedMedian = [...unordered.map((r) => r.deliveriesPerSecond)].sort((a, b) => a - b)[
    Math.floor(unordered.length / 2)
  ]!;
  const rate = (results: OrderedDrainResult[]) => results.map((r) => r.deliveriesPerSecond);
  const cpu = (results: OrderedDrainResult[]) => results.map((r) => r.cpuMicrosPerDelivery);
  return [
    { name: 'drain 1 hook, unordered (1,000 users)', unit: 'deliveries/s', runs: rate(unordered) },
    { name: 'drain 1 hook, perKey, 1,000 keys', unit: 'deliveries/s', runs: rate(perKey) },
    {
      name: 'perKey 1,000 keys ÷ unordered',
      unit: '%',
      runs: perKey.map((r) => (100 * r.deliveriesPerSecond) / unorderedMedian),
      target: '≥ 70 %',
    },
    { name: 'drain 1 hook, perKey, 1 key (serial)', unit: 'deliveries/s', runs: rate(single) },
    { name: 'CPU per delivery, unordered', unit: 'µs', runs: cpu(unordered) },
    { name: 'CPU per delivery, perKey 1,000 keys', unit: 'µs', runs: cpu(perKey) },
    { name: 'CPU per delivery, perKey 1 key', unit: 'µs', runs: cpu(single) },
  ];
}
