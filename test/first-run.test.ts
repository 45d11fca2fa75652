import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './helpers/receiver.js';

/**
 * The first ten minutes, as a newcomer lives them (issue 18): `npm run dev` on a fresh database with
 * nothing configured, the token requested with the address the server printed, a hook to a
 * receiver on this machine, a user created, the signed webhook received. And `idhooks start` on a
 * busy port: one line on stderr naming the fix, exit 1. Real child processes on 127.0.0.1; every
 * wait is bounded and afterAll kills what still runs.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** `npm run dev` may first compile src/ (tens of seconds on a busy two-core machine). */
const READY_TIMEOUT_MS = 150_000;

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
let receiver: Receiver | undefined;
let blocker: Server | undefined;

afterAll(async () => {
  for (const child of children) killGroup(child, 'SIGKILL');
  await receiver?.close();
  await new Promise((done) => (blocker ? blocker.close(done) : done(undefined)));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // npm runs node in a child of its own: signal the whole group.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'idhooks-first-run-'));
  tempDirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.listen(0, '127.0.0.1', done).once('error', fail));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Spawns with nothing but PATH, HOME and `vars`: the default environment of a new user. */
function run(command: string, args: string[], vars: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      done(code ?? signal ?? -1);
    }),
  );
  return { child, output, exited };
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined, dump: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${dump()}`);
}

describe('first run', () => {
  it(
    'npm run dev on a fresh database: printed address and credentials → token → hook to a local receiver → delivery',
    async () => {
      receiver = await startReceiver();
      const port = await freePort();
      // A fresh directory for the data; nothing else is configured (PORT only because the machine is shared).
      const database = `sqlite:${join(freshDir(), 'data', 'idhooks.db')}`;
      const dev = run('npm', ['run', 'dev', '--silent'], { PORT: String(port), DATABASE_URL: database });
      const dump = () => `stdout:\n${dev.output.stdout}\nstderr:\n${dev.output.stderr}`;

      const banner = await until(
        'the banner',
        READY_TIMEOUT_MS,
        () => {
          const text = dev.output.stdout;
          const clientId = text.match(/client id:\s+(\S+)/)?.[1];
          const secret = text.match(/client secret:\s+(\S+)/)?.[1];
          const consoleUrl = text.match(/console:\s+(\S+)/)?.[1];
          const resource = text.match(/\(resource (\S+)\)/)?.[1];
          return clientId && secret && consoleUrl && resource
            ? { clientId, secret, consoleUrl, resource }
            : undefined;
        },
        dump,
      );
      // The printed addresses are the one listened on, so they work as printed.
      const endpoint = `http://127.0.0.1:${port}`;
      expect(banner.consoleUrl).toBe(`${endpoint}/console`);
      expect(banner.resource).toBe(`${endpoint}/api`);
      expect(dev.output.stdout).toContain('DEVELOPMENT mode');
      // Readable log lines, not JSON.
      expect(dev.output.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}idhooks listening on /m);
      expect(dev.output.stdout).not.toMatch(/^\{"level"/m);

      const tokenResponse = await fetch(`${endpoint}/oidc/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${banner.clientId}:${banner.secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: banner.resource,
          scope: 'all',
        }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      expect(tokenResponse.status, dump()).toBe(200);
      const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
      const api = (path: string, body: unknown) =>
        fetch(`${endpoint}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });

      const hookResponse = await api('/api/hooks', {
        name: 'local receiver',
        events: ['User.Created'],
        config: { url: `${receiver.url}/webhook` },
      });
      expect(hookResponse.status).toBe(201);
      // Development allows loopback receivers, so there is nothing to warn about.
      expect(hookResponse.headers.get('x-idhooks-warning')).toBeNull();
      const hook = (await hookResponse.json()) as { signingKey: string };

      const userResponse = await api('/api/users', { username: 'first_user' });
      expect(userResponse.status).toBe(200);

      const [delivery] = await receiver.waitFor(1, 20_000);
      const payload = JSON.parse(delivery!.body) as { event: string; data: { username: string } };
      expect(payload.event).toBe('User.Created');
      expect(payload.data.username).toBe('first_user');
      const signature = createHmac('sha256', hook.signingKey).update(delivery!.body).digest('hex');
      expect(delivery!.headers['logto-signature-sha-256']).toBe(signature);

      killGroup(dev.child, 'SIGTERM');
      await Promise.race([dev.exited, new Promise((done) => setTimeout(done, 20_000))]);
    },
    READY_TIMEOUT_MS + 60_000,
  );

  it('a port in use: one line on stderr naming the fix, exit code 1', { timeout: 60_000 }, async () => {
    blocker = createServer();
    await new Promise<void>((done, fail) => blocker!.listen(0, '127.0.0.1', done).once('error', fail));
    const address = blocker.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const database = `sqlite:${join(freshDir(), 'idhooks.db')}`;
    // The built command itself (npm adds its own lines to any failing script).
    const start = run(process.execPath, ['dist/main.js', 'start'], {
      PORT: String(address.port),
      DATABASE_URL: database,
    });
    const code = await Promise.race([
      start.exited,
      new Promise((_, fail) => setTimeout(() => fail(new Error('no exit within 45 s')), 45_000)),
    ]);
    expect(code, start.output.stderr).toBe(1);
    const lines = start.output.stderr.trimEnd().split('\n');
    expect(lines, start.output.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${address.port}`);
    expect(lines[0]).toContain('in use');
    expect(lines[0]).toContain(`PORT=${address.port + 1}`);
  });
});
