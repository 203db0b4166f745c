/**
 * The chain walk (docs/ATTRIBUTION.md section 2): which Received lines are believed, and the two
 * IPs an item keeps, the hand-off (first machine outside the party) and the origin (client of the
 * last believed line, or the provider's record of its user). Result types here; the walk itself is
 * `walkChain` below. Pure.
 */
import { isPublicIp, parseIp } from '../mail/trace/ip.ts';
import type { ReceivedHop } from '../mail/trace/received.ts';
import { parseMailDate } from '../mail/headers/date.ts';
import { providers, type Provider, type ProviderTable } from './providers.ts';
import type { TrustMatcher } from './trust.ts';

/** What one Received line is in the walk (docs/ATTRIBUTION.md, table of roles). */
export type HopRole =
  'fetch' | 'party' | 'internal' | 'no-client' | 'hand-off' | 'provider' | 'origin' | 'not-believed' | 'forged';

export const HOP_ROLES: readonly HopRole[] = [
  'fetch',
  'party',
  'internal',
  'no-client',
  'hand-off',
  'provider',
  'origin',
  'not-believed',
  'forged',
];

export interface WalkHop {
  /** Line number, topmost = 1. */
  line: number;
  /** The host that wrote the line, as its "by" says (lowercased), or null. */
  writer: string | null;
  /** Whom the walk holds to have written it: 'party', a provider id, or null (nobody it trusts). */
  writtenBy: string | null;
  believed: boolean;
  role: HopRole;
  /** Why, in words ("client 81.2.69.160 is outside the party: the hand-off"). */
  why: string;
}

/** How the origin was found. */
export type OriginSource = 'received' | 'provider-header' | 'unconfirmed-header';

export interface HandOff {
  ip: string;
  /** Reverse name the party's line recorded for it, or null. */
  host: string | null;
  /** Provider id (templates/providers/) whose relay it is, or null. */
  provider: string | null;
  /** Line number (topmost = 1) of the party's line that recorded it. */
  line: number;
  /** UTC time (ISO 8601) of that line, when its date reads. */
  at: string | null;
}

export interface Origin {
  ip: string;
  source: OriginSource;
  /** Line number whose client is the origin; null when from a header. */
  line: number | null;
  /** UTC time of the believed line that recorded it (for a header: the provider's last believed line). */
  at: string | null;
  /** Provider whose record (line or header) it is, or null for a plain relay. */
  provider: string | null;
  /** 1 the provider's record, 2 the first untrusted hop, 3 an unconfirmed header. */
  rank: 1 | 2 | 3;
  evidence: string;
}

export interface ChainWalk {
  hops: WalkHop[];
  handoff: HandOff | null;
  origin: Origin | null;
  /** Line number of the first line not believed; null when every line read was believed. */
  beliefStoppedLine: number | null;
  /** Line numbers (topmost = 1) of forged lines: below belief, claiming a party relay or a provider not passed. */
  forgedLines: number[];
  /** Recorded signals: HELO literal differing from the seen address, fetch skipped, header disagreeing... */
  signals: string[];
  /** Notes on unusable inputs ("X-Originating-IP unreadable: bogus"). */
  notes: string[];
  /** Envelope sender recorded by a believed line's "(envelope-from <x>)", when any. */
  envelopeFrom: string | null;
}

const NO_TRUST_NOTE = ' (party has no trusted relays configured)';

/** A client-IP header value as written, with its name ("X-Originating-IP"). */
export interface ClientIpValue {
  name: string;
  value: string;
}

/** The believed line's time, ISO 8601 UTC, when its date reads. */
function lineTime(hop: ReceivedHop): string | null {
  return hop.dateText === null ? null : parseMailDate(hop.dateText);
}

