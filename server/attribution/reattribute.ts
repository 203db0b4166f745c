/**
 * `spamcase attribute --case X`: recompute every item's attribution from its stored raw bytes and
 * rebuild the volumes, after a party's trusted relays change (or for a case ingested before
 * attribution existed). One transaction: readers see the old attribution or the new, never half.
 * Recorded as a custody event with the trust each party had. Campaign sizes, which count accounts and
 * IPs, are recounted by the attribute use case (server/usecases/attribute.ts).
 */
import type { Knex } from 'knex';
import { storeDir, type Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { SpamcaseError } from '../errors.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { withBusyRetry } from '../db/errors.ts';
import { parseHeaders } from '../mail/headers/index.ts';
import { readBlob } from '../store/pack-store.ts';
import type { VerifiedDkim } from './account.ts';
import { attribute, storedForm, UNREADABLE } from './attribute.ts';
import { extractFacts } from './facts.ts';
import { loadPartyTrust, matcherFor } from './party-trust.ts';
import { addVolumes, ITEM_ATTRIBUTION_COLUMNS, itemAttributionRow, keysOf, type ItemKeys } from './record.ts';
import { NO_TRUST, type PartyTrust } from './trust.ts';
import { bulkInsert } from '../db/bulk-insert.ts';
import { itemDkim } from './dkim/case-dkim.ts';
import { providers } from './providers.ts';

/** Items recomputed per step (bounded memory: their bytes are read one at a time). */
const STEP_ITEMS = 1000;

/** Optional DKIM results per item id, from the DKIM verifier, when it is plugged in. */
export type DkimLookup = (itemId: number, raw: Buffer) => VerifiedDkim | null;

/** How far a re-attribution is: items recomputed so far, of the case's items. */
export interface AttributeProgress {
  items: number;
  total: number;
}

export interface AttributeOptions {
  dkim?: DkimLookup;
  /** Called after each step of STEP_ITEMS items (inside the transaction: nothing is visible yet). */
  onProgress?: (p: AttributeProgress) => void;
  /** Checked before each step; once aborted the transaction is rolled back: the old attribution stays whole. */
  signal?: AbortSignal;
}

export interface AttributeSummary {
  case: string;
  items: number;
  accounts: number;
  originatingIps: number;
}

/**
 * The DKIM results `spamcase dkim` recorded for the case (server/attribution/dkim/), as the
 * resolver takes them: a verified d=/i= is the strongest evidence of the sender account.
 */
export async function recordedDkim(db: Knex, caseId: number): Promise<DkimLookup> {
  const ids = (
    (await db('dkim_results').where({ case_id: caseId }).distinct('item_id')) as Array<{ item_id: number | string }>
  ).map((r) => Number(r.item_id));
  const results = await itemDkim(db, caseId, ids);
  return (itemId) => {
    const d = results.get(itemId);
    if (!d || d.domain === null || (d.result !== 'pass' && d.result !== 'fail' && d.result !== 'no-key')) return null;
    return { result: d.result, domain: d.domain, identity: d.identity, keyFingerprint: d.keyFingerprint };
  };
}

/**
 * Re-attribute every item from its stored bytes; DKIM results recorded for the case are used unless `dkim` is given.
 */
export async function attributeCase(
  ctx: Context,
  slug: string,
  options: AttributeOptions = {},
): Promise<AttributeSummary> {
  const c = await getCase(ctx.db.knex, slug);
  // A mistyped templates/providers/ file is refused here, with its file and line, not per item.
  providers();
  const dir = storeDir(ctx, slug);
  const dkim = options.dkim ?? (await recordedDkim(ctx.db.knex, c.id));
  const summary = await withBusyRetry(() =>
    ctx.db.knex.transaction(async (trx) => {
      for (const table of [
        'item_attributions',
        'accounts',
        'originating_ips',
        'volume_recipients',
        'volume_days',
        'volume_parties',
      ])
        await trx(table).where({ case_id: c.id }).del();
      const trust = new Map<number, PartyTrust>();
      for (const p of c.parties) trust.set(p.id, await loadPartyTrust(trx, p.id));
      let items = 0;
      let after = 0;
      const total = await countOf(trx, 'items', c.id);
      options.onProgress?.({ items, total });
      for (;;) {
        if (options.signal?.aborted)
          throw new SpamcaseError('INTERRUPTED', 're-attribution stopped before its end; nothing was changed');
        const rows = (await trx('items')
          .where({ case_id: c.id })
          .where('id', '>', after)
          .orderBy('id')
          .limit(STEP_ITEMS)
          .select('id', 'party_id', 'pack', 'pack_offset', 'size', 'date')) as Array<
          Record<string, string | number | null>
        >;
        if (rows.length === 0) break;
        after = Number(rows[rows.length - 1]!.id);
        const ids = rows.map((r) => Number(r.id));
        const keys = new Map<number, ItemKeys>();
        const attributionRows: unknown[][] = [];
        for (const r of rows) {
          const raw = readBlob(dir, { pack: String(r.pack), offset: Number(r.pack_offset), size: Number(r.size) });
          let a = UNREADABLE;
          try {
            const h = parseHeaders(raw);
            // As at ingest (analyze.ts): without readable headers the item is attributed to nobody.
            if (h.fields.length > 0)
              a = storedForm(
                attribute(
                  extractFacts(h),
                  matcherFor(trust.get(Number(r.party_id)) ?? NO_TRUST),
                  dkim(Number(r.id), raw),
                ),
              );
          } catch {
            a = UNREADABLE;
          }
          attributionRows.push(itemAttributionRow(c.id, Number(r.id), a));
          keys.set(Number(r.id), keysOf(a, (r.date as string | null) ?? null));
        }
        await bulkInsert(trx, 'item_attributions', ITEM_ATTRIBUTION_COLUMNS, attributionRows);
        const messages = (await trx('messages')
          .where({ case_id: c.id })
          .whereIn('first_item_id', ids)
          .pluck('first_item_id')) as Array<number | string>;
        const deliveries = (await trx('deliveries')
          .where({ case_id: c.id })
          .whereIn('first_item_id', ids)
          .select('first_item_id', 'recipient')) as Array<{ first_item_id: number | string; recipient: string }>;
        const samples = (await trx('samples as s')
          .join('acquisitions as a', 'a.id', 's.acquisition_id')
          .whereIn('s.item_id', ids)
          .select('s.item_id', 'a.party_id')) as Array<{ item_id: number | string; party_id: number | string }>;
        await addVolumes(trx, c.id, {
          keys,
          newItems: ids,
          newMessages: messages.map(Number),
          newDeliveries: deliveries.map((d) => ({ itemId: Number(d.first_item_id), recipient: d.recipient })),
          samples: samples.map((s) => ({ itemId: Number(s.item_id), partyId: Number(s.party_id) })),
        });
        items += rows.length;
        options.onProgress?.({ items, total });
      }
      const summary: AttributeSummary = {
        case: slug,
        items,
        accounts: await countOf(trx, 'accounts', c.id),
        originatingIps: await countOf(trx, 'originating_ips', c.id),
      };
      await appendCustodyEvent(trx, {
        caseId: c.id,
        caseSlug: slug,
        at: ctx.clock(),
        actor: ctx.actor,
        action: 'attributed',
        details: { ...summary, trust: c.parties.map((p) => ({ party: p.name, ...trust.get(p.id)! })) },
      });
      return summary;
    }),
  );
  return summary;
}

async function countOf(trx: Knex.Transaction, table: string, caseId: number): Promise<number> {
  return Number(((await trx(table).where({ case_id: caseId }).count({ n: '*' }).first()) as { n: number | string }).n);
}

export { setPartyTrust } from './party-trust.ts';
