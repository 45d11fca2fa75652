/**
 * The SSRF guard end to end. Only loopback targets are used, with loopback NOT allow-listed: if the
 * guard had a bug, the request would stay on this machine. No test sends to any other address.
 */
import { expect, it } from 'vitest';
import { appendEvents, insertHook, listAttempts, waitForDeliveries } from '../helpers/builders.js';
import { describeEachDialect } from '../helpers/test-db.js';
import { useDeliveryHarness, withEngine } from './support.js';

describeEachDialect('SSRF guard', (dialect) => {
  const harness = useDeliveryHarness(dialect);

  it('refuses loopback targets that are not allow-listed, records why, and sends nothing', async () => {
    const env = await harness.env({ IDHOOKS_ALLOW_PRIVATE_TARGETS: '' });
    const v4 = await harness.receiver();
    const v6 = await harness.receiver({ host: '::1' });
    const port = new URL(v4.url).port;
    const { db } = env.container.database;
    const targets = [
      `${v4.url}/ip`,
      `${v6.url}/ipv6`,
      `http://localhost:${port}/name`,
      `http://[::ffff:127.0.0.1]:${port}/mapped`,
    ];
    for (const url of targets) await insertHook(db, { url });

    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, 1);
      await waitForDeliveries(db, ['failed']);
    });

    expect(v4.requests).toHaveLength(0);
    expect(v6.requests).toHaveLength(0);
    const attempts = await listAttempts(db);
    expect(attempts).toHaveLength(targets.length); // refused once each: a refusal is not retried
    const errors = Object.fromEntries(attempts.map((a) => [new URL(a.requestUrl).pathname, a.error]));
    expect(errors['/ip']).toMatch(/^refused: 127\.0\.0\.1 \(loopback\).*IDHOOKS_ALLOW_PRIVATE_TARGETS/);
    expect(errors['/ipv6']).toMatch(/^refused: ::1 \(loopback\)/);
    expect(errors['/name']).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/);
    expect(errors['/mapped']).toMatch(/^refused: .*\(loopback\)/);
    expect(attempts.every((a) => !a.isSuccess && a.responseStatus === null && a.nextAttemptAt === null)).toBe(
      true,
    );
  });

  it('delivers to an allow-listed range and still refuses the rest', async () => {
    const env = await harness.env({ IDHOOKS_ALLOW_PRIVATE_TARGETS: '::1/128' });
    const v4 = await harness.receiver();
    const v6 = await harness.receiver({ host: '::1' });
    const { db } = env.container.database;
    await insertHook(db, { url: v4.url });
    await insertHook(db, { url: v6.url });
    await withEngine(env.container.delivery.engine, async () => {
      await appendEvents(env.container, 1);
      await waitForDeliveries(db, ['failed', 'succeeded']);
    });
    expect(v6.requests).toHaveLength(1);
    expect(v4.requests).toHaveLength(0);
  });
});