/** Whether a believed provider line's "by" is consistent with the provider having written it. */
function writtenByProvider(hop: ReceivedHop, p: Provider, table: ProviderTable): boolean {
  if (hop.by === null || !hop.by.includes('.')) return true; // internal names ("localhost", "mta3") say nothing
  const asIp = parseIp(hop.by);
  if (asIp !== null) return !isPublicIp(asIp) || table.ofIp(asIp) === p;
  return table.ofHost(hop.by) === p;
}

/** The first usable value of the provider's own client-IP headers, in the order the provider lists them. */
function providerHeader(
  p: Provider,
  values: readonly ClientIpValue[],
  notes: string[],
): { name: string; ip: string } | null {
  for (const h of p.clientIpHeaders) {
    for (const v of values) {
      if (v.name.toLowerCase() !== h.name.toLowerCase()) continue;
      const ip = parseIp(v.value.replace(/^\s*\[|\]\s*$/g, ''));
      if (ip === null) notes.push(`${h.name} unreadable: ${JSON.stringify(v.value.slice(0, 80))}`);
      else if (!isPublicIp(ip)) notes.push(`${h.name} ${ip} is private or reserved: not an origin`);
      else return { name: h.name, ip };
    }
  }
  return null;
}

/**
 * Walk the Received chain from the top (written by the party's own system) down. See the module
 * comment and docs/ATTRIBUTION.md for the rule; `clientIpHeaders` are the message's X-Originating-IP
 * and kin, used only as the record of the provider whose relay handed the message over.
 */
