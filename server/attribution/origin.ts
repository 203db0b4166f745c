/**
 * The originating IP: walk the Received chain from the top (the party's own servers) down; each
 * hop whose client is one of the party's trusted relays (by CIDR, or by the reverse name its own
 * server recorded) or a private/reserved address is passed; the client of the first other hop is
 * where the message entered the party's trusted network: the origin. Lines below it were written
 * by machines the party does not control and may be forged: shown, never believed.
 *
 * When that first untrusted hop is a webmail provider's server (its recorded reverse name is
 * under the provider's domains) and the message carries the provider's X-Originating-IP, the
 * provider's record of its authenticated client is the origin instead. Without any untrusted
 * public hop, an X-Originating-IP is used as an unconfirmed origin.
 */
import { providerOfHost } from './address.ts';
import { isPublicIp, parseIp } from './ip.ts';
import type { ReceivedHop } from './received.ts';
import type { TrustMatcher } from './trust.ts';

export type HopRole = 'trusted' | 'internal' | 'no-client' | 'origin' | 'untrusted-below-origin';

export interface OriginResult {
  ip: string | null;
  evidence: string;
  /** 1 the provider's own record (webmail), 2 the first untrusted Received hop, 3 an unconfirmed X-Originating-IP; null without origin. */
  rank: 1 | 2 | 3 | null;
  /** Index (topmost = 0) of the first untrusted hop, or null. */
  originHop: number | null;
  roles: HopRole[];
  /** Provider that recorded the origin (webmail), when the X-Originating-IP was used. */
  provider: string | null;
  /** The provider owning the first untrusted hop's recorded reverse name, if any. */
  relayProvider: string | null;
  /** Received lines below the origin that claim to be written by a trusted relay or by a provider the message never passed. */
  forgedLines: number[];
  /** Notes on unusable inputs ("X-Originating-IP unreadable: bogus"). */
  notes: string[];
}

export function findOrigin(hops: readonly ReceivedHop[], xOriginatingIp: readonly string[], trust: TrustMatcher): OriginResult {
  const roles: HopRole[] = [];
  const notes: string[] = [];
  let originHop: number | null = null;
  for (let i = 0; i < hops.length; i++) {
    const hop = hops[i]!;
    if (originHop !== null) {
      roles.push('untrusted-below-origin');
      continue;
    }
    if (hop.ip === null) {
      roles.push('no-client');
      continue;
    }
    if (trust.isTrustedIp(hop.ip) || trust.isTrustedName(hop.rdns)) {
      roles.push('trusted');
      continue;
    }
    if (!isPublicIp(hop.ip)) {
      roles.push('internal');
      continue;
    }
    roles.push('origin');
    originHop = i;
  }

  let xoip: string | null = null;
  for (const raw of xOriginatingIp) {
    const ip = parseIp(raw);
    if (ip === null) notes.push(`X-Originating-IP unreadable: ${JSON.stringify(raw.slice(0, 80))}`);
    else if (!isPublicIp(ip)) notes.push(`X-Originating-IP ${ip} is private or reserved: not an origin`);
    else if (xoip === null) xoip = ip;
  }

  const origin = originHop === null ? null : hops[originHop]!;
  const relayProvider = origin?.rdns ? providerOfHost(origin.rdns) : null;
  const forgedLines: number[] = [];
  if (originHop !== null) {
    for (let i = originHop + 1; i < hops.length; i++) {
      const by = hops[i]!.by;
      if (by === null) continue;
      const claimed = providerOfHost(by);
      if (trust.isTrustedName(by) || (claimed !== null && claimed !== relayProvider)) forgedLines.push(i);
    }
  }

  const base = { originHop, roles, relayProvider, forgedLines, notes };
  if (origin && relayProvider !== null && xoip !== null) {
    return { ...base, ip: xoip, rank: 1, provider: relayProvider, evidence: `X-Originating-IP recorded by ${relayProvider} webmail (relay ${origin.rdns} [${origin.ip}] handed it to the party)` };
  }
  if (origin) {
    const name = origin.rdns ? `${origin.rdns} ` : '';
    return { ...base, ip: origin.ip, rank: 2, provider: null, evidence: `first untrusted Received hop ${originHop! + 1}: client ${name}[${origin.ip}]${trust.trust.relays.length === 0 ? ' (party has no trusted relays configured)' : ''}` };
  }
  if (xoip !== null) {
    return { ...base, ip: xoip, rank: 3, provider: null, evidence: 'X-Originating-IP, unconfirmed: no untrusted public Received hop' };
  }
  return { ...base, ip: null, rank: null, provider: null, evidence: hops.length === 0 ? 'no Received header and no usable X-Originating-IP' : 'no untrusted public Received hop and no usable X-Originating-IP' };
}
