/**
 * `node --import tsx bench/hot-paths.ts`: CPU µs per unit of each stage of the delivery hot path,
 * measured in one process with process.cpuUsage (SQLite by default; DATABASE_URL=postgres://… for
 * PostgreSQL, where the database's own CPU is not counted). It is the profile-based breakdown behind
 * the benchmark's per-unit figures: what one appended event, one claimed row, one recorded result,
 * one signed request and one HTTP exchange cost on their own.
 */
import { Pool } from 'undici';
import { loadConfig } from '../src/config/index.js';
import { createContainer } from '../src/container.js';
import { attemptRecord, prepareRequest } from '../src/delivery/attempt.js';
import { createDispatcher } from '../src/delivery/dispatcher.js';
import type { OutboundRequest } from '../src/domain/outbound.js';
import type { AttemptRecord, ClaimedDelivery } from '../src/storage/repos/deliveries.js';
import { insertHook } from '../test/helpers/builders.js';
import { createBenchDatabase } from './databases.js';
import { startReceiver } from './processes.js';

const N = Number(process.env.HOT_PATH_UNITS ?? 4000);
const BATCH = 100;

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function main() {
  const bench = await createBenchDatabase(process.env.DATABASE_URL);
  const receiver = await startReceiver();
  const container = createContainer(
    loadConfig({
      DATABASE_URL: bench.url,
      IDHOOKS_LOG_LEVEL: 'silent',
      IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
    }),
  );
  const rows: [string, number][] = [];
  try {
    await container.init();
    const { db } = container.database;
    const { repos } = container;
    await insertHook(db, { url: `${receiver.url}/hook` });
    const payload = (i: number) => ({
      event: 'User.Created',
      createdAt: new Date().toISOString(),
      data: { id: `hot${i}`, username: `hot_${i}`, name: 'Hot Path', customData: {} },
    });

    let start = cpuMicros();
    for (let i = 0; i < N; i++) {
      await db
        .transaction()
        .execute((tx) =>
          repos.events.appendEvent(tx, { type: 'User.Created', payload: payload(i) }, Date.now()),
        );
    }
    rows.push(['append an event with its delivery, own transaction', (cpuMicros() - start) / N]);

    const claimed: ClaimedDelivery[] = [];
    start = cpuMicros();
    while (claimed.length < N) {
      const t = Date.now();
      const batch = await repos.deliveries.claimDue({
        now: t,
        limit: BATCH,
        perHookLimit: BATCH,
        workerId: 'hot',
        leaseUntil: t + 60_000,
      });
      if (batch.length === 0) break;
      claimed.push(...batch);
    }
    rows.push([`claim, batches of ${BATCH}`, (cpuMicros() - start) / claimed.length]);

    start = cpuMicros();
    const prepared = claimed.map((delivery) => prepareRequest(delivery, Date.now()));
    rows.push(['build and sign the request (two HMACs)', (cpuMicros() - start) / claimed.length]);

    // Each HTTP variant runs twice and the second pass is measured: the first pays for JIT warm-up
    // and opening connections, which dominated a single pass.
    const exchangeAll = async <T>(one: (request: OutboundRequest) => Promise<T>): Promise<[T[], number]> => {
      let results: T[] = [];
      let micros = 0;
      for (let pass = 0; pass < 2; pass++) {
        results = [];
        const before = cpuMicros();
        for (let i = 0; i < prepared.length; i += 32) {
          const slice = prepared.slice(i, i + 32).flatMap((p) => (p.ok ? [p.request] : []));
          results.push(...(await Promise.all(slice.map(one))));
        }
        micros = (cpuMicros() - before) / prepared.length;
      }
      return [results, micros];
    };
    const sender = createDispatcher({ timeoutMs: 10_000, allowPrivateTargets: '127.0.0.1/32' });
    const [results, sendMicros] = await exchangeAll((request) => sender.send(request));
    rows.push(['HTTP exchange (dispatcher: SSRF guard, timeout, capped body), 32 at a time', sendMicros]);
    await sender.close();
    // The floor for the same exchange: a bare undici Pool, no timeout, guard or body capture.
    const pool = new Pool(receiver.url, { connections: 32 });
    const [, poolMicros] = await exchangeAll(async (request) => {
      const response = await pool.request({
        path: '/hook',
        method: 'POST',
        headers: request.headers,
        body: request.body,
      });
      await response.body.dump();
    });
    rows.push(['  (for reference: bare undici Pool request, same bodies)', poolMicros]);
    await pool.close();

    const policy = { scheduleSeconds: [5, 300], random: Math.random };
    const records: AttemptRecord[] = claimed.map((delivery, i) =>
      attemptRecord(delivery, prepared[i]!, results[i]!, Date.now(), Date.now(), policy),
    );
    start = cpuMicros();
    for (let i = 0; i < records.length; i += BATCH) {
      await repos.deliveries.recordAttempts(records.slice(i, i + BATCH), 'hot', Date.now());
    }
    rows.push([`record the result, batches of ${BATCH}`, (cpuMicros() - start) / records.length]);
  } finally {
    await container.close();
    await receiver.stop();
    await bench.drop();
  }
  const total = rows
    .slice(1)
    .filter(([stage]) => !stage.startsWith(' '))
    .reduce((sum, [, micros]) => sum + micros, 0);
  process.stdout.write(
    `\nCPU µs per unit, in process (${bench.dialect}, ${N} units)\n\nstage | µs\n--- | ---\n` +
      rows.map(([stage, micros]) => `${stage} | ${micros.toFixed(1)}`).join('\n') +
      `\na drained delivery (claim + sign + HTTP + record) | ${total.toFixed(1)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `hot-path benchmark failed: ${String(error instanceof Error ? error.stack : error)}\n`,
  );
  process.exit(1);
});
