import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyPassword } from '../../src/shared/passwords.js';
import { serviceState } from '../helpers/console-service.js';
import { signInToConsole, testIdText, type ConsoleClient } from '../helpers/console.js';
import { createTestEnv, describeEachDialect, type TestEnv } from '../helpers/test-db.js';

/**
 * Console applications pages (issue 18 item 3): create by type, the secret shown once, rotation,
 * deletion, and refused forms that change nothing.
 */
describeEachDialect('console: applications', (dialect) => {
  let env: TestEnv;
  let client: ConsoleClient;
  const db = () => env.container.database.db;

  beforeAll(async () => {
    env = await createTestEnv(dialect);
    client = await signInToConsole(env);
  });
  afterAll(() => env.close());

  it('creates applications by type, showing a working secret once for confidential ones', async () => {
    for (const type of ['Traditional', 'MachineToMachine'] as const) {
      const response = await client.post('/console/applications', {
        name: `App ${type}`,
        type,
        redirectUris: type === 'Traditional' ? 'https://app.example/callback\nhttps://app.example/cb2' : '',
      });
      expect(response.status, type).toBe(201);
      const html = await response.text();
      const id = testIdText(html, 'application-id') ?? '';
      const secret =
        html.match(/data-testid="client-secret"|value="([^"]+)"[^>]*data-testid="client-secret"/)?.[1] ?? '';
      expect(secret, type).toMatch(/^[0-9A-Za-z]{32}$/);
      const row = await db()
        .selectFrom('applications')
        .select('secretHash')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(await verifyPassword(row.secretHash ?? '', secret)).toBe(true);
      // Shown once: the page of the application does not carry it again.
      expect(await client.page(`/console/applications/${id}`)).not.toContain(secret);
      if (type === 'Traditional') {
        expect(testIdText(html, 'redirect-uris')).toContain('https://app.example/callback');
      }
    }
    for (const type of ['SPA', 'Native'] as const) {
      const response = await client.post('/console/applications', {
        name: `App ${type}`,
        type,
        redirectUris: type === 'SPA' ? 'https://spa.example/cb' : 'io.example.app://callback',
      });
      expect(response.status, type).toBe(303);
      const location = response.headers.get('location') ?? '';
      expect(location).toMatch(/^\/console\/applications\/[0-9a-z]{21}\?notice=application-created$/);
      const html = await client.page(location);
      expect(html).not.toContain('data-testid="secret-once"');
      expect(html).toContain('None (public client)');
    }
    const list = await client.page('/console/applications');
    for (const label of ['Traditional web', 'Machine-to-machine', 'Single-page app', 'Native']) {
      expect(list).toContain(label);
    }
  });

  it('refuses a bad application form with each problem and creates nothing', async () => {
    const before = await serviceState(env);
    for (const [fields, message] of [
      [{ name: '', type: 'SPA' }, 'Enter a name for the application.'],
      [{ name: 'x'.repeat(257), type: 'SPA' }, 'The name must be at most 256 characters.'],
      [{ name: 'No type' }, 'Choose the type of application.'],
      [{ name: 'Bad type', type: 'Protected' }, 'Choose the type of application.'],
      [{ name: 'Bad URI', type: 'SPA', redirectUris: 'not a uri' }, 'not a uri is not an absolute URI'],
      [
        { name: 'M2M', type: 'MachineToMachine', redirectUris: 'https://x.example/cb' },
        'Machine-to-machine applications sign no user in',
      ],
      [
        {
          name: 'Many',
          type: 'SPA',
          redirectUris: Array.from({ length: 21 }, (_, i) => `https://x.example/${i}`).join('\n'),
        },
        'Enter at most 20 redirect URIs.',
      ],
    ] as const) {
      const response = await client.post('/console/applications', fields);
      const html = await response.text();
      expect(response.status, message).toBe(400);
      expect(testIdText(html, 'error'), message).toContain('The application was not created');
      expect(html, message).toContain(message);
    }
    expect(await serviceState(env)).toEqual(before);
  });

  it('rotates a secret once confirmed (the old one stops working) and deletes an application', async () => {
    const created = await client.post('/console/applications', {
      name: 'Rotating',
      type: 'MachineToMachine',
    });
    const html = await created.text();
    const id = testIdText(html, 'application-id') ?? '';
    const secretOf = (page: string) =>
      page.match(/value="([^"]+)"[^>]*data-testid="client-secret"/)?.[1] ?? '';
    const first = secretOf(html);
    expect(
      testIdText(await client.page(`/console/applications/${id}/secret/rotate`), 'confirm-text'),
    ).toContain('The current secret stops working at once');
    const rotated = await client.post(`/console/applications/${id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    const second = secretOf(await rotated.text());
    expect(second).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(second).not.toBe(first);
    const row = await db()
      .selectFrom('applications')
      .select('secretHash')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(row.secretHash ?? '', second)).toBe(true);
    expect(await verifyPassword(row.secretHash ?? '', first)).toBe(false);
    // Public clients have no secret; the admin application's comes from the configuration.
    const spa = await client.post('/console/applications', { name: 'Public', type: 'SPA' });
    const spaId = (spa.headers.get('location') ?? '').split('/')[3]?.split('?')[0] ?? '';
    const refused = await client.post(`/console/applications/${spaId}/secret/rotate`);
    expect(refused.status).toBe(400);
    expect(testIdText(await refused.text(), 'error')).toBe(
      'SPA applications are public clients and have no secret.',
    );
    const admin = await client.post(`/console/applications/${env.admin.clientId}/secret/rotate`);
    expect(admin.status).toBe(400);
    expect(
      await verifyPassword(
        (
          await db()
            .selectFrom('applications')
            .select('secretHash')
            .where('id', '=', env.admin.clientId)
            .executeTakeFirstOrThrow()
        ).secretHash ?? '',
        env.admin.clientSecret,
      ),
    ).toBe(true);
    const adminPage = await client.page(`/console/applications/${env.admin.clientId}`);
    expect(adminPage).not.toContain('/delete"');
    expect((await client.post(`/console/applications/${env.admin.clientId}/delete`)).status).toBe(422);
    expect(testIdText(await client.page(`/console/applications/${id}/delete`), 'confirm-text')).toContain(
      'Delete "Rotating"?',
    );
    const deleted = await client.post(`/console/applications/${id}/delete`);
    expect(deleted.headers.get('location')).toBe('/console/applications?notice=application-deleted');
    expect((await client.get(`/console/applications/${id}`)).status).toBe(404);
  });
});
