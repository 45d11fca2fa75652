import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/shared/clock.js';
import { expectStatus } from '../helpers/api.js';
import { eventually } from '../helpers/builders.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { createTestEnv, type TestEnv } from '../helpers/test-db.js';

/**
 * The receiver package as a user gets it: `npm pack`, installed from the tarball into a fresh
 * project (offline: it has no dependencies), type-checked there, and run as a child process whose
 * node:http, Express, Hono and Next.js-example receivers verify real deliveries from a running
 * idhooks (in-process, its delivery engine POSTing over 127.0.0.1).
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const PACKAGE_DIR = join(ROOT, 'packages/webhooks');
const CONSUMER = join(ROOT, 'test/webhooks-package/consumer');
const PASSWORD = 'correct-horse-battery-staple';

interface PackResult {
  filename: string;
  files: { path: string }[];
}
interface LogLine {
  route: string;
  status: number;
  event?: string;
  userId?: string;
  code?: string;
}

/**
 * The root README's receiver code ("Receiving webhooks"), unchanged, as a module: its imports on
 * top, its other lines in `handle(rawBody, request, signingKey)`, which returns the event.
 */
function readmeModule(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Receiving webhooks'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ts block under "Receiving webhooks"');
  const lines = code.trimEnd().split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import '));
  expect(body.length + imports.length, 'the README promises three lines').toBeLessThanOrEqual(3);
  return `${imports.join('\n')}\nexport function handle(rawBody, request, signingKey) {\n${body.join('\n')}\nreturn event;\n}\n`;
}

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

