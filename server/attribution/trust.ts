/**
 * What a party (plaintiff) trusts: its own relays (host names or CIDR ranges), through which the
 * spam reached its trap or user, and the authserv-ids of its own Authentication-Results headers.
 * Stored on the party (parties.trusted_relays, parties.trusted_authserv_ids, JSON arrays of text).
 */
import { SpamcaseError } from '../errors.ts';
import { CidrSet, parseCidr } from '../mail/trace/ip.ts';

export interface PartyTrust {
  /** Host names ("laposte.net" trusts every host under it) and CIDR ranges or single addresses. */
  relays: string[];
  /** authserv-ids whose Authentication-Results count ("mx.laposte.net"). */
  authservIds: string[];
}

export const NO_TRUST: PartyTrust = Object.freeze({ relays: [], authservIds: [] }) as PartyTrust;

const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?$/;
/** Entries per party: enough for any real relay list, small enough to check per hop. */
export const MAX_TRUST_ENTRIES = 200;

/**
 * The widest ranges a party may trust: no one network holds more than an IPv4 /8 or an IPv6 /16, and a
 * wider range (0.0.0.0/0 above all) would make the walk believe every line, the spammer's own included.
 */
export const MIN_TRUSTED_PREFIX = { ipv4: 8, ipv6: 16 } as const;

/** A value quoted for a message: JSON escapes, and every non-ASCII character as \u{...} (no bidi trick survives). */
function quoted(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text).replace(
    /[^\x20-\x7e]/gu,
    (ch) => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`,
  );
}

/** Validate and normalize one trusted relay: a CIDR range, an address, or a host/domain name. */
export function normalizeRelay(text: string): string {
  const t = text.trim().toLowerCase();
  const cidr = parseCidr(t);
  if (cidr !== null) {
    if (cidr.prefix < MIN_TRUSTED_PREFIX[cidr.family])
      throw new SpamcaseError(
        'INVALID_INPUT',
        `trusted relay range ${quoted(text)} is too wide: at most /${MIN_TRUSTED_PREFIX[cidr.family]} (${cidr.family === 'ipv4' ? 'IPv4' : 'IPv6'}), or every Received line would be believed`,
      );
    return `${cidr.network}/${cidr.prefix}`;
  }
  const name = t.replace(/\.$/, '');
  if (t.length <= 253 && HOST_NAME.test(name)) {
    // A bare top-level name ("com") would trust every host under it, the spammer's among them.
    if (!name.includes('.') && name !== 'localhost')
      throw new SpamcaseError(
        'INVALID_INPUT',
        `trusted relay ${quoted(text)} is a top-level name: give the party's own domain (laposte.net) or host`,
      );
    return name;
  }
  throw new SpamcaseError(
    'INVALID_INPUT',
    `trusted relay must be a host name, an IP address or a CIDR range (got ${quoted(text)})`,
  );
}

export function normalizeAuthservId(text: string): string {
  const t = text.trim().toLowerCase();
  // RFC 8601 authserv-id: in practice a host name; one token of printable ASCII, never a quote or bracket.
  if (t === '' || t.length > 253 || !/^[a-z0-9!#$%&'*+.^_`{|}~-]+$/.test(t))
    throw new SpamcaseError(
      'INVALID_INPUT',
      `authserv-id must be one word of letters, digits, dots and dashes, as in mx.laposte.net (got ${quoted(text)})`,
    );
  return t;
}

export function normalizeTrust(input: { relays?: readonly string[]; authservIds?: readonly string[] }): PartyTrust {
  const relays = [...new Set((input.relays ?? []).map(normalizeRelay))];
  const authservIds = [...new Set((input.authservIds ?? []).map(normalizeAuthservId))];
  if (relays.length > MAX_TRUST_ENTRIES || authservIds.length > MAX_TRUST_ENTRIES) {
    throw new SpamcaseError(
      'LIMIT_EXCEEDED',
      `a party trusts at most ${MAX_TRUST_ENTRIES} relays and ${MAX_TRUST_ENTRIES} authserv-ids`,
    );
  }
  return { relays, authservIds };
}

/** Compiled for matching: one BlockList for the ranges, the names for suffix matching. */
export interface TrustMatcher {
  trust: PartyTrust;
  isTrustedIp(ip: string): boolean;
  isTrustedName(host: string | null): boolean;
  isTrustedAuthserv(id: string): boolean;
}

export function compileTrust(trust: PartyTrust): TrustMatcher {
  const ranges = new CidrSet();
  const names: string[] = [];
  for (const r of trust.relays) {
    const cidr = parseCidr(r);
    if (cidr !== null) ranges.add(cidr.network, cidr.prefix, cidr.family);
    else names.push(r);
  }
  const ids = new Set(trust.authservIds);
  return {
    trust,
    isTrustedIp: (ip) => ranges.has(ip),
    isTrustedName: (host) => host !== null && names.some((n) => host === n || host.endsWith(`.${n}`)),
    isTrustedAuthserv: (id) => ids.has(id.toLowerCase()),
  };
}
