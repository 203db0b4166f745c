/**
 * The bundle's per-item attribution evidence and its wrappers (docs/BUNDLE.md):
 *
 *   attribution.jsonl  one JSON line per item in Bates order: the stored attribution the counts use
 *                      (account, rank, originating IP, header falsity) and, recomputed from the item's
 *                      bytes with its party's trust, every account candidate with its rank and why, the
 *                      conflicts, and the Received walk line by line (role, believed, written by, why)
 *   wrappers.csv       every wrapper unwrapped at ingest (ARF report, forward, bounce): its acquisition,
 *                      locator, kind, SHA-256, size and file under data/wrappers/
 *   data/wrappers/     each wrapper byte for byte (<sha256>.eml), verified against its SHA-256
 *
 * The recomputation is the one `spamcase message` shows (server/attribution/evidence.ts), without a
 * DKIM key snapshot: a DKIM result verified with `spamcase dkim` is in the stored columns.
 */
import type { Knex } from 'knex';
import { attribute } from '../attribution/attribute.ts';
import { extractFacts } from '../attribution/facts.ts';
import { loadPartyTrust, matcherFor } from '../attribution/party-trust.ts';
import type { TrustMatcher } from '../attribution/trust.ts';
import { canonicalJson } from '../custody/chain.ts';
import { parseHeaders } from '../mail/headers/index.ts';
import { PackReader, readVerifiedBlob } from '../store/pack-store.ts';
import { inScope, type ExportScope } from './scope.ts';
import type { BundleTable } from './tables.ts';

/** Items per page read for attribution.jsonl. */
const PAGE = 500;

const bool = (v: unknown): boolean => v === true || Number(v) === 1;

export function evidenceTables(storeDir: string): BundleTable[] {
  return [
    {
      name: 'attribution.jsonl',
      header: [],
      jsonl: true,
      async rows(db: Knex, scope: ExportScope, emit) {
        const trust = new Map<number, TrustMatcher>();
        const reader = new PackReader(storeDir);
        try {
          let after = 0;
          for (;;) {
            const rows = (await inScope(
              db('items as i')
                .leftJoin('item_attributions as ia', 'ia.item_id', 'i.id')
                .where('i.case_id', scope.caseId)
                .where('i.id', '>', after)
                .orderBy('i.id')
                .limit(PAGE),
              'i.first_acquisition_id',
              scope,
            ).select(
              'i.id',
              'i.bates',
              'i.sha256',
              'i.party_id',
              'i.pack',
              'i.pack_offset',
              'i.size',
              'ia.account',
              'ia.account_rank',
              'ia.account_evidence',
              'ia.originating_ip',
              'ia.ip_evidence',
              'ia.dkim',
              'ia.header_falsity',
              'ia.handoff_ip',
              'ia.origin_source',
              'ia.origin_line',
            )) as Array<Record<string, unknown>>;
            if (rows.length === 0) break;
            for (const r of rows) {
              const partyId = Number(r.party_id);
              let matcher = trust.get(partyId);
              if (!matcher) trust.set(partyId, (matcher = matcherFor(await loadPartyTrust(db, partyId))));
              const raw = reader.read({ pack: String(r.pack), offset: Number(r.pack_offset), size: Number(r.size) });
              let recomputed: Record<string, unknown> | null = null;
              try {
                const headers = parseHeaders(raw);
                if (headers.fields.length > 0) {
                  const a = attribute(extractFacts(headers), matcher);
                  recomputed = {
                    account: a.account,
                    accountRank: a.accountRank,
                    candidates: a.candidates.map((c) => ({
                      rank: c.rank,
                      source: c.source,
                      address: c.address,
                      why: c.why,
                    })),
                    conflicts: a.conflicts,
                    originatingIp: a.originatingIp,
                    ipEvidence: a.ipEvidence,
                    handoffIp: a.handoffIp,
                    originLine: a.originLine,
                    received: a.walk.hops.map((h) => ({
                      line: h.line,
                      raw: headers.received[h.line - 1] ?? '',
                      role: h.role,
                      believed: h.believed,
                      writtenBy: h.writtenBy,
                      why: h.why,
                    })),
                    signals: a.walkSignals,
                    notes: a.notes,
                  };
                }
              } catch (e) {
                recomputed = { error: e instanceof Error ? e.message : String(e) };
              }
              emit([
                canonicalJson({
                  bates: r.bates,
                  sha256: r.sha256,
                  stored:
                    r.account === undefined && r.account_rank === undefined && r.dkim === null
                      ? null
                      : {
                          account: r.account ?? null,
                          accountRank: r.account_rank ?? null,
                          accountEvidence: r.account_evidence ?? null,
                          originatingIp: r.originating_ip ?? null,
                          ipEvidence: r.ip_evidence ?? null,
                          dkim: r.dkim ?? null,
                          headerFalsity: r.header_falsity === null ? null : bool(r.header_falsity),
                          handoffIp: r.handoff_ip ?? null,
                          originSource: r.origin_source ?? null,
                          originLine: r.origin_line === null ? null : Number(r.origin_line),
                        },
                  recomputed,
                }),
              ]);
            }
            after = Number(rows[rows.length - 1]!.id);
          }
        } finally {
          reader.close();
        }
      },
    },
  ];
}

/** The case's wrappers in scope, in id order. */
export async function wrapperRows(
  db: Knex,
  scope: ExportScope,
): Promise<
  Array<{
    acquisition: number;
    locator: string;
    kind: string;
    sha256: string;
    size: number;
    pack: string;
    offset: number;
  }>
> {
  const rows = (await inScope(
    db('wrappers as w').where('w.case_id', scope.caseId).orderBy('w.id'),
    'w.acquisition_id',
    scope,
  ).select('w.acquisition_id', 'w.locator', 'w.kind', 'w.sha256', 'w.size', 'w.pack', 'w.pack_offset')) as Array<
    Record<string, unknown>
  >;
  return rows.map((r) => ({
    acquisition: Number(r.acquisition_id),
    locator: String(r.locator),
    kind: String(r.kind),
    sha256: String(r.sha256),
    size: Number(r.size),
    pack: String(r.pack),
    offset: Number(r.pack_offset),
  }));
}

/** A wrapper's bytes, re-hashed against its SHA-256 (a damaged store fails the export). */
export function wrapperBytes(
  storeDir: string,
  w: { pack: string; offset: number; size: number; sha256: string; locator: string },
): Buffer {
  return readVerifiedBlob(storeDir, { pack: w.pack, offset: w.offset, size: w.size }, w.sha256, `wrapper ${w.locator}`);
}
