/**
 * One item's attribution from its header facts and its party's trust: the originating IP (origin.ts)
 * first, since which provider handed the message over decides which sender headers are the
 * provider's own; then the account (account.ts). Pure and cheap: runs in the ingest writer per new
 * item, and again for every item when `spamcase attribute` recomputes after a trust change.
 */
import { resolveAccount, type Candidate, type DkimStatus, type EvidenceRank, type VerifiedDkim } from './account.ts';
import type { AttributionFacts } from './facts.ts';
import { findOrigin, type HopRole } from './origin.ts';
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
}

export function attribute(facts: AttributionFacts, trust: TrustMatcher, dkim: VerifiedDkim | null = null): Attribution {
  const origin = findOrigin(facts.hops, facts.xOriginatingIp, trust);
  const account = resolveAccount(facts, origin.relayProvider, trust, dkim);
  const conflicts = [...account.conflicts];
  for (const i of origin.forgedLines) {
    const hop = facts.hops[i]!;
    conflicts.push(`Received line ${i + 1} claims to be written by ${hop.by}, below the hop where the message entered (${origin.ip ?? 'unknown'}): forged`);
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
  };
}
