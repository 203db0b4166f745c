import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPublicIp, networkOf, parseCidr, parseIp } from '../../../server/mail/trace/ip.ts';

test('parseIp reads the spellings headers use and refuses the rest', () => {
  assert.equal(parseIp('[82.120.5.9]'), '82.120.5.9');
  assert.equal(parseIp(' 82.120.5.9 '), '82.120.5.9');
  assert.equal(parseIp('IPv6:2001:DB8::1'), '2001:db8::1');
  assert.equal(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(parseIp('::ffff:82.120.5.9'), '82.120.5.9');
  assert.equal(parseIp('[::FFFF:82.120.5.9]'), '82.120.5.9');
  assert.equal(parseIp('fe80::1%eth0'), 'fe80::1');
  for (const bad of ['bogus', '[bogus]', '', '1.2.3', '256.1.1.1', '01.2.3.4', '1.2.3.4.5', 'unknown', '[]'])
    assert.equal(parseIp(bad), null, bad);
});

test('private, loopback, link-local, shared, documentation and reserved ranges are never an origin', () => {
  for (const ip of [
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.96.2',
    '127.0.0.1',
    '169.254.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.5',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '2001:db8::1',
  ]) {
    assert.equal(isPublicIp(ip), false, ip);
  }
  for (const ip of ['82.120.5.9', '65.54.246.134', '172.32.0.1', '2a01:e35::1', '8.8.8.8'])
    assert.equal(isPublicIp(ip), true, ip);
  assert.equal(isPublicIp('not an ip'), false);
});

test('CIDR ranges and /24 neighbourhoods', () => {
  assert.deepEqual(parseCidr('193.251.0.0/16'), { network: '193.251.0.0', prefix: 16, family: 'ipv4' });
  assert.deepEqual(parseCidr('2001:db8::/32'), { network: '2001:db8::', prefix: 32, family: 'ipv6' });
  assert.deepEqual(parseCidr('193.251.214.113'), { network: '193.251.214.113', prefix: 32, family: 'ipv4' });
  for (const bad of ['193.251.0.0/33', '193.251.0.0/', 'x/8', '1.2.3.4/-1']) assert.equal(parseCidr(bad), null, bad);
  assert.equal(networkOf('82.120.5.9'), '82.120.5.0/24');
  assert.equal(networkOf('2a01:e35:1:2::9'), '2a01:e35:1::/48');
});