describe('@idhooks/webhooks, packed and installed', () => {
  let tmp: string;
  let app: string;
  let pack: PackResult;
  let child: ChildProcess;
  let ports: Record<'nodePort' | 'expressPort' | 'honoPort' | 'nextPort', number>;
  const lines: LogLine[] = [];
  let env: TestEnv;
  let capture: Receiver;
  const clock = createManualClock(Date.now());
  const keys: Record<string, string> = {};
  const hookIds: Record<string, string> = {};
  const writeKeys = () => writeFileSync(join(app, 'keys.json'), JSON.stringify(keys));

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'idhooks-webhooks-'));
    // `npm pack` runs the package's `prepare` (the build) first, as `npm publish` would.
    const packed = JSON.parse(
      npm(['pack', '--json', '--pack-destination', tmp], PACKAGE_DIR),
    ) as PackResult[];
    if (!packed[0]) throw new Error('npm pack produced no tarball');
    pack = packed[0];
    app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    npm(['install', '--offline', '--no-audit', '--no-fund', join(tmp, pack.filename)], app);
    // Frameworks the receiver uses (not the package's dependencies) come from this repository.
    for (const name of ['express', 'hono', '@hono/node-server']) {
      mkdirSync(join(app, 'node_modules', name, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }
    copyFileSync(join(CONSUMER, 'receiver.mjs'), join(app, 'receiver.mjs'));
    copyFileSync(join(CONSUMER, 'consumer.ts'), join(app, 'consumer.ts'));
    const example = readFileSync(
      join(app, 'node_modules/@idhooks/webhooks/examples/nextjs-route.ts'),
      'utf8',
    );
    const compiled = ts.transpileModule(example, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(app, 'next-route.mjs'), compiled.outputText);
    writeFileSync(join(app, 'readme.mjs'), readmeModule());
    writeKeys();

    env = await createTestEnv('sqlite', { clock, env: { IDHOOKS_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32' } });
    capture = await startReceiver({ validateEvents: true });

    child = spawn(process.execPath, ['receiver.mjs'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<typeof ports>((resolveReady, reject) => {
      child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!line.startsWith('{')) return; // the Next.js example's console.log lines
        const parsed = JSON.parse(line) as LogLine & { ready?: typeof ports };
        if (parsed.ready) resolveReady(parsed.ready);
        else lines.push(parsed);
      });
    });
    ports = await ready;

    const hook = async (name: string, url: string) => {
      const created = await expectStatus<{ id: string; signingKey: string }>(
        await env.api('POST', '/api/hooks', { name, events: ['User.Created'], config: { url } }),
        201,
      );
      hookIds[name] = created.id;
      return created.signingKey;
    };
    const at = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
    keys.capture = await hook('capture', `${capture.url}/capture`);
    keys.node = await hook('node', at(ports.nodePort, '/node?key=node'));
    keys.logto = await hook('logto', at(ports.nodePort, '/node?key=logto&scheme=logto'));
    const expressKey = await hook('express', at(ports.expressPort, '/express?key=express'));
    // The Standard Webhooks form of the key works as well as the key itself.
    keys.express = `whsec_${Buffer.from(expressKey, 'utf8').toString('base64')}`;
    keys.hono = await hook('hono', at(ports.honoPort, '/hono?key=hono'));
    keys.next = await hook('next', at(ports.nextPort, '/next?key=next'));
    keys.readme = await hook('readme', at(ports.nodePort, '/readme?key=readme'));
    writeKeys();
    await env.container.delivery.engine.start();
  }, 300_000);

  afterAll(async () => {
    child?.kill();
    await env?.close();
    await capture?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const createUser = async (username: string) => {
    clock.set(Date.now());
    const user = await expectStatus<{ id: string }>(
      await env.api('POST', '/api/users', { username, password: PASSWORD }),
      200,
    );
    return user.id;
  };
  /** The receiver's log lines for deliveries about `userId` (the Next.js route logs no event). */
  const linesFor = (route: string, userId: string) =>
    lines.filter((l) => l.route === route && (l.userId === userId || route === 'next'));
  const waitForLine = (what: string, match: (line: LogLine) => boolean) =>
    eventually(async () => lines.find(match), { timeoutMs: 15_000, what });

  const replay = (
    port: number,
    path: string,
    request: ReceivedRequest,
    change: Partial<{ body: string; headers: Record<string, string | undefined> }> = {},
  ) => {
    const headers: Record<string, string> = {};
    for (const name of [
      'content-type',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'logto-signature-sha-256',
    ]) {
      const value =
        name in (change.headers ?? {})
          ? change.headers?.[name]
          : (request.headers[name] as string | undefined);
      if (value !== undefined) headers[name] = value;
    }
    return fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers,
      body: change.body ?? request.body,
    });
  };

  it('ships built JavaScript, declarations, JSON Schemas, the README and the Next.js example, and nothing private', () => {
    const files = pack.files.map((f) => f.path);
    for (const expected of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/express.js',
      'dist/hono.d.ts',
      'dist/node.js',
      'dist/schemas.js',
      'README.md',
      'examples/nextjs-route.ts',
      'schemas/User.Created.json',
      'package.json',
    ]) {
      expect(files).toContain(expected);
    }
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
    const manifest = JSON.parse(
      readFileSync(join(app, 'node_modules/@idhooks/webhooks/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.types).toBe('./dist/index.d.ts');
  });

  it('type-checks a consumer against the installed types (the union narrows on `event`)', () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['consumer.ts', 'node_modules/@idhooks/webhooks/examples/nextjs-route.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', app], { encoding: 'utf8', stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('verifies a real delivery in node:http, Express, Hono, the Next.js route and the README lines, by either signature', async () => {
    const userId = await createUser('alice');
    for (const route of ['node', 'logto', 'express', 'hono', 'readme']) {
      await waitForLine(`${route} verified`, (l) => l.route === route && l.userId === userId);
      expect(linesFor(route, userId).map((l) => [l.status, l.event])).toEqual([[204, 'User.Created']]);
    }
    // `scheme: 'logto'` checks only logto-signature-sha-256.
    await waitForLine('logto verified', (l) => l.route === 'logto' && l.userId === userId);
    await waitForLine('next verified', (l) => l.route === 'next' && l.status === 204);
    await capture.waitFor(1);
  });

  it('refuses a tampered body, a wrong key, a missing signature and a Logto signature that does not match', async () => {
    const [delivered] = await capture.waitFor(1);
    const body = delivered!.body.replace('"alice"', '"mallory"');
    expect(body).not.toBe(delivered!.body);
    keys.other = keys.node!;
    keys.right = keys.capture!;
    writeKeys();
    const code = async (response: Response) => ({
      status: response.status,
      code: ((await response.json()) as { code: string }).code,
    });

    expect((await replay(ports.nodePort, '/node?key=right', delivered!)).status).toBe(204);
    expect(await code(await replay(ports.nodePort, '/node?key=right', delivered!, { body }))).toEqual({
      status: 401,
      code: 'signature_mismatch',
    });
    expect(await code(await replay(ports.expressPort, '/express?key=right', delivered!, { body }))).toEqual({
      status: 401,
      code: 'signature_mismatch',
    });
    expect(await code(await replay(ports.honoPort, '/hono?key=right', delivered!, { body }))).toEqual({
      status: 401,
      code: 'signature_mismatch',
    });
    expect(await code(await replay(ports.nextPort, '/next?key=right', delivered!, { body }))).toEqual({
      status: 401,
      code: 'signature_mismatch',
    });
    expect(
      await code(await replay(ports.nodePort, '/node?key=right&scheme=logto', delivered!, { body })),
    ).toEqual({ status: 401, code: 'signature_mismatch' });
    expect((await replay(ports.nodePort, '/node?key=right&scheme=logto', delivered!)).status).toBe(204);
    expect(await code(await replay(ports.expressPort, '/express?key=other', delivered!))).toEqual({
      status: 401,
      code: 'signature_mismatch',
    });
    expect((await replay(ports.expressPort, '/express-raw?key=right', delivered!)).status).toBe(204);
    expect(
      await code(await replay(ports.expressPort, '/express-raw?key=right', delivered!, { body })),
    ).toEqual({
      status: 401,
      code: 'signature_mismatch',
    });
    const parsedFirst = await replay(ports.expressPort, '/express-json?key=right', delivered!);
    expect(parsedFirst.status).toBe(500);
    expect(((await parsedFirst.json()) as { message: string }).message).toMatch(
      /already parsed \(express\.json\?\)/,
    );
    const unsigned = { 'webhook-signature': undefined, 'logto-signature-sha-256': undefined };
    expect(
      await code(await replay(ports.honoPort, '/hono?key=right', delivered!, { headers: unsigned })),
    ).toEqual({ status: 401, code: 'missing_signature' });
    // A replayed request whose id was changed no longer matches either: the id is signed.
    expect(
      await code(
        await replay(ports.nodePort, '/node?key=right', delivered!, {
          headers: { 'webhook-id': 'dlv_forged' },
        }),
      ),
    ).toEqual({ status: 401, code: 'signature_mismatch' });
  });

  it('accepts a delivery signed with the old and the new key while a rotated key is in its grace period', async () => {
    const rotate = async (name: string) =>
      (
        await expectStatus<{ signingKey: string }>(
          await env.api('PATCH', `/api/hooks/${hookIds[name]}/signing-key`),
          200,
        )
      ).signingKey;
    await rotate('express'); // the receiver keeps the old (whsec_) key
    keys.hono = await rotate('hono'); // the receiver moved to the new key
    await rotate('logto'); // the receiver keeps the old key, but checks only the Logto header
    keys.right = await rotate('capture');
    writeKeys();
    const userId = await createUser('carol');
    await waitForLine('express, old key', (l) => l.route === 'express' && l.userId === userId);
    await waitForLine('hono, new key', (l) => l.route === 'hono' && l.userId === userId);
    expect(linesFor('express', userId).map((l) => l.status)).toEqual([204]);
    expect(linesFor('hono', userId).map((l) => l.status)).toEqual([204]);
    const [, rotated] = await capture.waitFor(2);
    expect(String(rotated!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // logto-signature-sha-256 uses the new key at once, as in Logto: an old-key Logto receiver refuses.
    await eventually(
      async () => (lines.some((l) => l.route === 'logto' && l.status === 401) ? true : undefined),
      {
        what: 'the logto route refusing the old key',
      },
    );
  });

  it('refuses a delivery whose timestamp is older than the tolerance, and accepts it with a wider one', async () => {
    clock.set(Date.now() - 10 * 60_000);
    await expectStatus(await env.api('POST', '/api/users', { username: 'dave', password: PASSWORD }), 200);
    const stale = (await capture.waitFor(3))[2]!;
    expect(Number(stale.headers['webhook-timestamp'])).toBeLessThan(Date.now() / 1000 - 500);
    const code = async (response: Response) => ({
      status: response.status,
      code: ((await response.json()) as { code: string }).code,
    });
    expect(await code(await replay(ports.nodePort, '/node?key=right', stale))).toEqual({
      status: 401,
      code: 'timestamp_out_of_tolerance',
    });
    expect(await code(await replay(ports.expressPort, '/express?key=right', stale))).toEqual({
      status: 401,
      code: 'timestamp_out_of_tolerance',
    });
    expect((await replay(ports.nodePort, '/node?key=right&tolerance=3600', stale)).status).toBe(204);
    // The Logto header carries no timestamp: that scheme cannot refuse a replay (documented).
    expect((await replay(ports.nodePort, '/node?key=right&scheme=logto', stale)).status).toBe(204);
  });
});
