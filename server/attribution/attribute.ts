/**
 * One item's attribution from its header facts and its party's trust: the originating IP (origin.ts)
 * first, since which provider handed the message over decides which sender headers are the
 * provider's own; then the account (account.ts). Pure and cheap: runs in the ingest writer per new
 * item, and again for every item when `spamcase attribute` recomputes after a trust change.
 */
import { resolveAccount, type Candidate, type DkimStatus, type EvidenceRank, type VerifiedDkim } from './account.ts';
import type { AttributionFacts } from './facts.ts';
import { findOrigin, type HopRole } from './origin.ts';
import type { ChainWalk, OriginSource } from './walk.ts';
import type { TrustMatcher } from './trust.ts';

export interface Attribution {
  account: string | null;
  provider: string | null;
  domain: string | null;
  accountRank: EvidenceRank | null;
  accountEvidence: string;
  originatingIp: string | null;
  ipEvidence: string;
  /** 1 provider record, 2 first untrusted hop, 3 unconfirmed X-Originating-IP. */
  ipRank: 1 | 2 | 3 | null;
  originHop: number | null;
  dkim: DkimStatus;
  dkimKeyFingerprint: string | null;
  conflicts: string[];
  /** False or misleading header information: a From contradicted by stronger evidence, or forged Received lines. */
  headerFalsity: boolean;
  candidates: Candidate[];
  hopRoles: HopRole[];
  notes: string[];
  /** The hand-off: first machine outside the party (docs/ATTRIBUTION.md section 2). */
  handoffIp: string | null;
  handoffHost: string | null;
  handoffProvider: string | null;
  handoffAt: string | null;
  originSource: OriginSource | null;
  /** Line number (topmost = 1) whose client is the origin; null when from a header. */
  originLine: number | null;
  originAt: string | null;
  beliefStoppedLine: number | null;
  walkSignals: string[];
  /** The full walk, line by line (recomputed for the item page; not stored). */
  walk: ChainWalk;
}

/** What is stored per item and crosses from the reader thread to the writer: no candidate lists. */
export type StoredAttribution = Pick<
  Attribution,
  | 'account'
  | 'provider'
  | 'domain'
  | 'accountRank'
  | 'accountEvidence'
  | 'originatingIp'
  | 'ipRank'
  | 'ipEvidence'
  | 'dkim'
  | 'conflicts'
  | 'headerFalsity'
  | 'handoffIp'
  | 'handoffHost'
  | 'handoffProvider'
  | 'handoffAt'
  | 'originSource'
  | 'originLine'
  | 'originAt'
  | 'beliefStoppedLine'
  | 'walkSignals'
>;

export function storedForm(a: Attribution): StoredAttribution {
  const {
    account,
    provider,
    domain,
    accountRank,
    accountEvidence,
    originatingIp,
    ipRank,
    ipEvidence,
    dkim,
    conflicts,
    headerFalsity,
    handoffIp,
    handoffHost,
    handoffProvider,
    handoffAt,
    originSource,
    originLine,
    originAt,
    beliefStoppedLine,
    walkSignals,
  } = a;
  return {
    account,
    provider,
    domain,
    accountRank,
    accountEvidence,
    originatingIp,
    ipRank,
    ipEvidence,
    dkim,
    conflicts,
    headerFalsity,
    handoffIp,
    handoffHost,
    handoffProvider,
    handoffAt,
    originSource,
    originLine,
    originAt,
    beliefStoppedLine,
    walkSignals,
  };
}

/** An item whose header could not be read: stored, counted, attributed to nobody. */
export const UNREADABLE: StoredAttribution = Object.freeze({
  account: null,
  provider: null,
  domain: null,
  accountRank: null,
  accountEvidence: 'header unreadable',
  originatingIp: null,
  ipRank: null,
  ipEvidence: 'header unreadable',
  dkim: 'none',
  conflicts: [],
  headerFalsity: false,
  handoffIp: null,
  handoffHost: null,
  handoffProvider: null,
  handoffAt: null,
  originSource: null,
  originLine: null,
  originAt: null,
  beliefStoppedLine: null,
  walkSignals: [],
}) as StoredAttribution;

export function attribute(facts: AttributionFacts, trust: TrustMatcher, dkim: VerifiedDkim | null = null): Attribution {
  const origin = findOrigin(facts.hops, facts.clientIpHeaders, trust);
  const walk = origin.walk;
  const account = resolveAccount(facts, origin.relayProvider, trust, dkim, walk.envelopeFrom);
  const conflicts = [...account.conflicts];
  for (const i of origin.forgedLines) {
    const hop = facts.hops[i]!;
    conflicts.push(
      `Received line ${i + 1} claims to be written by ${hop.by}, below the hop where the message entered (${origin.ip ?? 'unknown'}): forged`,
    );
  }
  const notes = [...origin.notes];
  if (facts.hopsNotRead > 0) notes.push(`${facts.hopsNotRead} Received lines beyond the limit were not read`);
  return {
    account: account.account,
    provider: account.provider,
    domain: account.domain,
    accountRank: account.rank,
    accountEvidence: account.evidence,
    originatingIp: origin.ip,
    ipEvidence: origin.evidence,
    ipRank: origin.rank,
    originHop: origin.originHop,
    dkim: dkim !== null ? dkim.result : facts.dkim.length === 0 ? 'none' : 'not-verified',
    dkimKeyFingerprint: dkim?.keyFingerprint ?? null,
    conflicts,
    headerFalsity: account.falseSender || origin.forgedLines.length > 0,
    candidates: account.candidates,
    hopRoles: origin.roles,
    notes,
    handoffIp: walk.handoff?.ip ?? null,
    handoffHost: walk.handoff?.host ?? null,
    handoffProvider: walk.handoff?.provider ?? null,
    handoffAt: walk.handoff?.at ?? null,
    originSource: walk.origin?.source ?? null,
    originLine: walk.origin?.line ?? null,
    originAt: walk.origin?.at ?? null,
    beliefStoppedLine: walk.beliefStoppedLine,
    walkSignals: walk.signals,
    walk,
  };
}
