/**
 * Who holds an IP address: the network operator (autonomous system number and organisation) from
 * an offline IP-to-AS data set, or the special-purpose range it falls in (private, loopback,
 * carrier-grade NAT, documentation, ...), named with its RFC.
 *
 * The data is today's routing and registry view, not the one of the day the mail was sent (a 2005
 * address may have changed hands since): every answer names the data set, its version and its
 * date (`OWNER_DATA`), and every front end prints them beside the owner.
 *
 * Pure functions over data: `buildRangeTable` turns the data set's CSV text into sorted typed
 * arrays (about 412,000 IPv4 and 103,000 IPv6 ranges); `lookupRange` is a binary search.
 * `ownerOf` loads the package's files on first use only, once per process.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { parseIp } from '../mail/trace/ip.ts';

/** The data set every owner comes from: printed wherever an owner is shown. */
export const OWNER_DATA = Object.freeze({
  package: '@ip-location-db/asn',
  version: '2.3.2026061719',
  /** The date the package's data was built (its version's last part, yyyymmddhh). */
  date: '2026-06-17',
  licence: 'CC BY 4.0: RouteViews (routeviews.org), DB-IP (db-ip.com), NRO (nro.net)',
  attribution: 'IP to ASN data by RouteViews, the five RIRs (NRO) and DB-IP (https://db-ip.com)',
});

/**
 * "IP-to-AS data @ip-location-db/asn 2.3.2026061719 (data of 2026-06-17)": the short form front ends print
 * (not starting with "@", which a staff CSV would guard as a spreadsheet formula).
 */
export const OWNER_DATA_LABEL = `IP-to-AS data ${OWNER_DATA.package} ${OWNER_DATA.version} (data of ${OWNER_DATA.date})`;

export interface NetworkOwner {
  ip: string;
  /** `network`: a routed network's operator; `reserved`: a special-purpose range; `unknown`: in no row of the data. */
  kind: 'network' | 'reserved' | 'unknown';
  /** Autonomous system number, for `network`. */
  asn: number | null;
  /** The AS's organisation, the special-purpose range's name ("private (RFC 1918)"), or "not in the data set". */
  name: string;
  /** The range the answer holds for: "81.2.64.0-81.2.127.255", or the special-purpose CIDR. */
  range: string | null;
}

