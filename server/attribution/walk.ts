/**
 * The chain walk (docs/ATTRIBUTION.md section 2): which Received lines are believed, and the two
 * IPs an item keeps, the hand-off (first machine outside the party) and the origin (client of the
 * last believed line, or the provider's record of its user). Result types here; the walk itself is
 * `walkChain` below. Pure.
 */

/** What one Received line is in the walk (docs/ATTRIBUTION.md, table of roles). */
export type HopRole =
  | 'fetch'
  | 'party'
  | 'internal'
  | 'no-client'
  | 'hand-off'
  | 'provider'
  | 'origin'
  | 'not-believed'
  | 'forged';

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
