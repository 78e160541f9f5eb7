import { refusedRange } from '../src/address-range';

// The range check alone, over the addresses the SSRF rules name and the tricks around them.

test.each([
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'linkLocal'],
  ['169.254.0.1', 'linkLocal'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.254', 'carrierGradeNat'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['255.255.255.255', 'broadcast'],
  ['224.0.0.251', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['fc00::1', 'uniqueLocal'],
  ['fd00:ec2::254', 'uniqueLocal'],
  ['fe80::1', 'linkLocal'],
  ['fe80::1%eth0', 'linkLocal'],
  ['ff02::1', 'multicast'],
  ['::ffff:127.0.0.1', 'loopback: 127.0.0.1 inside IPv6'],
  ['::ffff:10.0.0.1', 'private: 10.0.0.1 inside IPv6'],
  ['::ffff:a9fe:a9fe', 'linkLocal: 169.254.169.254 inside IPv6'],
  ['::ffff:0:a00:1', 'private: 10.0.0.1 inside IPv6'],
  ['64:ff9b::a9fe:a9fe', 'linkLocal: 169.254.169.254 inside IPv6'],
  ['64:ff9b:1::1', 'rfc6052'],
  // IPv4-compatible, deprecated: not the mapped ::ffff:127.0.0.1 (ipaddr.js alone would read it so).
  ['::127.0.0.1', 'not global unicast'],
  ['::7f00:1', 'not global unicast'],
  ['::8.8.8.8', 'not global unicast'],
  ['2002:7f00:1::', '6to4'],
  ['2001::1', 'teredo'],
  ['2001:db8::1', 'reserved'],
  ['127.1', 'not an IP address'],
  ['0x7f000001', 'not an IP address'],
  ['localhost', 'not an IP address'],
])('%s is refused (%s)', (address, range) => {
  expect(refusedRange(address)).toBe(range);
});

test.each([
  '93.184.215.14',
  '8.8.8.8',
  '1.1.1.1',
  '172.32.0.1',
  '100.128.0.1',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
])('%s is public', (address) => {
  expect(refusedRange(address)).toBeUndefined();
});
