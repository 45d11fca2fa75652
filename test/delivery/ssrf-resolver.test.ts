import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  createGuardedLookup,
  parseAllowedTargets,
  TargetRefusedError,
} from '../../src/delivery/address-guard.js';

/**
 * Issue 13 item 9: the SSRF guard checks EVERY address a name resolves to. The resolver is
 * injected, so a mixed public/private answer is tested without DNS and without sending anything.
 */
const answer =
  (addresses: LookupAddress[]) =>
  (
    _host: string,
    _options: object,
    callback: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void,
  ) =>
    callback(null, addresses);

function lookupWith(addresses: LookupAddress[], all: boolean, allow = '') {
  const lookup = createGuardedLookup(parseAllowedTargets(allow), answer(addresses));
  return new Promise<{ error: Error | null; result: unknown }>((resolve) => {
    lookup(
      'mixed.example',
      { all } as never,
      ((error: Error | null, address: unknown) => resolve({ error, result: address })) as never,
    );
  });
}

const PUBLIC_V4 = { address: '93.184.216.34', family: 4 };
const PUBLIC_V6 = { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 };

describe('SSRF guard: names with several addresses', () => {
  it.each([
    ['public then private', [PUBLIC_V4, { address: '10.0.0.5', family: 4 }]],
    ['private then public', [{ address: '192.168.1.10', family: 4 }, PUBLIC_V4]],
    ['public then loopback', [PUBLIC_V4, { address: '127.0.0.1', family: 4 }]],
    ['public then metadata', [PUBLIC_V4, { address: '169.254.169.254', family: 4 }]],
    ['IPv6 public then loopback', [PUBLIC_V6, { address: '::1', family: 6 }]],
    ['IPv6 public then IPv4-mapped private', [PUBLIC_V6, { address: '::ffff:10.1.2.3', family: 6 }]],
  ])('refuses a name answering %s, for single and all lookups', async (_label, addresses) => {
    for (const all of [false, true]) {
      const { error } = await lookupWith(addresses, all);
      expect(error).toBeInstanceOf(TargetRefusedError);
      expect(error?.message).toMatch(/mixed\.example resolves to/);
    }
  });

  it('lets a name through when every answer is public, or allowed by the operator', async () => {
    expect(await lookupWith([PUBLIC_V4, PUBLIC_V6], false)).toEqual({
      error: null,
      result: PUBLIC_V4.address,
    });
    const all = await lookupWith([PUBLIC_V4, PUBLIC_V6], true);
    expect(all.error).toBeNull();
    expect(all.result).toEqual([PUBLIC_V4, PUBLIC_V6]);
    const allowed = await lookupWith([PUBLIC_V4, { address: '10.0.0.5', family: 4 }], false, '10.0.0.0/8');
    expect(allowed.error).toBeNull();
  });
});
