/**
 * IP addresses as Received and X-Originating-IP headers write them: bracketed, "IPv6:"-prefixed,
 * IPv4-mapped IPv6 (::ffff:1.2.3.4, read as the IPv4 address), with zone ids or garbage. And which
 * addresses can be an origin at all: private, loopback, link-local, shared, documentation and other
 * reserved ranges never are (IANA special-purpose registries, RFC 6890).
 */
import net from 'node:net';

/** "[203.0.113.7]", "IPv6:2001:db8::1", "::ffff:192.0.2.1" => canonical text; anything else => null. */
export function parseIp(text: string): string | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1).trim();
  if (/^ipv6:/i.test(t)) t = t.slice(5);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const version = net.isIP(t);
  if (version === 4) {
    // Leading zeros are ambiguous (octal to some resolvers): refuse rather than guess.
    if (t.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return null;
    return t;
  }
  if (version === 6) {
    const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(t);
    if (mapped && net.isIPv4(mapped[1]!)) return mapped[1]!;
    return canonicalIpv6(t);
  }
  return null;
}

/** Lowercase, zeros compressed the RFC 5952 way, so one address has one spelling. */
function canonicalIpv6(t: string): string {
  const [head, tail] = t.includes('::') ? t.split('::') : [t, null];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const expand = (parts: string[]) =>
    parts.flatMap((p) => {
      if (net.isIPv4(p)) {
        const [a, b, c, d] = p.split('.').map(Number) as [number, number, number, number];
        return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
      }
      return [p];
    });
  const h = expand(headParts);
  const tl = expand(tailParts);
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl];
  const nums = groups.map((g) => parseInt(g, 16));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (nums[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && nums[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = nums.map((n) => n.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Ranges that are never an originating IP: the sender's client must be reachable on the Internet. */
const NOT_ORIGIN_RANGES: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'], // private (RFC 1918)
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.0.2.0', 24, 'ipv4'], // documentation (TEST-NET-1)
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'], // documentation (TEST-NET-2)
  ['203.0.113.0', 24, 'ipv4'], // documentation (TEST-NET-3)
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, and broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['64:ff9b:1::', 48, 'ipv6'], // local-use translation
  ['100::', 64, 'ipv6'], // discard-only
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

/** An address as 16 bytes (IPv4 as ::ffff:a.b.c.d), for prefix comparison; null when not an address. */
function addressBytes(ip: string): Uint8Array | null {
  const version = net.isIP(ip);
  if (version === 0) return null;
  const out = new Uint8Array(16);
  if (version === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    ip.split('.').forEach((p, i) => (out[12 + i] = Number(p)));
    return out;
  }
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const groups = (g: string) =>
    (g === '' ? [] : g.split(':')).flatMap((x) =>
      x.includes('.')
        ? (() => {
            const b = x.split('.').map(Number);
            return [((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16)];
          })()
        : [x],
    );
  const h = groups(head!);
  const t = groups(tail!);
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/**
 * A set of CIDR ranges matched by byte prefix (node's net.BlockList allocates per check and was
 * measured at several microseconds a call; attribution checks every hop of every message).
 */
export class CidrSet {
  private readonly ranges: Array<{ bytes: Uint8Array; bits: number }> = [];

  add(network: string, prefix: number, family: 'ipv4' | 'ipv6'): void {
    const bytes = addressBytes(network);
    if (bytes === null) throw new Error(`not an address: ${network}`);
    this.ranges.push({ bytes, bits: family === 'ipv4' ? 96 + prefix : prefix });
  }

  get size(): number {
    return this.ranges.length;
  }

  has(ip: string): boolean {
    if (this.ranges.length === 0) return false;
    const b = addressBytes(ip);
    if (b === null) return false;
    for (const r of this.ranges) {
      let bits = r.bits;
      let i = 0;
      for (; bits >= 8; bits -= 8, i++) if (b[i] !== r.bytes[i]) break;
      if (bits >= 8) continue;
      if (bits === 0 || b[i]! >> (8 - bits) === r.bytes[i]! >> (8 - bits)) return true;
    }
    return false;
  }
}

const notOrigin = new CidrSet();
for (const [address, prefix, family] of NOT_ORIGIN_RANGES) notOrigin.add(address, prefix, family);

/** Whether a (parsed) IP may be an originating IP: public unicast only. */
export function isPublicIp(ip: string): boolean {
  return net.isIP(ip) !== 0 && !notOrigin.has(ip);
}

/** "192.0.2.0/24" or "2001:db8::/32" or a single address => [network, prefix, family]; else null. */
export function parseCidr(text: string): { network: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const family = net.isIPv4(ip) ? 'ipv4' : 'ipv6';
  const max = family === 'ipv4' ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > max) return null;
  return { network: ip, prefix, family };
}

/** The /24 (IPv4) or /48 (IPv6) an address belongs to, for grouping neighbours. */
export function networkOf(ip: string): string {
  if (net.isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const full = ip.includes('::')
    ? ip.replace(
        '::',
        `:${Array(8 - ip.split(':').filter(Boolean).length)
          .fill('0')
          .join(':')}:`,
      )
    : ip;
  return `${full
    .split(':')
    .filter((_, i) => i < 3)
    .join(':')}::/48`;
}
