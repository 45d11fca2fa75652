/**
 * SSRF policy: which resolved IP addresses a webhook may connect to (docs/compatibility.md#additions point 8,
 * docs/architecture.md#conventions point 13, after svix `blocked_ip` + `whitelist_subnets`).
 *
 * Pure: the dispatcher resolves DNS and calls this at connect time, so a rebinding DNS answer is
 * checked too. Only addresses classified `public` are allowed unless the operator allow-lists them.
 */
import { isIP } from 'node:net';

/** What an address is, for the allow/deny decision and for operator-facing error messages. */
export type AddressCategory =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'
  | 'invalid';

type Ip = { readonly version: 4 | 6; readonly bytes: Uint8Array };
type Cidr = Ip & { readonly prefix: number };

const parseV4 = (ip: string): Uint8Array => Uint8Array.from(ip.split('.').map(Number));

/** Expands a valid IPv6 string (with or without a trailing dotted quad) into 16 bytes. */
const parseV6 = (ip: string): Uint8Array => {
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail.push(...parseV4(text.slice(lastColon + 1)));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  const groups = rest === undefined ? headGroups : [...headGroups, ...zeros, ...restGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
};

/** Parses an IP literal; IPv6 zone ids (`fe80::1%eth0`) are ignored. `undefined` if not an IP. */
const parseIp = (value: string): Ip | undefined => {
  const ip = value.trim();
  const bare = ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip;
  const version = isIP(bare);
  if (version === 4) return { version: 4, bytes: parseV4(bare) };
  if (version === 6) return { version: 6, bytes: parseV6(bare) };
  return undefined;
};

const cidr = (spec: string): Cidr => {
  const [address = '', prefix = ''] = spec.split('/');
  const ip = parseIp(address);
  // Only built-in constants reach here; a typo must fail at import, not silently match nothing.
  if (ip === undefined) throw new Error(`Bad built-in CIDR ${spec}`);
  return { ...ip, prefix: Number(prefix) };
};

const inCidr = (ip: Ip, range: Cidr): boolean => {
  if (ip.version !== range.version) return false;
  const whole = range.prefix >> 3;
  for (let i = 0; i < whole; i++) if (ip.bytes[i] !== range.bytes[i]) return false;
  const bits = range.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((ip.bytes[whole] ?? 0) & mask) === ((range.bytes[whole] ?? 0) & mask);
};

/**
 * Special-purpose ranges (IANA registries, RFC 6890 and successors), most specific first: the
 * first match wins. Metadata endpoints come before the ranges that contain them so errors name
 * them precisely; they are the classic SSRF targets that hand out cloud credentials.
 */
const V4_RANGES: ReadonlyArray<readonly [Cidr, AddressCategory]> = (
  [
    ['0.0.0.0/8', 'unspecified'], // "this network"; 0.0.0.0 reaches localhost on Linux
    ['10.0.0.0/8', 'private'],
    ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
    ['100.64.0.0/10', 'cgnat'], // RFC 6598 shared address space
    ['127.0.0.0/8', 'loopback'],
    ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OCI instance metadata
    ['169.254.170.2/32', 'metadata'], // AWS ECS task credentials
    ['169.254.0.0/16', 'link-local'],
    ['168.63.129.16/32', 'metadata'], // Azure WireServer: a public-looking address, host-local in fact
    ['172.16.0.0/12', 'private'],
    ['192.0.0.192/32', 'metadata'], // Oracle Cloud legacy metadata
    ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
    ['192.0.2.0/24', 'documentation'],
    ['192.88.99.0/24', 'reserved'], // deprecated 6to4 relay anycast
    ['192.168.0.0/16', 'private'],
    ['198.18.0.0/15', 'benchmarking'],
    ['198.51.100.0/24', 'documentation'],
    ['203.0.113.0/24', 'documentation'],
    ['224.0.0.0/4', 'multicast'],
    ['255.255.255.255/32', 'broadcast'],
    ['240.0.0.0/4', 'reserved'],
  ] as const
).map(([spec, category]) => [cidr(spec), category] as const);

/** IPv6 ranges that carry an IPv4 address, and the byte offset of that address. */
const V6_EMBEDDING: ReadonlyArray<readonly [Cidr, number]> = (
  [
    ['::ffff:0:0/96', 12], // IPv4-mapped
    ['::ffff:0:0:0/96', 12], // IPv4-translated (RFC 2765)
    ['64:ff9b::/96', 12], // NAT64 well-known prefix
    ['2002::/16', 2], // 6to4
  ] as const
).map(([spec, offset]) => [cidr(spec), offset] as const);

const V6_RANGES: ReadonlyArray<readonly [Cidr, AddressCategory]> = (
  [
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['64:ff9b:1::/48', 'private'], // local-use NAT64 (RFC 8215)
    ['100::/64', 'reserved'], // discard-only
    ['2001::/32', 'reserved'], // Teredo: the real IPv4 peer is obfuscated, so it cannot be vetted
    ['2001:2::/48', 'benchmarking'],
    ['2001::/23', 'reserved'], // IETF protocol assignments
    ['2001:db8::/32', 'documentation'],
    ['3fff::/20', 'documentation'],
    ['fd00:ec2::254/128', 'metadata'], // AWS IMDS over IPv6
    ['fc00::/7', 'private'], // unique local
    ['fe80::/10', 'link-local'],
    ['fec0::/10', 'private'], // deprecated site-local
    ['ff00::/8', 'multicast'],
  ] as const
).map(([spec, category]) => [cidr(spec), category] as const);

/** Only 2000::/3 is allocated as global unicast; anything else is not a legitimate target. */
const V6_GLOBAL_UNICAST = cidr('2000::/3');
/** IPv4-compatible (deprecated): `::a.b.c.d`, after `::` and `::1` have been matched. */
const V6_COMPATIBLE = cidr('::/96');
const V6_UNSPECIFIED_OR_LOOPBACK = cidr('::/127');
const V6_MAPPED = cidr('::ffff:0:0/96');

/** The IPv4 address carried inside an IPv6 one, if any. */
const embeddedV4 = (ip: Ip): Ip | undefined => {
  if (ip.version !== 6) return undefined;
  for (const [range, offset] of V6_EMBEDDING) {
    if (inCidr(ip, range)) return { version: 4, bytes: ip.bytes.slice(offset, offset + 4) };
  }
  if (inCidr(ip, V6_COMPATIBLE) && !inCidr(ip, V6_UNSPECIFIED_OR_LOOPBACK)) {
    return { version: 4, bytes: ip.bytes.slice(12, 16) };
  }
  return undefined;
};

const classifyParsed = (ip: Ip): AddressCategory => {
  const v4 = embeddedV4(ip);
  if (v4 !== undefined) return classifyParsed(v4);
  const ranges = ip.version === 4 ? V4_RANGES : V6_RANGES;
  for (const [range, category] of ranges) if (inCidr(ip, range)) return category;
  if (ip.version === 6 && !inCidr(ip, V6_GLOBAL_UNICAST)) return 'reserved';
  return 'public';
};

/**
 * Classifies an IP literal. IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d` or
 * `::ffff:7f00:1`, translated, compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are classified
 * by that IPv4 address, since that is where the packets end up. Non-IPs give `'invalid'`.
 */
export const classifyAddress = (ip: string): AddressCategory => {
  const parsed = parseIp(ip);
  return parsed === undefined ? 'invalid' : classifyParsed(parsed);
};

/** Operator-approved non-public ranges (e.g. `127.0.0.1` in tests). */
export type AllowList = { readonly isAll: boolean; readonly entries: readonly Cidr[] };

/** The empty allow list: only public addresses. */
export const EMPTY_ALLOW_LIST: AllowList = Object.freeze({ isAll: false, entries: Object.freeze([]) });

const parseAllowEntry = (entry: string): Cidr => {
  const bad = () =>
    new Error(
      `Allow-list entry "${entry}" is not an IP address or CIDR; use e.g. 127.0.0.1, 10.0.0.0/8 or fd00::/8, ` +
        `separated by commas, or * to allow every address.`,
    );
  const [address = '', prefixText, extra] = entry.split('/');
  const ip = parseIp(address);
  if (ip === undefined || address.includes('%') || extra !== undefined) throw bad();
  const max = ip.version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) throw bad();
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) throw bad();
  const mapped = embeddedV4(ip);
  // `::ffff:10.0.0.0/104` means 10.0.0.0/8; store it as IPv4 so both spellings match.
  if (mapped !== undefined && inCidr(ip, V6_MAPPED) && prefix >= 96) {
    return { ...mapped, prefix: prefix - 96 };
  }
  return { ...ip, prefix };
};

/**
 * Parses an allow-list spec: `''` (none), `'*'` (every address, for trusted networks only) or
 * comma-separated IPs/CIDRs, IPv4 or IPv6. Host bits in a CIDR are ignored (`10.1.2.3/8` =
 * `10.0.0.0/8`). Throws an Error naming the first bad entry.
 */
export const parseAllowList = (spec: string): AllowList => {
  const items = spec
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.includes('*')) return Object.freeze({ isAll: true, entries: Object.freeze([]) });
  return Object.freeze({ isAll: false, entries: Object.freeze(items.map(parseAllowEntry)) });
};

/**
 * True when the webhook may connect to `ip`: it is public, or the allow list covers it. An IPv6
 * address that embeds an IPv4 one is also allowed when the allow list covers the IPv4 address.
 * Non-IPs are never allowed.
 */
export const isAddressAllowed = (ip: string, allowList: AllowList): boolean => {
  const parsed = parseIp(ip);
  if (parsed === undefined) return false;
  if (allowList.isAll || classifyParsed(parsed) === 'public') return true;
  const candidates = [parsed, embeddedV4(parsed)].filter((c): c is Ip => c !== undefined);
  return allowList.entries.some((range) => candidates.some((c) => inCidr(c, range)));
};
