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
import { isPublicIp, parseIp } from '../mail/trace/ip.ts';
import type { ReceivedHop } from '../mail/trace/received.ts';
import type { TrustMatcher } from './trust.ts';

export type HopRole = 'trusted' | 'internal' | 'no-client' | 'origin' | 'untrusted-below-origin';

export interface OriginResult {
  ip: string | null;
  evidence: string;
  /**
   * 1 the provider's own record (webmail), 2 the first untrusted Received hop, 3 an unconfirmed X-Originating-IP; null
   * without origin.
   */
  rank: 1 | 2 | 3 | null;
  /** Index (topmost = 0) of the first untrusted hop, or null. */
  originHop: number | null;
  roles: HopRole[];
  /** Provider that recorded the origin (webmail), when the X-Originating-IP was used. */
  provider: string | null;
  /** The provider owning the first untrusted hop's recorded reverse name, if any. */
  relayProvider: string | null;
  /**
   * Received lines below the origin that claim to be written by a trusted relay or by a provider the message never
   * passed.
   */
  forgedLines: number[];
  /** Notes on unusable inputs ("X-Originating-IP unreadable: bogus"). */
  notes: string[];
}

/** "ws1-2.us4.outblaze.com" => "outblaze.com"; keeps three labels under two-letter second levels ("co.uk"). */
export function siteOf(host: string): string {
  const labels = host.split('.');
  const keep =
    labels.length >= 3 && labels[labels.length - 2]!.length <= 3 && labels[labels.length - 1]!.length === 2 ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/**
 * Whether the relay's site submitted the message itself: in the unbroken run of lines directly
 * below the relay, every line is written by the same site and every client is the site's own (or
 * private), down to a webmail (HTTP) submission or the end of the chain. A line where the site
 * received the message from an outside public client means it only relayed it: its
 * X-Originating-IP (if any) then says nothing about the sender.
 */
function submittedBySite(
  hops: readonly ReceivedHop[],
  originHop: number,
  inSite: (host: string | null) => boolean,
): boolean {
  for (let i = originHop + 1; i < hops.length; i++) {
    const h = hops[i]!;
    if (h.by !== null && !inSite(h.by)) return false;
    if (h.kind === 'webmail') return true;
    if (h.ip !== null && isPublicIp(h.ip) && !inSite(h.rdns)) return false;
  }
  return true;
}

export function findOrigin(
  hops: readonly ReceivedHop[],
  xOriginatingIp: readonly string[],
  trust: TrustMatcher,
): OriginResult {
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
  // The relay's provider: a known one by its recorded reverse name, or any site whose own servers
  // took a webmail submission just below (see submittedBySite).
  let relayProvider: string | null = null;
  let webmail = false;
  if (origin?.rdns) {
    const known = providerOfHost(origin.rdns);
    const site = siteOf(origin.rdns);
    const inSite = (host: string | null) =>
      host !== null && (known !== null ? providerOfHost(host) === known : host === site || host.endsWith(`.${site}`));
    webmail =
      submittedBySite(hops, originHop!, inSite) &&
      (known !== null || hops.slice(originHop! + 1).some((h) => h.kind === 'webmail'));
    relayProvider = known ?? (webmail ? site : null);
  }
  const forgedLines: number[] = [];
  // Forgery is judged only against relays the party declared: without them the "origin" may be
  // the party's own mail exchanger, and every line below it would be called forged (and every
  // delivery counted as header falsity for damages) on no evidence.
  if (originHop !== null && trust.trust.relays.length > 0) {
    for (let i = originHop + 1; i < hops.length; i++) {
      const by = hops[i]!.by;
      if (by === null) continue;
      const claimed = providerOfHost(by);
      if (trust.isTrustedName(by) || (claimed !== null && claimed !== relayProvider)) forgedLines.push(i);
    }
  }

  const base = { originHop, roles, relayProvider, forgedLines, notes };
  if (origin && webmail && xoip !== null) {
    return {
      ...base,
      ip: xoip,
      rank: 1,
      provider: relayProvider,
      evidence: `X-Originating-IP recorded by ${relayProvider} webmail`,
    };
  }
  if (origin) {
    return {
      ...base,
      ip: origin.ip,
      rank: 2,
      provider: null,
      evidence: `first untrusted Received hop ${originHop! + 1}${trust.trust.relays.length === 0 ? ' (party has no trusted relays configured)' : ''}`,
    };
  }
  if (xoip !== null) {
    return {
      ...base,
      ip: xoip,
      rank: 3,
      provider: null,
      evidence: 'X-Originating-IP, unconfirmed: no untrusted public Received hop',
    };
  }
  return {
    ...base,
    ip: null,
    rank: null,
    provider: null,
    evidence:
      hops.length === 0
        ? 'no Received header and no usable X-Originating-IP'
        : 'no untrusted public Received hop and no usable X-Originating-IP',
  };
}
