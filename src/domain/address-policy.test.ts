import { describe, expect, it } from 'vitest';

import {
  type AddressCategory,
  EMPTY_ALLOW_LIST,
  classifyAddress,
  isAddressAllowed,
  parseAllowList,
} from './address-policy.js';

// Pure string classification: nothing here touches the network.

const IPV4: Array<[string, AddressCategory]> = [
  ['0.0.0.0', 'unspecified'],
  ['0.255.255.255', 'unspecified'],
  ['1.1.1.1', 'public'],
  ['8.8.8.8', 'public'],
  ['9.255.255.255', 'public'],
  ['10.0.0.0', 'private'],
  ['10.255.255.255', 'private'],
  ['11.0.0.0', 'public'],
  ['100.63.255.255', 'public'],
  ['100.64.0.0', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['100.100.100.200', 'metadata'],
  ['100.128.0.0', 'public'],
  ['126.255.255.255', 'public'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['128.0.0.0', 'public'],
  ['168.63.129.16', 'metadata'],
  ['168.63.129.17', 'public'],
  ['169.253.255.255', 'public'],
  ['169.254.0.1', 'link-local'],
  ['169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['169.254.255.255', 'link-local'],
  ['169.255.0.0', 'public'],
  ['172.15.255.255', 'public'],
  ['172.16.0.0', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.0', 'public'],
  ['192.0.0.1', 'reserved'],
  ['192.0.0.192', 'metadata'],
  ['192.0.1.1', 'public'],
  ['192.0.2.10', 'documentation'],
  ['192.88.99.1', 'reserved'],
  ['192.167.255.255', 'public'],
  ['192.168.0.1', 'private'],
  ['192.168.255.255', 'private'],
  ['192.169.0.0', 'public'],
  ['198.17.255.255', 'public'],
  ['198.18.0.0', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.20.0.0', 'public'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.7', 'documentation'],
  ['203.0.114.0', 'public'],
  ['223.255.255.255', 'public'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.255', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'],
];

const IPV6: Array<[string, AddressCategory]> = [
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:82b::200e', 'public'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fd00:ec2::254', 'metadata'],
  ['fd00:ec2::253', 'private'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['2001:db8:ffff::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001:0:4136:e378::1', 'reserved'], // Teredo
  ['2001:2::1', 'benchmarking'],
  ['2001:10::1', 'reserved'],
  ['2001:200::1', 'public'], // first real allocation after the IETF block
  ['100::1', 'reserved'],
  ['64:ff9b:1::1', 'private'],
  ['4000::1', 'reserved'], // outside 2000::/3
  ['1::1', 'reserved'],
  // IPv4-mapped, dotted and hex forms
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::FFFF:7F00:0001', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['::ffff:8.8.8.8', 'public'],
  ['::ffff:0.0.0.0', 'unspecified'],
  // IPv4-translated and IPv4-compatible
  ['::ffff:0:127.0.0.1', 'loopback'],
  ['::ffff:0:808:808', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['::7f00:1', 'loopback'],
  ['::8.8.8.8', 'public'],
  ['::0.0.0.2', 'unspecified'],
  // NAT64: classified by the embedded IPv4
  ['64:ff9b::8.8.8.8', 'public'],
  ['64:ff9b::7f00:1', 'loopback'],
  ['64:ff9b::192.168.1.1', 'private'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  // 6to4: the IPv4 sits in bytes 2..5
  ['2002:7f00:1::1', 'loopback'],
  ['2002:c0a8:101::1', 'private'],
  ['2002:808:808::1', 'public'],
  ['2002:a9fe:a9fe::', 'metadata'],
];

describe('classifyAddress', () => {
  it.each(IPV4)('IPv4 %s → %s', (ip, category) => {
    expect(classifyAddress(ip)).toBe(category);
  });

  it.each(IPV6)('IPv6 %s → %s', (ip, category) => {
    expect(classifyAddress(ip)).toBe(category);
  });

  it.each([
    '',
    'localhost',
    'example.com',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '010.0.0.1',
    '1.2.3.4/32',
    '[::1]',
    ':::',
    '12345::',
  ])('%j → invalid', (value) => {
    expect(classifyAddress(value)).toBe('invalid');
  });
});

describe('parseAllowList', () => {
  it('treats an empty or blank spec as no allowances', () => {
    for (const spec of ['', '  ', ',', ' , ']) expect(parseAllowList(spec)).toEqual(EMPTY_ALLOW_LIST);
  });

  it("treats '*' as everything, even among other entries", () => {
    expect(parseAllowList('*').isAll).toBe(true);
    expect(parseAllowList('10.0.0.0/8, *').isAll).toBe(true);
  });

  it('accepts IPs and CIDRs of both families with spaces', () => {
    const list = parseAllowList(' 127.0.0.1 , 10.0.0.0/8,::1, fd00::/8,192.168.1.0/24 ');
    expect(list.isAll).toBe(false);
    expect(list.entries.map((e) => [e.version, e.prefix])).toEqual([
      [4, 32],
      [4, 8],
      [6, 128],
      [6, 8],
      [4, 24],
    ]);
  });

  it.each([
    'localhost',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0.0/-1',
    '10.0.0.0/ 8',
    '10.0.0.0/0x8',
    '300.1.1.1',
    'fe80::1%eth0',
    '**',
  ])('throws naming the bad entry %j', (entry) => {
    expect(() => parseAllowList(`127.0.0.1, ${entry}`)).toThrow(`Allow-list entry "${entry}"`);
  });
});

describe('isAddressAllowed', () => {
  it('allows public addresses with any allow list', () => {
    for (const ip of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8']) {
      expect(isAddressAllowed(ip, EMPTY_ALLOW_LIST)).toBe(true);
    }
  });

  it('blocks every non-public category by default', () => {
    const blocked = [...IPV4, ...IPV6].filter(([, category]) => category !== 'public');
    expect(blocked.length).toBeGreaterThan(50);
    for (const [ip] of blocked) expect(isAddressAllowed(ip, EMPTY_ALLOW_LIST), ip).toBe(false);
  });

  it('allows exactly what the list covers', () => {
    const list = parseAllowList('127.0.0.1,10.1.0.0/16,fd00:1::/32');
    const cases: Array<[string, boolean]> = [
      ['127.0.0.1', true],
      ['127.0.0.2', false],
      ['::1', false], // IPv6 loopback is a different address
      ['10.1.255.255', true],
      ['10.2.0.0', false],
      ['fd00:1:ffff::1', true],
      ['fd00:2::1', false],
      ['169.254.169.254', false],
    ];
    for (const [ip, expected] of cases) expect(isAddressAllowed(ip, list), ip).toBe(expected);
  });

  it('matches IPv4 entries against IPv6 addresses that embed them', () => {
    const list = parseAllowList('127.0.0.1');
    expect(isAddressAllowed('::ffff:127.0.0.1', list)).toBe(true);
    expect(isAddressAllowed('::ffff:7f00:1', list)).toBe(true);
    expect(isAddressAllowed('64:ff9b::7f00:1', list)).toBe(true);
    expect(isAddressAllowed('::ffff:7f00:2', list)).toBe(false);
  });

  it('normalises IPv4-mapped entries to IPv4', () => {
    const list = parseAllowList('::ffff:10.0.0.0/104');
    expect(isAddressAllowed('10.200.0.1', list)).toBe(true);
    expect(isAddressAllowed('11.0.0.1', list)).toBe(true); // public anyway
    expect(isAddressAllowed('172.16.0.1', list)).toBe(false);
  });

  it('ignores host bits and supports /0', () => {
    expect(isAddressAllowed('10.9.9.9', parseAllowList('10.1.2.3/8'))).toBe(true);
    expect(isAddressAllowed('192.168.1.1', parseAllowList('0.0.0.0/0'))).toBe(true);
    expect(isAddressAllowed('::1', parseAllowList('0.0.0.0/0'))).toBe(false);
    expect(isAddressAllowed('::1', parseAllowList('::/0'))).toBe(true);
  });

  it('handles prefixes that are not byte-aligned', () => {
    const list = parseAllowList('100.64.0.0/10');
    expect(isAddressAllowed('100.127.255.255', list)).toBe(true);
    expect(isAddressAllowed('100.100.100.200', list)).toBe(true);
  });

  it("allows everything with '*' but never a non-IP", () => {
    const all = parseAllowList('*');
    expect(isAddressAllowed('169.254.169.254', all)).toBe(true);
    expect(isAddressAllowed('::1', all)).toBe(true);
    expect(isAddressAllowed('localhost', all)).toBe(false);
    expect(isAddressAllowed('', all)).toBe(false);
  });
});
