import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type ServerCommands } from '../src/cli/index.js';
import type { Output } from '../src/cli/output.js';
import { verifyLogtoSignature } from '../src/domain/signing.js';

/**
 * The `idhooks` command line: in process for every usage mistake (exit 2, the usage, nothing
 * started), as child processes for `--help` in an empty directory (no server, no file, no
 * credentials) and for `listen` end to end: a real server, a node:http receiver that checks both
 * signatures, and a server restart that `listen` rides out without losing or repeating an event.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'src', 'main.ts');
const TIMEOUT_MS = 120_000;
const ADMIN = {
  IDHOOKS_ADMIN_CLIENT_ID: 'cli-admin',
  IDHOOKS_ADMIN_CLIENT_SECRET: 'cli-admin-secret-0123456789',
};

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'idhooks-cli-client-'));
  tempDirs.push(dir);
  return dir;
};

function captured(): Output & { stdout: string; stderr: string } {
  const out = {
    stdout: '',
    stderr: '',
    line: (text: string) => void (out.stdout += `${text}\n`),
    info: (text: string) => void (out.stdout += `${text}\n`),
    error: (text: string) => void (out.stderr += `${text}\n`),
    help: (usage: string) => ((out.stdout += `${usage}\n`), 0),
    isInteractive: false,
    progress: (text: string) => void (out.stderr += `${text}\n`),
  };
  return out;
}

const refuseToStart: ServerCommands = {
  start: () => Promise.reject(new Error('the server must not start')),
  migrate: () => Promise.reject(new Error('migrations must not run')),
  keys: () => Promise.reject(new Error('keys must not change')),
};

describe('idhooks usage mistakes (in process)', () => {
  const creds = ['--client-id', 'a', '--client-secret', 'b', '--url', 'http://127.0.0.1:9'];
  it.each([
    [[], 'No command given.'],
    [['nope'], 'Unknown command "nope"'],
    [['help', 'nope'], 'unknown command'],
    [['--bogus'], 'Unknown command "--bogus"'],
    [['start', '--bogus'], "Unknown option '--bogus'"],
    [['start', '--role'], "Option '--role <value>' argument missing"],
    [['start', '--role', 'db'], 'Unknown role "db"'],
    [['start', 'extra'], 'Unexpected argument "extra"'],
    [['migrate', '--role', 'api'], "Unknown option '--role'"],
    [['migrate', 'now'], 'Unexpected argument "now"'],
    [['keys'], 'Missing rotate|retire'],
    [['keys', 'delete'], 'Unknown action "delete"'],
    [['keys', 'rotate', 'now'], 'Unexpected argument "now"'],
    [['keys', '--force'], "Unknown option '--force'"],
    [['listen'], '--forward-to is required'],
    [['listen', '--forward-to'], 'argument missing'],
    [['listen', '--forward-to', 'localhost:3000', ...creds], '--forward-to must be an http'],
    [['listen', '--forward-to', 'ftp://127.0.0.1/x', ...creds], '--forward-to must be an http'],
    [
      ['listen', '--forward-to', 'http://127.0.0.1:1/x', '--events', 'Nope.*', ...creds],
      '--events "Nope.*" matches no event',
    ],
    [
      ['listen', '--forward-to', 'http://127.0.0.1:1/x', '--events', '', ...creds],
      '--events must be a comma-separated',
    ],
    [
      ['listen', '--forward-to', 'http://127.0.0.1:1/x', '--after', 'yesterday', ...creds],
      '--after must be a cursor',
    ],
    [['listen', '--forward-to', 'http://127.0.0.1:1/x', '--secret', 'short', ...creds], '--secret must be'],
    [
      [
        'listen',
        '--forward-to',
        'http://127.0.0.1:1/x',
        '--url',
        'not a url',
        '--client-id',
        'a',
        '--client-secret',
        'b',
      ],
      '--url must be',
    ],
    [
      [
        'listen',
        '--forward-to',
        'http://127.0.0.1:1/x',
        '--url',
        'http://127.0.0.1:9?x=1',
        '--client-id',
        'a',
        '--client-secret',
        'b',
      ],
      '--url must be',
    ],
    [
      ['listen', '--forward-to', 'http://127.0.0.1:1/x', '--url', 'http://127.0.0.1:9'],
      'Admin credentials are missing',
    ],
    [['listen', '--forward-to', 'http://127.0.0.1:1/x', '--verbose', ...creds], "Unknown option '--verbose'"],
    [['listen', 'extra', '--forward-to', 'http://127.0.0.1:1/x', ...creds], 'Unexpected argument "extra"'],
    [['deliveries'], 'Missing deliveries command'],
    [['deliveries', 'purge'], 'Unknown deliveries command "purge"'],
    [['deliveries', 'list', ...creds], '--hook is required'],
    [['deliveries', 'list', '--hook', 'h', '--status', 'done', ...creds], '--status must be one of'],
    [['deliveries', 'list', '--hook', 'h', '--event', 'User.*', ...creds], '--event must be one event name'],
    [
      ['deliveries', 'list', '--hook', 'h', '--limit', '0', ...creds],
      '--limit must be a whole number from 1 to 100',
    ],
    [['deliveries', 'list', '--hook', 'h', '--limit', '101', ...creds], '--limit must be'],
    [['deliveries', 'list', '--hook', 'h', '--limit', 'ten', ...creds], '--limit must be'],
    [['deliveries', 'list', '--hook', 'h', '--since', 'last week', ...creds], '--since must be'],
    [
      ['deliveries', 'list', '--hook', 'h', '--json=yes', ...creds],
      "Option '--json' does not take an argument",
    ],
    [['deliveries', 'show', '--hook', 'h', ...creds], 'Missing <delivery-id>'],
    [['deliveries', 'show', 'd1', 'd2', '--hook', 'h', ...creds], 'Unexpected argument "d2"'],
    [['deliveries', 'show', 'd1', ...creds], '--hook is required'],
    [['deliveries', 'resend', '--hook', 'h', ...creds], 'Missing <delivery-id>'],
    [['deliveries', 'recover', ...creds], '--since is required'],
    [
      ['deliveries', 'recover', '--since', '1h', '--until', '2h', ...creds],
      '--until must not be before --since',
    ],
    [['deliveries', 'recover', '--since', '2026-13-45', ...creds], '--since must be'],
    [['deliveries', 'recover', '--since', '1h', '--until', 'soon', ...creds], '--until must be'],
    [['hooks'], 'Missing hooks command'],
    [['hooks', 'delete', 'x'], 'Unknown hooks command "delete"'],
    [['hooks', 'list', '--all', ...creds], "Unknown option '--all'"],
    [['hooks', 'list', 'extra', ...creds], 'Unexpected argument "extra"'],
    [['hooks', 'test', ...creds], 'Missing <hook-id>'],
    [
      ['hooks', 'test', 'h', '--events', 'user.created', ...creds],
      '--events "user.created" matches no event',
    ],
  ])('idhooks %j exits 2 with the message and the usage', async (argv, message) => {
    const out = captured();
    expect(await runCli(argv, refuseToStart, out)).toBe(2);
    expect(out.stderr).toContain(message);
    expect(out.stderr).toContain('Usage: idhooks');
    expect(out.stdout).toBe('');
  });

  it.each([
    [['--help'], 'Usage: idhooks <command>'],
    [['-h'], 'Usage: idhooks <command>'],
    [['help'], 'Usage: idhooks <command>'],
    [['help', 'listen'], 'Usage: idhooks listen'],
    [['help', 'deliveries', 'recover'], 'Usage: idhooks deliveries recover'],
    [['start', '--help'], 'Usage: idhooks start'],
    [['start', '--bogus', '--help'], 'Usage: idhooks start'],
    [['migrate', '-h'], 'Usage: idhooks migrate'],
    [['listen', '--help'], 'Usage: idhooks listen'],
    [['deliveries', '--help'], 'Usage: idhooks deliveries <list'],
    [['deliveries', 'list', '--help'], 'Usage: idhooks deliveries list'],
    [['deliveries', 'show', '--help'], 'Usage: idhooks deliveries show'],
    [['deliveries', 'resend', '--help'], 'Usage: idhooks deliveries resend'],
    [['deliveries', 'recover', '--help'], 'Usage: idhooks deliveries recover'],
    [['hooks', '--help'], 'Usage: idhooks hooks <list'],
    [['hooks', 'list', '--help'], 'Usage: idhooks hooks list'],
    [['hooks', 'test', '--help'], 'Usage: idhooks hooks test'],
  ])('idhooks %j prints the help and exits 0 without starting anything', async (argv, usage) => {
    const out = captured();
    expect(await runCli(argv, refuseToStart, out)).toBe(0);
    expect(out.stdout).toContain(usage);
    expect(out.stderr).toBe('');
  });

  it('prints the package version', async () => {
    const out = captured();
    expect(await runCli(['--version'], refuseToStart, out)).toBe(0);
    expect(out.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

interface Run {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | string>;
}

function run(args: string[], vars: Record<string, string>, cwd = ROOT): Run {
  const child = spawn(TSX, [MAIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 45_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('idhooks as a child process', () => {
  it.each([
    [['--help']],
    [['start', '--help']],
    [['migrate', '--help']],
    [['help']],
    [['start', '--nope']],
    [[]],
  ])(
    'idhooks %j in an empty directory starts nothing and creates no file',
    async (args) => {
      const cwd = tempDir();
      const cli = run(args, {}, cwd);
      const code = await within(cli.exited, 30_000, 'exit');
      expect(code).toBe(args.length === 0 || args.includes('--nope') ? 2 : 0);
      expect(readdirSync(cwd)).toEqual([]);
      expect(cli.stdout() + cli.stderr()).not.toMatch(/client secret|listening on/);
    },
    TIMEOUT_MS,
  );
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => server.listen(0, '127.0.0.1', done).once('error', fail));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
}

describe('idhooks listen', () => {
  it(
    'forwards live events to a local receiver with both signatures and resumes after the server restarts',
    async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const serverVars = {
        DATABASE_URL: `sqlite:${join(tempDir(), 'idhooks.db')}`,
        HOST: '127.0.0.1',
        PORT: String(port),
        IDHOOKS_ENDPOINT: url,
        IDHOOKS_LOG_LEVEL: 'warn',
        ...ADMIN,
      };
      const startServer = async () => {
        const server = run(['start'], serverVars);
        await until(
          async () =>
            (await fetch(`${url}/api/status`, { signal: AbortSignal.timeout(1000) }).then(
              (r) => r.status,
              () => 0,
            )) === 204,
          'the server',
        );
        return server;
      };
      const received: Received[] = [];
      const receiver: Server = createHttpServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          received.push({ headers: req.headers as Record<string, string>, body });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
      const receiverPort = (receiver.address() as { port: number }).port;
      let server = await startServer();
      const token = async () => {
        const response = await fetch(`${url}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: ADMIN.IDHOOKS_ADMIN_CLIENT_ID,
            client_secret: ADMIN.IDHOOKS_ADMIN_CLIENT_SECRET,
            resource: `${url}/api`,
            scope: 'all',
          }),
        });
        return ((await response.json()) as { access_token: string }).access_token;
      };
      const createUser = async (username: string) => {
        const response = await fetch(`${url}/api/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
          body: JSON.stringify({ username }),
        });
        expect(response.status).toBe(200);
      };

      const listen = run(
        [
          'listen',
          '--forward-to',
          `http://127.0.0.1:${receiverPort}/hooks`,
          '--events',
          'User.*',
          '--url',
          url,
        ],
        {
          IDHOOKS_ADMIN_CLIENT_ID: ADMIN.IDHOOKS_ADMIN_CLIENT_ID,
          IDHOOKS_ADMIN_CLIENT_SECRET: ADMIN.IDHOOKS_ADMIN_CLIENT_SECRET,
        },
      );
      try {
        await until(() => /Events: User\.\*/.test(listen.stdout()), 'the listen banner');
        const whsec = /Signing secret: (whsec_\S+)/.exec(listen.stdout())?.[1] ?? '';
        const logtoKey = /logto-signature-sha-256 key: ([^;\s]+)/.exec(listen.stdout())?.[1] ?? '';
        expect(whsec).toMatch(/^whsec_/);
        // `listen` starts at the latest event: give it a moment to connect before the first event.
        await new Promise((done) => setTimeout(done, 1500));
        await createUser('listen_1');
        await createUser('listen_2');
        await until(() => received.length >= 2, 'two forwarded events');

        // The server goes away and comes back; events made before listen reconnects still arrive.
        server.child.kill('SIGTERM');
        expect(await within(server.exited, 30_000, 'server stop')).toBe(0);
        await until(
          () => /Disconnected|reconnecting/.test(listen.stdout()),
          'listen noticing the disconnect',
        );
        server = await startServer();
        await createUser('listen_3');
        await createUser('listen_4');
        await until(() => received.length >= 4, 'four forwarded events');
        await new Promise((done) => setTimeout(done, 500));

        const verifier = new Webhook(whsec);
        const names = received.map(({ headers, body }) => {
          expect(verifyLogtoSignature(logtoKey, body, headers['logto-signature-sha-256'] ?? '')).toBe(true);
          verifier.verify(body, headers);
          const payload = JSON.parse(body) as { event: string; data: { username: string }; hookId: string };
          expect(payload.event).toBe('User.Created');
          return payload.data.username;
        });
        expect(names).toEqual(['listen_1', 'listen_2', 'listen_3', 'listen_4']);
        expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(4);
        // A tampered body fails both checks.
        const tampered = (received[0]?.body ?? '').replace('listen_1', 'listen_X');
        expect(
          verifyLogtoSignature(logtoKey, tampered, received[0]?.headers['logto-signature-sha-256'] ?? ''),
        ).toBe(false);
        expect(() => verifier.verify(tampered, received[0]?.headers ?? {})).toThrow();

        const lines = listen
          .stdout()
          .split('\n')
          .filter((line) => line.includes('User.Created'));
        expect(lines).toHaveLength(4);
        for (const line of lines)
          expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z\s+User\.Created\s+evt_\S+\s+→ 204\s+\d+ ms$/);
        process.stdout.write(
          `\n--- idhooks listen output ---\n${listen.stdout()}-----------------------------\n`,
        );

        listen.child.kill('SIGINT');
        expect(await within(listen.exited, 10_000, 'listen stop')).toBe(0);
        expect(listen.stdout()).toMatch(/Stopped\. Resume with --after \d+-\d+/);
      } finally {
        for (const child of [listen.child, server.child]) if (child.exitCode === null) child.kill('SIGKILL');
        await new Promise((done) => receiver.close(done));
      }
    },
    TIMEOUT_MS,
  );
});