/** Special-purpose ranges (IANA registries, RFC 6890), named as a reader of the list says them; most specific first. */
export const SPECIAL_RANGES: ReadonlyArray<readonly [cidr: string, name: string]> = [
  ['0.0.0.0/8', '"this network" (RFC 1122)'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'shared address space, carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback (RFC 1122)'],
  ['169.254.0.0/16', 'link-local (RFC 3927)'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.0/24', 'documentation, TEST-NET-1 (RFC 5737)'],
  ['192.88.99.0/24', '6to4 relay anycast, deprecated (RFC 7526)'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking (RFC 2544)'],
  ['198.51.100.0/24', 'documentation, TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0/24', 'documentation, TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0/4', 'multicast (RFC 5771)'],
  ['255.255.255.255/32', 'limited broadcast (RFC 919)'],
  ['240.0.0.0/4', 'reserved (RFC 1112)'],
  ['::/128', 'unspecified (RFC 4291)'],
  ['::1/128', 'loopback (RFC 4291)'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation (RFC 8215)'],
  ['100::/64', 'discard-only (RFC 6666)'],
  ['2001:db8::/32', 'documentation (RFC 3849)'],
  ['2001::/32', 'Teredo tunnelling (RFC 4380)'],
  ['2002::/16', '6to4 (RFC 3056)'],
  ['fc00::/7', 'unique local (RFC 4193)'],
  ['fe80::/10', 'link-local (RFC 4291)'],
  ['ff00::/8', 'multicast (RFC 4291)'],
];

/** A special-purpose CIDR as its first and last address number. */
function cidrBounds(cidr: string): { family: 'ipv4' | 'ipv6'; start: bigint; end: bigint } {
  const [address, prefixText] = cidr.split('/') as [string, string];
  const family = net.isIPv4(address) ? 'ipv4' : 'ipv6';
  const bits = family === 'ipv4' ? 32n : 128n;
  const host = bits - BigInt(prefixText);
  const start = (addressNumber(address) >> host) << host;
  return { family, start, end: start + (1n << host) - 1n };
}

const specials = SPECIAL_RANGES.map(([cidr, name]) => {
  const b = cidrBounds(cidr);
  return { ...b, v4start: Number(b.start), v4end: Number(b.end), cidr, name };
});
const specialsV4 = specials.filter((s) => s.family === 'ipv4');
const specialsV6 = specials.filter((s) => s.family === 'ipv6');

/** The special-purpose range an address (canonical, as parseIp gives it) falls in, or null for a global unicast one. */
export function specialRange(ip: string): { cidr: string; name: string } | null {
  if (net.isIPv4(ip)) {
    const v = ipv4Number(ip);
    const hit = specialsV4.find((s) => s.v4start <= v && v <= s.v4end);
    return hit ? { cidr: hit.cidr, name: hit.name } : null;
  }
  const v = addressNumber(ip);
  const hit = specialsV6.find((s) => s.start <= v && v <= s.end);
  return hit ? { cidr: hit.cidr, name: hit.name } : null;
}

/** "81.2.69.160" => 1359103392. */
function ipv4Number(ip: string): number {
  let n = 0;
  for (const p of ip.split('.')) n = n * 256 + Number(p);
  return n;
}

/**
 * Sorted, non-overlapping ranges of one family. IPv4 bounds are 32-bit integers; IPv6 bounds are
 * two 64-bit halves (hi, lo), compared hi first.
 */
export interface RangeTable {
  family: 'ipv4' | 'ipv6';
  size: number;
  startHi: BigUint64Array | Uint32Array;
  startLo: BigUint64Array | null;
  endHi: BigUint64Array | Uint32Array;
  endLo: BigUint64Array | null;
  asn: Uint32Array;
  /** Index into `names` per range. */
  nameOf: Uint32Array;
  names: string[];
}

/** Whether `text` holds only ASCII digits (and at least one). */
function digits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const MASK64 = (1n << 64n) - 1n;

/**
 * The data set's numeric CSV (`asn-ipv4-num.csv`: `16777216,16777471,13335,"Cloudflare, Inc."`)
 * => a RangeTable. Lines that do not read are skipped and counted; ranges are sorted by start, and a
 * range that starts inside the one before ends that one just before it (counted in `overlaps`).
 */
export function buildRangeTable(
  text: string,
  family: 'ipv4' | 'ipv6',
): RangeTable & { skipped: number; overlaps: number } {
  const starts: Array<number | bigint> = [];
  const ends: Array<number | bigint> = [];
  const asns: number[] = [];
  const nameIdx: number[] = [];
  const names: string[] = [];
  const nameId = new Map<string, number>();
  const max = family === 'ipv4' ? 0xffffffff : (1n << 128n) - 1n;
  let skipped = 0;
  // Scanned by index rather than split and matched per line: 412,000 lines, read once per process.
  for (let pos = 0; pos < text.length;) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const lineEnd = eol > pos && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    const a = text.indexOf(',', pos);
    const b = a < 0 || a >= lineEnd ? -1 : text.indexOf(',', a + 1);
    const c = b < 0 || b >= lineEnd ? -1 : text.indexOf(',', b + 1);
    const line = { pos, lineEnd };
    pos = eol + 1;
    if (line.lineEnd === line.pos) continue;
    if (c < 0 || c >= lineEnd) {
      skipped++;
      continue;
    }
    const f0 = text.slice(line.pos, a);
    const f1 = text.slice(a + 1, b);
    const f2 = text.slice(b + 1, c);
    if (!digits(f0) || !digits(f1) || !digits(f2)) {
      skipped++;
      continue;
    }
    let name = text.slice(c + 1, lineEnd);
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replaceAll('""', '"');
    // IPv4 bounds fit a double exactly; only IPv6 needs BigInt (an order of magnitude slower to parse).
    const s = family === 'ipv4' ? Number(f0) : BigInt(f0);
    const e = family === 'ipv4' ? Number(f1) : BigInt(f1);
    if (e < s || e > max) {
      skipped++;
      continue;
    }
    let id = nameId.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      nameId.set(name, id);
    }
    starts.push(s);
    ends.push(e);
    asns.push(Number(f2));
    nameIdx.push(id);
  }
  const order = starts.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < starts.length; i++) if (starts[i]! < starts[i - 1]!) sorted = false;
  if (!sorted) order.sort((x, y) => (starts[x]! < starts[y]! ? -1 : starts[x]! > starts[y]! ? 1 : 0));
  // A row starting inside the one before (the data set has such: a DoD /16 inside another's range)
  // would break the binary search: the earlier row ends just before it, and the overlap is counted.
  let overlaps = 0;
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1]!;
    const cur = order[k]!;
    if (starts[cur]! <= ends[prev]!) {
      overlaps++;
      ends[prev] = typeof starts[cur] === 'number' ? (starts[cur] as number) - 1 : (starts[cur] as bigint) - 1n;
    }
  }
  const n = order.length;
  const table: RangeTable & { skipped: number; overlaps: number } = {
    family,
    size: n,
    startHi: family === 'ipv4' ? new Uint32Array(n) : new BigUint64Array(n),
    startLo: family === 'ipv4' ? null : new BigUint64Array(n),
    endHi: family === 'ipv4' ? new Uint32Array(n) : new BigUint64Array(n),
    endLo: family === 'ipv4' ? null : new BigUint64Array(n),
    asn: new Uint32Array(n),
    nameOf: new Uint32Array(n),
    names,
    skipped,
    overlaps,
  };
  order.forEach((src, i) => {
    if (family === 'ipv4') {
      (table.startHi as Uint32Array)[i] = starts[src] as number;
      (table.endHi as Uint32Array)[i] = ends[src] as number;
    } else {
      const st = starts[src] as bigint;
      const en = ends[src] as bigint;
      (table.startHi as BigUint64Array)[i] = st >> 64n;
      table.startLo![i] = st & MASK64;
      (table.endHi as BigUint64Array)[i] = en >> 64n;
      table.endLo![i] = en & MASK64;
    }
    table.asn[i] = asns[src]!;
    table.nameOf[i] = nameIdx[src]!;
  });
  return table;
}

