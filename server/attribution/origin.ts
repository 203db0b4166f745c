/**
 * The originating IP of one message, as attribution uses it: the chain walk (walk.ts,
 * docs/ATTRIBUTION.md section 2) gives the hand-off and the origin; this adapts it to what the
 * account resolver and the stored attribution need (the relay's provider, forged line indexes).
 */
import type { ReceivedHop } from '../mail/trace/received.ts';
import type { TrustMatcher } from './trust.ts';
import { walkChain, type ChainWalk, type ClientIpValue, type HopRole } from './walk.ts';

export type { HopRole } from './walk.ts';

export interface OriginResult {
  ip: string | null;
  evidence: string;
  /** 1 the provider's own record, 2 the first untrusted Received hop, 3 an unconfirmed header; null without origin. */
  rank: 1 | 2 | 3 | null;
  /** Index (topmost = 0) of the line whose client is the origin (for a header: the hand-off line), or null. */
  originHop: number | null;
  roles: HopRole[];
  /** Provider whose record (line or header) the origin is, or null. */
  provider: string | null;
  /** The provider that took the message from its sender (whose record the origin is), else the hand-off's, if any. */
  relayProvider: string | null;
  /** Indexes (topmost = 0) of forged Received lines. */
  forgedLines: number[];
  notes: string[];
  walk: ChainWalk;
}

export function findOrigin(
  hops: readonly ReceivedHop[],
  clientIpHeaders: ReadonlyArray<string | ClientIpValue>,
  trust: TrustMatcher,
): OriginResult {
  const walk = walkChain(
    hops,
    clientIpHeaders.map((v) => (typeof v === 'string' ? { name: 'X-Originating-IP', value: v } : v)),
    trust,
  );
  const o = walk.origin;
  const line = o?.line ?? walk.handoff?.line ?? null;
  return {
    ip: o?.ip ?? null,
    rank: o?.rank ?? null,
    evidence:
      o?.evidence ??
      (hops.length === 0
        ? 'no Received header and no usable X-Originating-IP'
        : 'no untrusted public Received hop and no usable X-Originating-IP'),
    originHop: line === null ? null : line - 1,
    roles: walk.hops.map((h) => h.role),
    provider: o?.provider ?? null,
    relayProvider: o?.provider ?? walk.handoff?.provider ?? null,
    forgedLines: walk.forgedLines.map((l) => l - 1),
    notes: walk.notes,
    walk,
  };
}
