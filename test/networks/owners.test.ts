/**
 * Network owners from the offline IP-to-AS data set (@ip-location-db/asn), with real addresses
 * whose holders are public knowledge, the special-purpose ranges by name, and the table builder on
 * hostile CSV.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import {
  buildRangeTable,
  lookupRange,
  OWNER_DATA,
  OWNER_DATA_LABEL,
  ownerIn,
  ownerLabel,
  ownerOf,
  ownerTables,
} from '../../server/networks/owners.ts';

test('the data set named is the one installed: version and date printed beside every owner', () => {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(fs.readFileSync(require.resolve('@ip-location-db/asn/package.json'), 'utf8')) as {
    version: string;
  };
  assert.equal(pkg.version, OWNER_DATA.version);
  // The version's last part is the build time (yyyymmddhh): the date printed is that one.
  const stamp = pkg.version.split('.').at(-1)!;
  assert.equal(OWNER_DATA.date, `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}`);
  assert.match(OWNER_DATA_LABEL, /^IP-to-AS data @ip-location-db\/asn 2\.3\.\d+ \(data of \d{4}-\d\d-\d\d\)$/);
});

test('real IPv4 and IPv6 addresses: their operators by AS number and name', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['8.8.8.8', 15169, /^Google/],
    ['1.1.1.1', 13335, /^Cloudflare/],
    ['65.54.190.20', 8075, /^Microsoft/], // a 2005 Hotmail MX range
    ['81.2.69.160', 20712, /Andrews & Arnold/], // the address in issue 19's HELO example
    ['193.251.214.113', 3215, /^Orange/], // mx1.laposte.net in the generated corpus
    ['2001:4860:4860::8888', 15169, /^Google/],
    ['2a00:1450:4001:80b::200e', 15169, /^Google/],
    ['::ffff:8.8.4.4', 15169, /^Google/], // IPv4-mapped: read as the IPv4 address
  ];
  for (const [ip, asn, name] of cases) {
    const o = ownerOf(ip);
    assert.ok(o !== null, ip);
    assert.equal(o.kind, 'network', ip);
    assert.equal(o.asn, asn, ip);
    assert.match(o.name, name, ip);
    assert.ok(o.range !== null);
    assert.match(ownerLabel(o), new RegExp(`^AS${asn} `));
  }
  // The range is the data set's row holding the address.
  assert.equal(ownerOf('8.8.8.8')!.range, '8.8.8.0-8.8.8.255');
  assert.equal(ownerOf('[8.8.8.8]')!.ip, '8.8.8.8');
});

test('private and reserved ranges are named as such, never given an operator', () => {
  const cases: Array<[string, RegExp]> = [
    ['192.168.1.2', /private \(RFC 1918\)/],
    ['10.1.2.3', /private \(RFC 1918\)/],
    ['172.31.255.255', /private \(RFC 1918\)/],
    ['100.64.3.4', /carrier-grade NAT \(RFC 6598\)/],
    ['127.0.0.1', /loopback/],
    ['169.254.10.1', /link-local/],
    ['192.0.2.1', /documentation.*RFC 5737/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.200', /documentation/],
    ['198.19.0.1', /benchmarking/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['250.1.1.1', /reserved/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fd12:3456::1', /unique local \(RFC 4193\)/],
    ['2001:db8::25', /documentation \(RFC 3849\)/],
    ['ff02::1', /multicast/],
  ];
  for (const [ip, name] of cases) {
    const o = ownerOf(ip)!;
    assert.equal(o.kind, 'reserved', ip);
    assert.equal(o.asn, null);
    assert.match(o.name, name, ip);
  }
  // Neighbours just outside a special range are ordinary networks.
  assert.equal(ownerOf('172.32.0.1')!.kind, 'network');
  assert.equal(ownerOf('100.128.0.1')!.kind, 'network');
});

test('not an address: null; an address in no range: unknown, said so', () => {
  for (const bad of ['', 'bogus', '1.2.3', '01.2.3.4', '999.1.1.1', '1.2.3.4/24'])
    assert.equal(ownerOf(bad), null, bad);
  // 2.0.0.0/24 is unrouted in this data set (a hole between two RIPE allocations).
  const hole = ownerOf('2.0.0.1')!;
  assert.equal(hole.kind, 'unknown');
  assert.equal(hole.name, 'not in the data set');
});

test('the tables: sorted, non-overlapping, every row found by its own bounds', () => {
  const { ipv4, ipv6 } = ownerTables();
  assert.ok(ipv4.size > 300_000 && ipv6.size > 50_000, `${ipv4.size} / ${ipv6.size} ranges`);
  const s = ipv4.startHi as Uint32Array;
  const e = ipv4.endHi as Uint32Array;
  for (let i = 1; i < ipv4.size; i++) assert.ok(s[i]! > e[i - 1]!, `IPv4 row ${i} overlaps the previous one`);
  const sh = ipv6.startHi as BigUint64Array;
  const eh = ipv6.endHi as BigUint64Array;
  for (let i = 1; i < ipv6.size; i++) {
    const startAfter = sh[i]! > eh[i - 1]! || (sh[i] === eh[i - 1] && ipv6.startLo![i]! > ipv6.endLo![i - 1]!);
    assert.ok(startAfter, `IPv6 row ${i} overlaps the previous one`);
  }
  for (let i = 0; i < ipv4.size; i += 997) {
    assert.equal(lookupRange(ipv4, s[i]!), i);
    assert.equal(lookupRange(ipv4, e[i]!), i);
  }
});

test('hostile CSV: unreadable lines skipped and counted, unsorted rows sorted, quotes undone', () => {
  const csv = [
    '3232235776,3232236031,64500,"Example ""Quoted"", Inc."',
    '16777216,16777471,13335,"Cloudflare, Inc."',
    'garbage',
    '5,4,1,end before start',
    '99999999999,99999999999,1,past 2^32',
    '1,2,x,bad asn',
    '',
    '33554432,33554687,64501,Plain Name\r',
    '33554600,33554700,64502,Starts inside the one before',
  ].join('\n');
  const t = buildRangeTable(csv, 'ipv4');
  assert.equal(t.size, 4);
  assert.equal(t.skipped, 4);
  assert.equal(t.overlaps, 1);
  const tables = { ipv4: t, ipv6: buildRangeTable('', 'ipv6') };
  assert.equal(ownerIn(tables, '1.0.0.7').name, 'Cloudflare, Inc.');
  assert.equal(ownerIn(tables, '2.0.0.1').name, 'Plain Name');
  assert.equal(ownerIn(tables, '2.0.0.167').name, 'Plain Name'); // 33554599
  assert.equal(ownerIn(tables, '2.0.0.168').name, 'Starts inside the one before'); // 33554600
  assert.equal(ownerIn(tables, '2.0.0.168').range, '2.0.0.168-2.0.1.12');
  assert.equal(ownerIn(tables, '192.168.1.1').kind, 'reserved'); // special ranges win over the data
  assert.equal(ownerIn(tables, '192.169.1.1').kind, 'unknown');
  const v6 = buildRangeTable(
    '42541956101370907050197289607612071936,42541956180599069564461627201156022271,15169,Google LLC',
    'ipv6',
  );
  assert.equal(ownerIn({ ipv4: t, ipv6: v6 }, '2001:4860::1').asn, 15169);
  assert.equal(ownerIn({ ipv4: t, ipv6: v6 }, '2001:4861::1').kind, 'unknown');
});
