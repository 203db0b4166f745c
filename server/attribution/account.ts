/**
 * Sender account resolution with ranked evidence. Every candidate is recorded with its rank and
 * whether it was usable; the best usable one attributes the message; disagreements are conflicts.
 *
 *   1 provider      X-Originating-Email, X-Sender or Sender whose provider is the one that handed
 *                   the message to the party (the first untrusted hop's recorded reverse name)
 *   1 dkim          a verified DKIM i= (a mailbox), or the From address when a verified d= covers
 *                   its domain; also dkim=pass from a trusted Authentication-Results
 *   2 return-path   the envelope sender, unless null or bounce-style (VERP, SRS, BATV)
 *   3 from          the header From
 * Provider headers whose provider did not relay the message are "claimed": recorded, not used.
 */
import { normalizeAccount, providerOfDomain } from './address.ts';
import type { AttributionFacts } from './facts.ts';
import type { TrustMatcher } from './trust.ts';
import { isBounceAddress } from './verp.ts';

export type DkimStatus = 'pass' | 'fail' | 'no-key' | 'none' | 'not-verified';

/** A verified DKIM result, from the DKIM verifier (server/attribution/dkim/), for one item. */
export interface VerifiedDkim {
  result: 'pass' | 'fail' | 'no-key';
  /** Signing domain (d=) of the signature the result is about. */
  domain: string;
  /** Agent or user identifier (i=), when present. */
  identity: string | null;
  /** SHA-256 fingerprint of the public key used. */
  keyFingerprint: string | null;
}

export type EvidenceRank = 'provider' | 'dkim' | 'return-path' | 'from';
const RANK_ORDER: Record<EvidenceRank, number> = { provider: 1, dkim: 1, 'return-path': 2, from: 3 };

export interface Candidate {
  source: string;
  address: string;
  rank: EvidenceRank | 'claimed' | 'refused';
  why: string;
}

export interface AccountResult {
  account: string | null;
  provider: string | null;
  domain: string | null;
  rank: EvidenceRank | null;
  evidence: string;
  candidates: Candidate[];
  conflicts: string[];
  /** The From (or Return-Path) disagrees with stronger evidence: false or misleading sender header. */
  falseSender: boolean;
}

function domainCovers(signingDomain: string, domain: string): boolean {
  return domain === signingDomain || domain.endsWith(`.${signingDomain}`);
}

