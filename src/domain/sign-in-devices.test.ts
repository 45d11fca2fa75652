import { describe, expect, it } from 'vitest';
import {
  SIGN_IN_LOOKBACK_MS,
  assessSignIn,
  isNewDeviceSignIn,
  lookbackStart,
  networkPrefixOf,
  newDeviceSignInEvent,
} from './sign-in-devices.js';

const DAY = 86_400_000;

describe('networkPrefixOf', () => {
  it.each([
    ['203.0.113.7', '203.0.113.0/24'],
    ['203.0.113.255', '203.0.113.0/24'],
    ['10.0.0.1', '10.0.0.0/24'],
    ['::ffff:198.51.100.23', '198.51.100.0/24'],
    ['2001:db8:1:2::1', '2001:db8:1::/48'],
    ['2001:0db8:0001:ffff:0:0:0:1', '2001:db8:1::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
    ['fe80::1%eth0', 'fe80:0:0::/48'],
  ])('%s → %s', (ip, prefix) => {
    expect(networkPrefixOf(ip)).toBe(prefix);
  });

  it('puts addresses of one /24 or /48 together and others apart', () => {
    expect(networkPrefixOf('203.0.113.1')).toBe(networkPrefixOf('203.0.113.200'));
    expect(networkPrefixOf('203.0.113.1')).not.toBe(networkPrefixOf('203.0.114.1'));
    expect(networkPrefixOf('2001:db8:1:a::1')).toBe(networkPrefixOf('2001:db8:1:b::2'));
    expect(networkPrefixOf('2001:db8:1::1')).not.toBe(networkPrefixOf('2001:db8:2::1'));
  });

  it.each([undefined, '', 'unknown', '256.1.1.1', '1.2.3', '1::2::3', '2001:db8:zz::1', '1:2:3:4:5:6:7:8:9'])(
    'has no network for %j',
    (ip) => {
      expect(networkPrefixOf(ip)).toBeUndefined();
    },
  );
});

describe('assessSignIn', () => {
  it('is new on a device or a network not seen, and names when the device was last seen', () => {
    const seenAt = Date.parse('2026-03-01T10:00:00.000Z');
    expect(assessSignIn({ deviceLastSeenAt: seenAt, networkLastSeenAt: seenAt, hasNetwork: true })).toEqual({
      isNewDevice: false,
      isNewNetwork: false,
      lastSeenAt: '2026-03-01T10:00:00.000Z',
    });
    const newNetwork = assessSignIn({
      deviceLastSeenAt: seenAt,
      networkLastSeenAt: undefined,
      hasNetwork: true,
    });
    expect(newNetwork).toEqual({
      isNewDevice: false,
      isNewNetwork: true,
      lastSeenAt: '2026-03-01T10:00:00.000Z',
    });
    expect(isNewDeviceSignIn(newNetwork)).toBe(true);
    const newDevice = assessSignIn({
      deviceLastSeenAt: undefined,
      networkLastSeenAt: seenAt,
      hasNetwork: true,
    });
    expect(newDevice).toEqual({ isNewDevice: true, isNewNetwork: false, lastSeenAt: null });
    expect(isNewDeviceSignIn(newDevice)).toBe(true);
  });

  it('does not call an unknown address a new network', () => {
    const known = assessSignIn({ deviceLastSeenAt: 1, networkLastSeenAt: undefined, hasNetwork: false });
    expect(known.isNewNetwork).toBe(false);
    expect(isNewDeviceSignIn(known)).toBe(false);
  });

  it('looks back exactly 90 days', () => {
    expect(SIGN_IN_LOOKBACK_MS).toBe(90 * DAY);
    expect(lookbackStart(100 * DAY)).toBe(10 * DAY);
  });
});

describe('newDeviceSignInEvent', () => {
  const signIn = {
    type: 'PostSignIn' as const,
    payload: {
      event: 'PostSignIn',
      interactionEvent: 'SignIn',
      createdAt: 'x',
      userId: 'u1',
      user: { id: 'u1' },
    },
  };
  const device = { isNewDevice: true, isNewNetwork: false, lastSeenAt: null };

  it("is PostSignIn's payload key for key, renamed, with device last", () => {
    const event = newDeviceSignInEvent(signIn, device);
    expect(event.type).toBe('PostSignInFromNewDevice');
    expect(Object.keys(event.payload)).toEqual([...Object.keys(signIn.payload), 'device']);
    expect(event.payload).toEqual({ ...signIn.payload, event: 'PostSignInFromNewDevice', device });
    expect(JSON.stringify(event.payload.device)).toBe(
      '{"isNewDevice":true,"isNewNetwork":false,"lastSeenAt":null}',
    );
  });

  it('refuses to accompany any other event', () => {
    expect(() => newDeviceSignInEvent({ ...signIn, type: 'PostRegister' } as never, device)).toThrow(
      /PostSignIn/,
    );
  });
});