export function walkChain(
  hops: readonly ReceivedHop[],
  clientIpHeaders: readonly ClientIpValue[],
  trust: TrustMatcher,
  table: ProviderTable = providers(),
): ChainWalk {
  const out: WalkHop[] = [];
  const signals: string[] = [];
  const notes: string[] = [];
  let handoff: HandOff | null = null;
  let origin: Origin | null = null;
  let provider: Provider | null = null;
  let stopped: number | null = null;
  /**
   * The provider's believed lines reached its own submission point (a pickup or webmail line, its private
   * machines, or the end of the chain) without an outside client: its own header may then be used.
   */
  let reachedSubmission = false;
  let lastProviderLine: ReceivedHop | null = null;
  let envelopeFrom: string | null = null;
  const noTrust = trust.trust.relays.length === 0;
  /** Providers whose relays the message passed. */
  const passed = new Set<string>();

  const helo = (hop: ReceivedHop, line: number) => {
    if (hop.heloIp !== null && hop.ip !== null && hop.heloIp !== hop.ip)
      signals.push(`line ${line}: HELO literal ${hop.heloIp} differs from the address the server saw, ${hop.ip}`);
  };
  const believe = (hop: ReceivedHop, entry: Omit<WalkHop, 'believed' | 'writer'>) => {
    out.push({ ...entry, writer: hop.by, believed: true });
    if (envelopeFrom === null && hop.envelopeFrom !== null) envelopeFrom = hop.envelopeFrom;
  };

  for (let i = 0; i < hops.length; i++) {
    const hop = hops[i]!;
    const line = i + 1;
    if (stopped !== null) {
      out.push({ line, writer: hop.by, writtenBy: null, believed: false, role: 'not-believed', why: '' });
      continue;
    }
    if (provider === null) {
      // Written by the party (the top line, or a line whose writer the line above recorded as the party's).
      if (hop.retrieval) {
        believe(hop, {
          line,
          writtenBy: 'party',
          role: 'fetch',
          why: `the recipient's own retrieval${hop.with ? ` (${hop.with})` : ''}: skipped; the mailbox server it names is the party's`,
        });
        signals.push(`line ${line}: retrieval by the recipient skipped (${hop.ip ?? hop.helo ?? 'mailbox server'})`);
        continue;
      }
      if (hop.ip === null) {
        believe(hop, { line, writtenBy: 'party', role: 'no-client', why: 'no client address (local submission)' });
        continue;
      }
      helo(hop, line);
      if (trust.isTrustedIp(hop.ip) || trust.isTrustedName(hop.rdns)) {
        believe(hop, {
          line,
          writtenBy: 'party',
          role: 'party',
          why: `client ${hop.ip}${hop.rdns ? ` (${hop.rdns})` : ''} is the party's relay`,
        });
        continue;
      }
      if (!isPublicIp(hop.ip)) {
        believe(hop, { line, writtenBy: 'party', role: 'internal', why: `client ${hop.ip} is private or reserved` });
        continue;
      }
      if (hop.authenticated) {
        // As SpamAssassin: a client that authenticated to the party's own server is the party's own user.
        believe(hop, {
          line,
          writtenBy: 'party',
          role: 'party',
          why: `client ${hop.ip} authenticated to the party's own server (${hop.with}): the party's own user`,
        });
        continue;
      }
      const p = table.ofHost(hop.rdns) ?? table.ofIp(hop.ip);
      handoff = { ip: hop.ip, host: hop.rdns, provider: p?.id ?? null, line, at: lineTime(hop) };
      if (p !== null) {
        provider = p;
        passed.add(p.id);
        lastProviderLine = hop;
        believe(hop, {
          line,
          writtenBy: 'party',
          role: 'hand-off',
          why: `client ${hop.ip} (${hop.rdns ?? 'address'}) is ${p.name}'s relay: the hand-off; the line below is ${p.id}'s`,
        });
        continue;
      }
      believe(hop, {
        line,
        writtenBy: 'party',
        role: 'origin',
        why: `client ${hop.ip}${hop.rdns ? ` (${hop.rdns})` : ''} is the first machine outside the party: the hand-off and the origin`,
      });
      origin = {
        ip: hop.ip,
        source: 'received',
        line,
        at: handoff.at,
        provider: null,
        rank: 2,
        evidence: `first untrusted Received hop ${line}${noTrust ? NO_TRUST_NOTE : ''}`,
      };
      stopped = line < hops.length ? line + 1 : null;
      continue;
    }
    // Written by the provider whose relay the line above recorded.
    if (!writtenByProvider(hop, provider, table)) {
      out.push({
        line,
        writer: hop.by,
        writtenBy: null,
        believed: false,
        role: 'not-believed',
        why: `written by ${hop.by}, not by ${provider.name}'s servers: belief stops`,
      });
      stopped = line;
      continue;
    }
    if (hop.ip === null) {
      believe(hop, {
        line,
        writtenBy: provider.id,
        role: 'no-client',
        why:
          hop.kind === 'webmail'
            ? `${provider.name}'s own submission (${hop.with ?? 'pickup'}), no client address`
            : `${provider.name}'s internal hop, no client address`,
      });
      lastProviderLine = hop;
      reachedSubmission = true;
      // A pickup service or webmail line is where the provider took the message in: nothing below is its.
      if (hop.kind === 'webmail') stopped = line < hops.length ? line + 1 : null;
      continue;
    }
    helo(hop, line);
    if (!isPublicIp(hop.ip) || table.ofHost(hop.rdns) === provider || table.ofIp(hop.ip) === provider) {
      believe(hop, {
        line,
        writtenBy: provider.id,
        role: isPublicIp(hop.ip) ? 'provider' : 'internal',
        why: `client ${hop.ip}${hop.rdns ? ` (${hop.rdns})` : ''} is ${isPublicIp(hop.ip) ? `${provider.name}'s own` : 'private or reserved'}`,
      });
      lastProviderLine = hop;
      // The provider's lines reached its own private machines: its submission happened inside it.
      reachedSubmission = !isPublicIp(hop.ip);
      continue;
    }
    const next = table.ofHost(hop.rdns) ?? table.ofIp(hop.ip);
    if (next !== null) {
      // One provider relayed from another's relay (forwarding): the line below is the other's.
      believe(hop, {
        line,
        writtenBy: provider.id,
        role: 'provider',
        why: `client ${hop.ip} (${hop.rdns ?? 'address'}) is ${next.name}'s relay, recorded by ${provider.name}; the line below is ${next.id}'s`,
      });
      provider = next;
      passed.add(next.id);
      lastProviderLine = hop;
      reachedSubmission = false;
      continue;
    }
    const how = hop.authenticated
      ? ` (${hop.with}: authenticated submission)`
      : hop.kind === 'webmail'
        ? ' (webmail)'
        : '';
    believe(hop, {
      line,
      writtenBy: provider.id,
      role: 'origin',
      why: `client ${hop.ip} recorded by ${provider.name}${how}: the origin`,
    });
    origin = {
      ip: hop.ip,
      source: 'received',
      line,
      at: lineTime(hop),
      provider: provider.id,
      rank: 1,
      evidence: `client of Received line ${line}, recorded by ${provider.id}${how}${noTrust ? NO_TRUST_NOTE : ''}`,
    };
    stopped = line < hops.length ? line + 1 : null;
  }
  if (provider !== null && origin === null && stopped === null) reachedSubmission = true;

  // The provider's own record of its user, when its lines reached its submission point.
  if (provider !== null) {
    const header = providerHeader(provider, clientIpHeaders, notes);
    if (origin === null && reachedSubmission && header !== null) {
      origin = {
        ip: header.ip,
        source: 'provider-header',
        line: null,
        at: lastProviderLine ? lineTime(lastProviderLine) : null,
        provider: provider.id,
        rank: 1,
        evidence: `${header.name} recorded by ${provider.id}${noTrust ? NO_TRUST_NOTE : ''}`,
      };
    } else if (origin !== null && origin.source === 'received' && header !== null && header.ip !== origin.ip)
      signals.push(
        `${header.name} ${header.ip} differs from the client ${provider.id}'s line ${origin.line} recorded, ${origin.ip}`,
      );
    if (origin === null && handoff !== null) {
      origin = {
        ip: handoff.ip,
        source: 'received',
        line: handoff.line,
        at: handoff.at,
        provider: null,
        rank: 2,
        evidence: `first untrusted Received hop ${handoff.line} (${provider.id} relay; no record of its client)${noTrust ? NO_TRUST_NOTE : ''}`,
      };
    }
  } else {
    for (const v of clientIpHeaders) {
      const ip = parseIp(v.value.replace(/^\s*\[|\]\s*$/g, ''));
      if (ip === null) notes.push(`${v.name} unreadable: ${JSON.stringify(v.value.slice(0, 80))}`);
      else if (!isPublicIp(ip)) notes.push(`${v.name} ${ip} is private or reserved: not an origin`);
      else if (origin === null && handoff === null) {
        origin = {
          ip,
          source: 'unconfirmed-header',
          line: null,
          at: null,
          provider: null,
          rank: 3,
          evidence: `${v.name}, unconfirmed: no untrusted public Received hop`,
        };
      }
    }
  }
  if (stopped !== null) {
    // Lines nobody trusted wrote: shown, never believed; those claiming the party or a provider not passed are forged.
    for (let i = stopped - 1; i < out.length; i++) {
      const h = out[i]!;
      if (h.role !== 'not-believed') continue;
      const by = h.writer;
      const claimed = by === null ? null : table.ofHost(by);
      if (!noTrust && by !== null && (trust.isTrustedName(by) || (claimed !== null && !passed.has(claimed.id)))) {
        h.role = 'forged';
        h.why = trust.isTrustedName(by)
          ? `claims to be written by the party's relay ${by}, below where the message entered: forged`
          : `claims to be written by ${claimed!.name} (${by}), which the message never passed: forged`;
      } else if (h.why === '') h.why = 'below where belief stopped: written by a machine nobody vouches for';
    }
  }
  const forgedLines = out.filter((h) => h.role === 'forged').map((h) => h.line);
  if (forgedLines.length > 0) signals.push(`forged Received lines: ${forgedLines.join(', ')}`);
  return { hops: out, handoff, origin, beliefStoppedLine: stopped, forgedLines, signals, notes, envelopeFrom };
}
