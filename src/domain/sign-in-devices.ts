import type { NewEvent } from './payloads.js';

/**
 * The new-device sign-in rule (`PostSignInFromNewDevice`, an idhooks addition): a sign-in is from a
 * new device when the browser's device cookie was not seen for that user within the look-back
 * window, and from a new network when its IPv4 /24 or IPv6 /48 was not. Pure: the service supplies
 * what was seen and when.
 */

const DAY_MS = 86_400_000;

/**
 * How far back a device or network still counts as known: 90 days. Sightings older than this are
 * of no use to the rule, so they are pruned.
 */
export const SIGN_IN_LOOKBACK_MS = 90 * DAY_MS;

/** What the rule adds to the `PostSignIn` payload, in this key order. */
export interface DeviceAssessment {
  readonly isNewDevice: boolean;
  readonly isNewNetwork: boolean;
  /**
   * When this device last signed in to this user within the look-back window (ISO 8601), or `null`
   * when the device is new.
   */
  readonly lastSeenAt: string | null;
}

/** When each part of a sign-in was last seen for the user (epoch ms), within the window. */
export interface Sightings {
  readonly deviceLastSeenAt: number | undefined;
  /** `undefined` when the network was not seen or the address is unknown. */
  readonly networkLastSeenAt: number | undefined;
  /** False when the request had no usable client address: the network is then not judged. */
  readonly hasNetwork: boolean;
}

/** The earliest `lastSeenAt` that still counts as seen at `now`. */
export const lookbackStart = (now: number) => now - SIGN_IN_LOOKBACK_MS;

/**
 * Judges a sign-in. A sighting at exactly the window's start still counts as seen. An unknown
 * client address is never "new": reporting every sign-in without an address would be noise.
 */
export function assessSignIn({
  deviceLastSeenAt,
  networkLastSeenAt,
  hasNetwork,
}: Sightings): DeviceAssessment {
  return {
    isNewDevice: deviceLastSeenAt === undefined,
    isNewNetwork: hasNetwork && networkLastSeenAt === undefined,
    lastSeenAt: deviceLastSeenAt === undefined ? null : new Date(deviceLastSeenAt).toISOString(),
  };
}

export const isNewDeviceSignIn = (assessment: DeviceAssessment) =>
  assessment.isNewDevice || assessment.isNewNetwork;

/**
 * `PostSignInFromNewDevice`: the `PostSignIn` payload it accompanies, key for key, with its own
 * event name and `device` appended (before `hookId`, which is added at send time).
 */
export function newDeviceSignInEvent(signIn: NewEvent, device: DeviceAssessment): NewEvent {
  if (signIn.type !== 'PostSignIn')
    throw new Error(`PostSignInFromNewDevice accompanies PostSignIn, not ${signIn.type}`);
  return {
    type: 'PostSignInFromNewDevice',
    payload: { ...signIn.payload, event: 'PostSignInFromNewDevice', device },
  };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4Prefix(ip: string): string | undefined {
  const parts = IPV4.exec(ip)?.slice(1).map(Number);
  if (!parts || parts.some((part) => part > 255)) return undefined;
  return `${parts[0]}.${parts[1]}.${parts[2]}.0/24`;
}

/** The eight 16-bit groups of an IPv6 address, or `undefined` when it is not one. */
function ipv6Groups(ip: string): number[] | undefined {
  const address = ip.split('%')[0] ?? '';
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const [head, tail] = [parse(halves[0] ?? ''), parse(halves[1] ?? '')];
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) counts as two groups.
  const last = (tail.length > 0 ? tail : head).at(-1);
  const hasIpv4Tail = last?.includes('.') ?? false;
  const groups = [...head, ...tail].length + (hasIpv4Tail ? 1 : 0);
  if (halves.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const hex = (part: string) => (/^[\da-f]{1,4}$/i.test(part) ? parseInt(part, 16) : NaN);
  const words = (parts: string[]) => parts.filter((part) => !part.includes('.')).map(hex);
  const zeros = new Array<number>(halves.length === 1 ? 0 : 8 - groups).fill(0);
  const result = [...words(head), ...zeros, ...words(tail)];
  return result.some(Number.isNaN) ? undefined : result;
}

/**
 * The network a client address belongs to for the rule: the IPv4 /24 (`203.0.113.0/24`) or the
 * IPv6 /48 (`2001:db8:1::/48`). IPv4-mapped IPv6 addresses count as IPv4. `undefined` for a missing
 * or unparsable address.
 */
export function networkPrefixOf(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped || IPV4.test(ip)) return ipv4Prefix(mapped ?? ip);
  const groups = ipv6Groups(ip);
  if (!groups) return undefined;
  return `${groups
    .slice(0, 3)
    .map((group) => group.toString(16))
    .join(':')}::/48`;
}
