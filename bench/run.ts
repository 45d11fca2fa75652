/**
 * `npm run bench`: throughput, latency and memory of the delivery pipeline, printed as a table and
 * written to bench/results/<date>-<dialect>.json. SQLite by default; PostgreSQL with
 * DATABASE_URL=postgres://… (each run gets a fresh database on that server).
 *
 * BENCH_SERVER_ENV="IDHOOKS_DELIVERY_THREAD=false" passes settings to every server (A/B runs).
 * BENCH_RUNS (default 3) sets the runs per figure; BENCH_SCALE (default 1) scales every count, for
 * a quick look (BENCH_SCALE=0.1); BENCH_ONLY=drain,e2e,latency,memory,ordering (comma-separated) runs only
 * those groups, for profiling one path.
 *
 * Beside each throughput, the server's own CPU time per unit of work (µs, from /proc/<pid>/stat):
 * the machine is shared, so throughput moves with the neighbours' load while CPU per unit does not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createBenchDatabase, type BenchDatabase } from './databases.js';
import { startReceiver } from './processes.js';
import { orderingFigures } from './ordering.js';
import { drainBacklog, endToEnd, latencyAtRate, rawHttpLimit } from './scenarios.js';
import { blockingSignInLatency } from './blocking.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const BASE_URL = process.env.DATABASE_URL;
const HOOK_CAP = 32; // the default IDHOOKS_HOOK_MAX_IN_FLIGHT; the raw client gets as many connections
const scaled = (n: number) => Math.max(10, Math.round(n * SCALE));
const ONLY = process.env.BENCH_ONLY?.split(',').map((group) => group.trim());
const runs = (group: 'drain' | 'e2e' | 'latency' | 'memory' | 'blocking' | 'ordering') =>
  !ONLY || ONLY.includes(group);

interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly target?: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number[];
}

const summarise = (name: string, unit: string, runs: number[], target?: string): Figure => {
  const sorted = [...runs].sort((a, b) => a - b);
  return {
    name,
    unit,
    target,
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    runs,
  };
};

async function repeat<T>(label: string, run: (db: BenchDatabase) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < RUNS; i++) {
    const db = await createBenchDatabase(BASE_URL);
    try {
      process.stderr.write(`  ${label}: run ${i + 1}/${RUNS}…\n`);
      results.push(await run(db));
    } finally {
      await db.drop();
    }
  }
  return results;
}

const format = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));

async function main() {
  const dialect = BASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite';
  process.stderr.write(`idhooks benchmark on ${dialect}, ${RUNS} runs per figure, scale ${SCALE}\n`);
  const receiver = await startReceiver();
  const figures: Figure[] = [];
  try {
    const rawRuns: number[] = [];
    for (let i = 0; i < (runs('drain') ? RUNS : 0); i++) {
      rawRuns.push(await rawHttpLimit(receiver.url, { requests: scaled(20_000), connections: HOOK_CAP }));
    }
    const raw = summarise('raw HTTP limit (undici → receiver)', 'req/s', rawRuns);
    if (rawRuns.length > 0) figures.push(raw); // none when BENCH_ONLY leaves out drain

    if (runs('drain')) {
      const oneHook = await repeat('drain 1 hook', (db) =>
        drainBacklog(db, receiver.url, { events: scaled(20_000), hooks: 1 }),
      );
      const one = summarise(
        'drain backlog, 1 hook',
        'deliveries/s',
        oneHook.map((r) => r.deliveriesPerSecond),
      );
      figures.push(one);
      figures.push(
        summarise(
          'drain 1 hook ÷ raw HTTP limit',
          '%',
          one.runs.map((r) => (100 * r) / raw.median),
          '≥ 50 %',
        ),
      );

      const tenHooks = await repeat('drain 10 hooks', (db) =>
        drainBacklog(db, receiver.url, { events: scaled(2_000), hooks: 10 }),
      );
      figures.push(
        summarise(
          'drain backlog, 10 hooks',
          'deliveries/s',
          tenHooks.map((r) => r.deliveriesPerSecond),
          '≥ 10,000',
        ),
      );
      figures.push(
        summarise(
          'CPU per drained delivery, 1 hook',
          'µs',
          oneHook.map((r) => r.cpuMicrosPerDelivery),
          '≤ 60',
        ),
        summarise(
          'CPU per drained delivery, 10 hooks',
          'µs',
          tenHooks.map((r) => r.cpuMicrosPerDelivery),
        ),
      );
    }

    if (runs('e2e')) {
      const e2e = await repeat('end to end', (db) =>
        endToEnd(db, receiver.url, { operations: scaled(10_000), concurrency: 16 }),
      );
      figures.push(
        summarise(
          'end to end: API calls with every webhook delivered',
          'events/s',
          e2e.map((r) => r.eventsPerSecond),
          '≥ 3,000',
        ),
        summarise(
          'CPU per API write with its delivery (end to end)',
          'µs',
          e2e.map((r) => r.cpuMicrosPerEvent),
        ),
      );
    }

    // 500/s and 1,000/s are the targets' rates; 200/s shows the delivery path itself, below saturation.
    for (const rate of runs('latency') ? [500, 1000, 200] : []) {
      const latency = await repeat(`latency at ${rate}/s`, (db) =>
        latencyAtRate(db, receiver.url, { rate, seconds: 6 }),
      );
      const isTarget = rate === 500;
      figures.push(
        summarise(
          `latency at ${rate} events/s, p50`,
          'ms',
          latency.map((l) => l.p50),
          isTarget ? '< 2' : undefined,
        ),
        summarise(
          `latency at ${rate} events/s, p99`,
          'ms',
          latency.map((l) => l.p99),
          isTarget ? '< 10' : rate === 1000 ? '< 25' : undefined,
        ),
        summarise(
          `latency at ${rate} events/s, max`,
          'ms',
          latency.map((l) => l.max),
        ),
        summarise(
          `CPU per created user with its delivery, at ${rate}/s`,
          'µs',
          latency.map((l) => l.cpuMicrosPerUser),
          isTarget ? '≤ 300' : undefined,
        ),
      );
    }

    if (runs('ordering')) {
      for (const f of await orderingFigures(repeat, receiver.url, scaled)) {
        figures.push(summarise(f.name, f.unit, f.runs, f.target));
      }
    }

    if (runs('memory')) {
      const memory = await repeat('memory', (db) =>
        drainBacklog(db, receiver.url, { events: scaled(100_000), hooks: 1 }),
      );
      figures.push(
        summarise(
          'peak RSS draining 100k deliveries',
          'MB',
          memory.map((m) => m.peakRssBytes / 1e6),
          '< 200',
        ),
      );
    }
    if (runs('blocking')) {
      const blocking = await repeat('blocking hooks', (db) => blockingSignInLatency(db, scaled(2_000)));
      figures.push(
        summarise(
          'sign-in wait, no blocking hook, p50',
          'ms',
          blocking.map((b) => b.noHook.p50),
        ),
        summarise(
          'sign-in wait, blocking hook answering, p50',
          'ms',
          blocking.map((b) => b.answering.p50),
          '< 3',
        ),
        summarise(
          'sign-in wait, blocking hook answering, p99',
          'ms',
          blocking.map((b) => b.answering.p99),
          '< 10',
        ),
        summarise(
          'sign-in wait, breaker open, p50',
          'ms',
          blocking.map((b) => b.breakerOpen.p50),
          '< 0.5',
        ),
        summarise(
          'sign-in wait, breaker open, p99',
          'ms',
          blocking.map((b) => b.breakerOpen.p99),
        ),
      );
    }
  } finally {
    await receiver.stop();
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const rows = figures
    .filter((f) => f.runs.length > 0)
    .map((f) =>
      [f.name, `${format(f.median)} ${f.unit}`, `${format(f.min)} – ${format(f.max)}`, f.target ?? ''].join(
        ' | ',
      ),
    );
  process.stdout.write(
    `\nidhooks benchmark (${dialect}; ${machine}; median of ${RUNS}, min – max)\n\n` +
      `figure | median | range | target\n--- | --- | --- | ---\n${rows.join('\n')}\n`,
  );
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().slice(0, 10)}-${dialect}${ONLY ? `-${ONLY.join('-')}` : ''}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ dialect, machine, runs: RUNS, scale: SCALE, figures }, null, 2)}\n`,
  );
  process.stdout.write(`\nwritten to ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
