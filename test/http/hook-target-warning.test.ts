import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { TARGET_WARNING_HEADER } from '../../src/http/routes/hooks.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * A hook whose URL the delivery guard refuses is still saved (as Logto saves it), but the API
 * response carries `x-idhooks-warning`, the log says so, and every console page of the hook shows
 * it, so nobody learns it only from failed deliveries (issue 18).
 */
describeEachDialect('hooks: refused targets are announced', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;
  const lines: string[] = [];
  const logged = () =>
    lines.map((line) => JSON.parse(line) as { level: number; msg: string; hookId?: string });

  beforeAll(async () => {
    env = await createTestEnv(dialect, {
      logger: createLogger('warn', { write: (line) => lines.push(line) }),
    });
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  const create = (url: string) =>
    env.api('POST', '/api/hooks', { name: 'local', events: ['User.Created'], config: { url } });

  it('warns on create when the URL is a loopback or private address, naming the setting that allows it', async () => {
    for (const url of [
      'http://127.0.0.1:4455/hook',
      'http://[::1]:4455/',
      'http://10.1.2.3/',
      'http://localhost:9/',
    ]) {
      const response = await create(url);
      expect(response.status, url).toBe(201);
      const warning = response.headers.get(TARGET_WARNING_HEADER);
      expect(warning, url).toMatch(/^refused: .*(loopback|private).*IDHOOKS_ALLOW_PRIVATE_TARGETS/);
      const { id } = (await response.json()) as { id: string };
      const line = logged().find((entry) => entry.hookId === id);
      expect(line?.level, url).toBe(40);
      expect(line?.msg).toContain('IDHOOKS_ALLOW_PRIVATE_TARGETS');
    }
  });

  it('says nothing for a public address', async () => {
    const before = lines.length;
    const response = await create('https://93.184.216.34/hook');
    expect(response.status).toBe(201);
    expect(response.headers.get(TARGET_WARNING_HEADER)).toBeNull();
    expect(lines.length).toBe(before);
  });

  it('warns on update when the new URL is refused, and not once it is public again', async () => {
    const { id } = (await (await create('https://93.184.216.34/')).json()) as { id: string };
    const toLoopback = await env.api('PATCH', `/api/hooks/${id}`, {
      config: { url: 'http://127.0.0.1:8080/' },
    });
    expect(toLoopback.status).toBe(200);
    expect(toLoopback.headers.get(TARGET_WARNING_HEADER)).toContain('127.0.0.1');
    const back = await env.api('PATCH', `/api/hooks/${id}`, { config: { url: 'https://93.184.216.34/' } });
    expect(back.headers.get(TARGET_WARNING_HEADER)).toBeNull();
  });

  it('shows the warning on the console pages of the hook, and logs console edits too', async () => {
    const { id } = (await (await create('http://127.0.0.1:4455/')).json()) as { id: string };
    for (const path of [`/console/webhooks/${id}/settings`, `/console/webhooks/${id}/recent-requests`]) {
      const warning = testIdText(await client.page(path), 'target-warning');
      expect(warning, path).toContain('Deliveries to this endpoint will fail');
      expect(warning, path).toContain('IDHOOKS_ALLOW_PRIVATE_TARGETS');
    }
    const { id: publicId } = (await (await create('https://93.184.216.34/')).json()) as { id: string };
    expect(await client.page(`/console/webhooks/${publicId}/settings`)).not.toContain('target-warning');

    const before = lines.length;
    const response = await client.post('/console/webhooks', {
      name: 'console-made',
      url: 'http://192.168.1.20/hook',
      events: 'User.Created',
    });
    expect(response.status).toBe(303);
    expect(lines.slice(before).join('')).toContain('192.168.1.20');
  });
});

describe('hooks: development mode allows loopback targets', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('sqlite', { env: { IDHOOKS_DEV: 'true' } });
  });
  afterAll(() => env.close());

  it('does not warn about a loopback receiver, still about a private network one', async () => {
    const body = (url: string) => ({ events: ['User.Created'], config: { url } });
    const loopback = await env.api('POST', '/api/hooks', body('http://127.0.0.1:4455/'));
    expect(loopback.headers.get(TARGET_WARNING_HEADER)).toBeNull();
    const privateNet = await env.api('POST', '/api/hooks', body('http://10.0.0.5/'));
    expect(privateNet.headers.get(TARGET_WARNING_HEADER)).toContain('10.0.0.5');
  });
});