/** A canonical address => its number (IPv4: up to 2^32 - 1; IPv6: 128 bits). */
export function addressNumber(ip: string): bigint {
  if (net.isIPv4(ip)) return ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** A number (IPv4: a number, IPv6: a bigint) => the address's canonical text. */
function numberText(n: number | bigint): string {
  if (typeof n === 'number') return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return parseIp(groups.join(':')) ?? groups.join(':');
}

/** Binary search: the index of the range holding `n`, or -1. */
export function lookupRange(table: RangeTable, n: number | bigint): number {
  let lo = 0;
  let hi = table.size - 1;
  if (table.family === 'ipv4') {
    const v = Number(n);
    const s = table.startHi as Uint32Array;
    const e = table.endHi as Uint32Array;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! > v) hi = mid - 1;
      else if (e[mid]! < v) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
  const big = BigInt(n);
  const vh = big >> 64n;
  const vl = big & MASK64;
  const sh = table.startHi as BigUint64Array;
  const eh = table.endHi as BigUint64Array;
  const sl = table.startLo!;
  const el = table.endLo!;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const startAbove = sh[mid]! > vh || (sh[mid] === vh && sl[mid]! > vl);
    const endBelow = eh[mid]! < vh || (eh[mid] === vh && el[mid]! < vl);
    if (startAbove) hi = mid - 1;
    else if (endBelow) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The owner of an address in the given tables (pure: the tables are passed in). */
export function ownerIn(tables: { ipv4: RangeTable; ipv6: RangeTable }, ip: string): NetworkOwner {
  const special = specialRange(ip);
  if (special !== null) return { ip, kind: 'reserved', asn: null, name: special.name, range: special.cidr };
  const family = net.isIPv4(ip) ? 'ipv4' : 'ipv6';
  const table = tables[family];
  const i = lookupRange(table, family === 'ipv4' ? ipv4Number(ip) : addressNumber(ip));
  if (i < 0) return { ip, kind: 'unknown', asn: null, name: 'not in the data set', range: null };
  const start = family === 'ipv4' ? (table.startHi as Uint32Array)[i]! : bigOf(table, 'start', i);
  const end = family === 'ipv4' ? (table.endHi as Uint32Array)[i]! : bigOf(table, 'end', i);
  return {
    ip,
    kind: 'network',
    asn: table.asn[i]!,
    name: table.names[table.nameOf[i]!]!,
    range: `${numberText(start)}-${numberText(end)}`,
  };
}

function bigOf(table: RangeTable, which: 'start' | 'end', i: number): bigint {
  const hi = (which === 'start' ? table.startHi : table.endHi) as BigUint64Array;
  const lo = which === 'start' ? table.startLo! : table.endLo!;
  return (hi[i]! << 64n) | lo[i]!;
}

let loaded: { ipv4: RangeTable; ipv6: RangeTable } | null = null;

/** The package's two numeric CSV files, read and indexed once per process (about a second, then ~12 MB). */
export function ownerTables(): { ipv4: RangeTable; ipv6: RangeTable } {
  if (loaded === null) {
    const require = createRequire(import.meta.url);
    const read = (file: string) => fs.readFileSync(require.resolve(`${OWNER_DATA.package}/${file}`), 'utf8');
    loaded = {
      ipv4: buildRangeTable(read('asn-ipv4-num.csv'), 'ipv4'),
      ipv6: buildRangeTable(read('asn-ipv6-num.csv'), 'ipv6'),
    };
  }
  return loaded;
}

/**
 * The owner of an IP address (any spelling parseIp reads); null when the text is not an address.
 * Special-purpose ranges are answered without loading the data set.
 */
export function ownerOf(text: string): NetworkOwner | null {
  const ip = parseIp(text);
  if (ip === null) return null;
  const special = specialRange(ip);
  if (special !== null) return { ip, kind: 'reserved', asn: null, name: special.name, range: special.cidr };
  return ownerIn(ownerTables(), ip);
}

/** "AS15169 Google LLC", "private (RFC 1918)", "not in the data set": how lists print an owner. */
export function ownerLabel(o: NetworkOwner): string {
  return o.kind === 'network' ? `AS${o.asn} ${o.name}` : o.name;
}
