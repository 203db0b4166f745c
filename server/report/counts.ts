/**
 * The counts a court sees, straight from the index. Words as in docs/GLOSSARY.md:
 * samples (as harvested), items (unique bytes), exact duplicates (samples - items), messages,
 * deliveries (message x recipient). Per party, a sample counts for the party whose acquisition
 * harvested it; items and deliveries are counted distinct within the party, so the same delivery
 * harvested by two parties appears under both (the case total counts it once).
 */
import type { Knex } from 'knex';
import { getCase } from '../cases/cases.ts';
import { caseDamages, getRuleSetChoice } from '../damages/case-damages.ts';
import { damagesJson, type DamagesJson } from '../damages/exhibit.ts';
import { describeError } from '../errors.ts';
import { campaignCounts } from '../campaigns/counts.ts';
import { partyOverlap, type PartyOverlap } from './overlap.ts';

export interface PartyCounts {
  name: string;
  batesPrefix: string;
  samples: number;
  items: number;
  deliveries: number;
}

export interface CaseReport {
  case: string;
  title: string;
  acquisitions: number;
  samples: number;
  items: number;
  exactDuplicates: number;
  messages: number;
  deliveries: number;
  deliveriesWithUnknownRecipient: number;
  /** Attributed sender accounts (docs/ATTRIBUTION.md). */
  accounts: number;
  originatingIps: number;
  defendants: number;
  /** Items without an attribution (ingested before attribution existed): `spamcase attribute` fixes it. */
  itemsNotAttributed: number;
  /** Campaigns (near-identical content; a message unlike any other is a campaign of one). */
  campaigns: number;
  /** Of those, campaigns of two or more messages. */
  campaignsOfTwoOrMore: number;
  /** Messages not yet in a campaign (ingested before fingerprinting: spamcase campaigns update). */
  messagesWithoutCampaign: number;
  rejected: number;
  parseErrors: number;
  wrappers: number;
  parties: PartyCounts[];
  /** Who harvested what: each party's own and exclusive deliveries, and the party x party table. */
  overlap: PartyOverlap;
  firstDate: string | null;
  lastDate: string | null;
  /** Present when a damages rule set is chosen for the case; `error` when that rule set no longer loads. */
  damages?: (DamagesJson & { chosenAt: string; chosenBy: string }) | { rules: string; error: string };
}

async function count(q: Knex.QueryBuilder): Promise<number> {
  const row = (await q.count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export async function caseReport(knex: Knex, slug: string): Promise<CaseReport> {
  const c = await getCase(knex, slug);
  const byCase = (table: string) => knex(table).where({ case_id: c.id });
  const samples = await count(byCase('samples'));
  const items = await count(byCase('items'));
  // Two queries, each answered from one end of the (case_id, date) index: min and max together
  // in one statement would scan the case.
  const first = ((await byCase('messages').min({ v: 'date' }).first()) as { v: string | null } | undefined)?.v ?? null;
  const last = ((await byCase('messages').max({ v: 'date' }).first()) as { v: string | null } | undefined)?.v ?? null;

  const parties: PartyCounts[] = [];
  for (const p of c.parties) {
    const ofParty = () =>
      knex('samples as s')
        .join('acquisitions as a', 'a.id', 's.acquisition_id')
        .where({ 's.case_id': c.id, 'a.party_id': p.id });
    parties.push({
      name: p.name,
      batesPrefix: p.batesPrefix,
      samples: await count(ofParty()),
      items: await count(knex.from(ofParty().distinct('s.item_id').as('d'))),
      deliveries: await count(knex.from(ofParty().distinct('s.message_id', 's.recipient').as('d'))),
    });
  }

  const report: CaseReport = {
    case: c.slug,
    title: c.title,
    acquisitions: await count(byCase('acquisitions')),
    samples,
    items,
    exactDuplicates: samples - items,
    messages: await count(byCase('messages')),
    deliveries: await count(byCase('deliveries')),
    deliveriesWithUnknownRecipient: await count(byCase('deliveries').where({ recipient_source: 'unknown' })),
    accounts: await count(byCase('accounts')),
    originatingIps: await count(byCase('originating_ips')),
    defendants: await count(byCase('defendants')),
    itemsNotAttributed: items - (await count(byCase('item_attributions'))),
    ...(await campaignCounts(knex, c.id)),
    rejected: await count(byCase('rejections')),
    parseErrors: await count(byCase('items').whereNotNull('parse_error')),
    wrappers: await count(byCase('wrappers')),
    parties,
    overlap: await partyOverlap(knex, c.id),
    firstDate: first,
    lastDate: last,
  };
  const choice = await getRuleSetChoice(knex, c.id);
  if (choice) {
    try {
      report.damages = {
        ...damagesJson((await caseDamages(knex, c.slug)).result),
        chosenAt: choice.chosenAt,
        chosenBy: choice.chosenBy,
      };
    } catch (err) {
      report.damages = { rules: choice.rules, error: describeError(err) };
    }
  }
  return report;
}
