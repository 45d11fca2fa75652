/**
 * Process plumbing for the benchmark: the server under test, the receiver and the load generator
 * are separate processes on 127.0.0.1, so no figure is flattered by sharing an event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** USER_HZ: /proc counts CPU time in these ticks; 100 on every Linux build we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
  /**
   * CPU time the process has used so far (user + system, every thread), in µs, from
   * /proc/<pid>/stat: the server's own account, unaffected by how busy the shared machine is.
   */
  cpuMicros(): number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function wrap(child: ChildProcess): Child {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    pid: child.pid ?? 0,
    peakRss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      return kb * 1024;
    },
    cpuMicros() {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at state, field 3.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime (14) + stime (15)
      return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a TypeScript file in a single node process (tsx as a loader, not as a wrapper process). */
export function spawnTs(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawnNode(['--import', 'tsx', script, ...args], env);
}

function spawnNode(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function startReceiver(): Promise<Child & { url: string }> {
  const child = spawnTs('bench/receiver.ts', ['0'], {});
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return { ...wrap(child), url: `http://127.0.0.1:${port}` };
}

export interface ServerOptions {
  readonly databaseUrl: string;
  readonly port: number;
  readonly role: 'api' | 'worker' | 'all';
  readonly env?: Record<string, string>;
}

export const BENCH_ADMIN = { clientId: 'bench-admin', clientSecret: 'bench-admin-secret-0123456789' };

/** BENCH_SERVER_ENV="IDHOOKS_DELIVERY_THREAD=false …": settings for every server, for an A/B run. */
function serverEnvFromBench(): Record<string, string> {
  const pairs = (process.env.BENCH_SERVER_ENV ?? '').split(/\s+/).filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

export async function startServer({ databaseUrl, port, role, env = {} }: ServerOptions): Promise<Child> {
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the server (not allowed in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The compiled server, as `npm start` runs it (`npm run bench` builds it first).
  const child = spawnNode([...nodeArgs, 'dist/main.js', 'start', '--role', role], {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    IDHOOKS_LOG_LEVEL: 'warn',
    IDHOOKS_ADMIN_CLIENT_ID: BENCH_ADMIN.clientId,
    IDHOOKS_ADMIN_CLIENT_SECRET: BENCH_ADMIN.clientSecret,
    IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
    ...serverEnvFromBench(),
    ...env,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout!.resume();
  const wrapped = wrap(child);
  // Every role answers /api/status once started (a worker serves it beside /metrics).
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/status`);
      if (response.status === 204) return wrapped;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await wrapped.stop('SIGKILL');
  throw new Error(`server did not start within 30 s: ${stderr}`);
}