export function resolveAccount(
  facts: AttributionFacts,
  relayProvider: string | null,
  trust: TrustMatcher,
  dkim: VerifiedDkim | null,
  /** `(envelope-from <x>)` a believed Received line recorded: the envelope sender when there is no Return-Path. */
  envelopeFrom: string | null = null,
): AccountResult {
  const candidates: Candidate[] = [];
  const providerHeader = (source: string, address: string | null) => {
    if (!address) return;
    const provider = providerOfDomain(address.slice(address.lastIndexOf('@') + 1));
    if (provider !== null && provider === relayProvider)
      candidates.push({
        source,
        address,
        rank: 'provider',
        why: `set by ${provider}, whose server handed the message to the party`,
      });
    else
      candidates.push({
        source,
        address,
        rank: 'claimed',
        why: relayProvider
          ? `the message came from ${relayProvider}, not from this address's provider`
          : 'no provider server in the trusted part of the chain: the sender could write it',
      });
  };
  providerHeader('X-Originating-Email', facts.xOriginatingEmail);
  providerHeader('X-Sender', facts.xSender);
  providerHeader('Sender', facts.sender);

  if (dkim !== null && dkim.result === 'pass') {
    const id = dkim.identity ? normalizeAccount(dkim.identity) : null;
    if (id && id.address.indexOf('@') > 0 && !id.address.startsWith('@'))
      candidates.push({
        source: 'DKIM i=',
        address: id.address,
        rank: 'dkim',
        why: `verified DKIM signature, d=${dkim.domain}`,
      });
    else if (facts.from && domainCovers(dkim.domain, facts.from.slice(facts.from.lastIndexOf('@') + 1)))
      candidates.push({
        source: 'DKIM d= over From',
        address: facts.from,
        rank: 'dkim',
        why: `verified DKIM signature by ${dkim.domain} covers the From domain`,
      });
  }
  for (const ar of facts.authResults) {
    if (!trust.isTrustedAuthserv(ar.authservId)) continue;
    for (const r of ar.results) {
      if (r.method !== 'dkim' || r.result !== 'pass') continue;
      const i = r.props['header.i'] ? normalizeAccount(r.props['header.i']) : null;
      const d = r.props['header.d']?.toLowerCase();
      if (i && !i.address.startsWith('@'))
        candidates.push({
          source: `Authentication-Results (${ar.authservId}) dkim=pass header.i`,
          address: i.address,
          rank: 'dkim',
          why: 'DKIM pass recorded by a trusted authserv-id',
        });
      else if (d && facts.from && domainCovers(d, facts.from.slice(facts.from.lastIndexOf('@') + 1)))
        candidates.push({
          source: `Authentication-Results (${ar.authservId}) dkim=pass header.d`,
          address: facts.from,
          rank: 'dkim',
          why: `DKIM pass for ${d} recorded by a trusted authserv-id`,
        });
    }
  }

  let returnPath = facts.returnPath;
  let returnPathSource = 'Return-Path';
  if (returnPath === null && envelopeFrom !== null) {
    returnPath = envelopeFrom === '' ? '' : (normalizeAccount(envelopeFrom)?.address ?? null);
    returnPathSource = 'Received (envelope-from)';
  }
  if (facts.returnPathBelow && facts.returnPathBelow !== returnPath)
    candidates.push({
      source: 'Return-Path below a Received line',
      address: facts.returnPathBelow,
      rank: 'claimed',
      why: "only the final delivery writes a Return-Path, at the top (RFC 5321 4.4): this one is the sender's text",
    });
  if (returnPath !== null) {
    if (returnPath === '')
      candidates.push({ source: returnPathSource, address: '<>', rank: 'refused', why: 'null sender (a bounce)' });
    else if (isBounceAddress(returnPath))
      candidates.push({
        source: returnPathSource,
        address: returnPath,
        rank: 'refused',
        why: 'bounce-handling address (VERP/SRS/BATV style)',
      });
    else
      candidates.push({
        source: returnPathSource,
        address: returnPath,
        rank: 'return-path',
        why: 'envelope sender',
      });
  }
  if (facts.from) candidates.push({ source: 'From', address: facts.from, rank: 'from', why: 'header From' });

  let best: Candidate | null = null;
  for (const c of candidates) {
    if (c.rank === 'claimed' || c.rank === 'refused') continue;
    if (best === null || RANK_ORDER[c.rank] < RANK_ORDER[best.rank as EvidenceRank]) best = c;
  }
  const conflicts: string[] = [];
  let falseSender = false;
  if (best !== null) {
    const strong = candidates.filter((c) => c.rank === 'provider' || c.rank === 'dkim');
    if (new Set(strong.map((c) => c.address)).size > 1)
      conflicts.push(
        `authenticated headers disagree: ${[...new Set(strong.map((c) => `${c.source} ${c.address}`))].join(', ')}`,
      );
    for (const c of candidates) {
      if (
        (c.rank === 'return-path' || c.rank === 'from') &&
        c.address !== best.address &&
        RANK_ORDER[c.rank] > RANK_ORDER[best.rank as EvidenceRank]
      ) {
        conflicts.push(`${c.source} says ${c.address}, ${best.source} says ${best.address}`);
        falseSender = true;
      }
    }
  }
  for (const c of candidates)
    if (c.rank === 'claimed' && best !== null && c.address !== best.address)
      conflicts.push(`${c.source} claims ${c.address} (${c.why})`);

  if (best === null)
    return {
      account: null,
      provider: null,
      domain: null,
      rank: null,
      evidence: 'no usable sender address',
      candidates,
      conflicts,
      falseSender,
    };
  const acc = normalizeAccount(best.address)!;
  return {
    account: acc.address,
    provider: acc.provider,
    domain: acc.domain,
    rank: best.rank as EvidenceRank,
    evidence: `${best.rank}: ${best.source}`,
    candidates,
    conflicts,
    falseSender,
  };
}