describe('idhooks deliveries and hooks against a running server', () => {
  it(
    'lists, shows, resends and recovers deliveries, lists and tests hooks, as tables and --json',
    async () => {
      const { createTestEnv } = await import('./helpers/test-db.js');
      const { serve } = await import('@hono/node-server');
      const { startReceiver } = await import('./helpers/receiver.js');
      const receiver = await startReceiver();
      receiver.respondWith({ status: 500, body: 'down' });
      const env = await createTestEnv('sqlite', {
        env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32', IDHOOKS_RETRY_SCHEDULE: '0' },
      });
      const server = serve({ fetch: env.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((done) => server.once('listening', () => done()));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const cli = async (...argv: string[]) => {
        const out = captured();
        const code = await runCli(
          [
            ...argv,
            '--url',
            url,
            '--client-id',
            env.admin.clientId,
            '--client-secret',
            env.admin.clientSecret,
            '--resource',
            'http://localhost:3001/api',
          ],
          refuseToStart,
          out,
        );
        return { code, ...out };
      };
      try {
        await env.container.delivery.engine.start();
        const hookResponse = await env.api('POST', '/api/hooks', {
          name: 'cli hook',
          events: ['User.Created'],
          config: { url: `${receiver.url}/cli` },
        });
        const hook = (await hookResponse.json()) as { id: string };
        await env.api('POST', '/api/users', { username: 'cli_user_1' });
        await until(async () => {
          const listed = await cli('deliveries', 'list', '--hook', hook.id, '--status', 'failed', '--json');
          return (JSON.parse(listed.stdout || '[]') as unknown[]).length === 1;
        }, 'a failed delivery');

        const table = await cli('deliveries', 'list', '--hook', hook.id);
        expect(table.code).toBe(0);
        expect(table.stdout).toMatch(/^ID\s+EVENT\s+STATUS\s+ATTEMPTS\s+LAST\s+CREATED\s+NEXT ATTEMPT\n/);
        expect(table.stdout).toMatch(/dlv_\S+\s+User\.Created\s+failed\s+2\s+500/);
        const deliveryId = /(dlv_\S+)/.exec(table.stdout)?.[1] ?? '';

        const shown = await cli('deliveries', 'show', deliveryId, '--hook', hook.id);
        expect(shown.stdout).toMatch(/ATTEMPT\s+STARTED\s+RESULT\s+STATUS\s+MS/);
        expect(shown.stdout).toMatch(/\n1\s+\S+Z\s+Error\s+500\s+\d+\s+down/);
        const shownJson = JSON.parse(
          (await cli('deliveries', 'show', deliveryId, '--hook', hook.id, '--json')).stdout,
        ) as {
          attempts: unknown[];
        };
        expect(shownJson.attempts).toHaveLength(2);

        receiver.respondWith({ status: 200, body: 'ok' });
        const resent = await cli('deliveries', 'resend', deliveryId, '--hook', hook.id);
        expect(resent.stdout).toContain(`Delivery ${deliveryId} queued for a new attempt`);
        await until(
          async () =>
            (
              await cli('deliveries', 'list', '--hook', hook.id, '--status', 'succeeded', '--json')
            ).stdout.includes(deliveryId),
          'the resend',
        );

        receiver.respondWith({ status: 500, body: 'down again' });
        await env.api('POST', '/api/users', { username: 'cli_user_2' });
        await until(
          async () =>
            (
              JSON.parse(
                (await cli('deliveries', 'list', '--hook', hook.id, '--status', 'failed', '--json')).stdout,
              ) as unknown[]
            ).length === 1,
          'a second failure',
        );
        receiver.respondWith({ status: 200, body: 'ok' });
        const recovered = await cli('deliveries', 'recover', '--since', '1h');
        expect(recovered.code).toBe(0);
        expect(recovered.stdout).toContain('1 failed deliveries queued again.');
        expect(recovered.stderr).toContain('[########################] 1/1');
        const recoveredJson = await cli(
          'deliveries',
          'recover',
          '--since',
          '1h',
          '--hook',
          hook.id,
          '--json',
        );
        expect(JSON.parse(recoveredJson.stdout)).toEqual({
          recovered: 0,
          hooks: [{ hookId: hook.id, recovered: 0 }],
        });

        const hooks = await cli('hooks', 'list');
        expect(hooks.stdout).toMatch(/^ID\s+NAME\s+ENABLED\s+URL\s+24H OK\s+CREATED\s+EVENTS\n/);
        expect(hooks.stdout).toContain(`${hook.id}  cli hook  yes`);
        expect(
          (JSON.parse((await cli('hooks', 'list', '--json')).stdout) as { id: string }[]).map((h) => h.id),
        ).toEqual([hook.id]);
        const before = receiver.requests.length;
        const tested = await cli('hooks', 'test', hook.id);
        expect(tested.stdout).toContain('Sent 1 test payload(s)');
        expect(receiver.requests.length).toBe(before + 1);

        // Server-side errors: exit 1 with the server's code.
        const missing = await cli('deliveries', 'show', 'dlv_nope', '--hook', hook.id);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain('404 entity.not_exists_with_id');
        const badCredentials = captured();
        expect(
          await runCli(
            ['hooks', 'list', '--url', url, '--client-id', 'x', '--client-secret', 'y'],
            refuseToStart,
            badCredentials,
          ),
        ).toBe(1);
        expect(badCredentials.stderr).toMatch(/idhooks answered 40\d/);
      } finally {
        await env.container.delivery.engine.stop();
        await new Promise((done) => server.close(done));
        await env.close();
        await receiver.close();
      }
    },
    TIMEOUT_MS,
  );
});
