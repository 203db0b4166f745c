/**
 * The counted violations damages are computed from: attribution's per plaintiff, per defendant and
 * per header-falsity counts (server/attribution/queries.ts violationCounts):
 *   deliveries  distinct (message, recipient) pairs claimed for the plaintiff
 *   messages    distinct messages among them
 *   accounts    distinct attributed sender accounts of those deliveries
 *   days        distinct UTC calendar days of those messages' Date headers
 * A delivery is attributed through its first item. Which plaintiff claims a delivery that several
 * harvested is the rule set's allocation (allocation.ts): by default its first harvester, so the
 * joint total claims each delivery once. Defendant null = accounts not (yet) grouped into a defendant.
 */
import type { Knex } from 'knex';
import { violationCounts } from '../attribution/queries.ts';
import { claimedDeliveries, type CaseParty } from './allocation.ts';
import type { UnitCounts, ViolationCountRow } from './compute.ts';
import { DEFAULT_ALLOCATION, type Allocation } from './rule-set.ts';

export async function gatherViolationCounts(
  db: Knex,
  caseId: number,
  allocation: Allocation = DEFAULT_ALLOCATION,
  ruleSetName = '',
): Promise<ViolationCountRow[]> {
  const parties = (await db('parties')
    .where({ case_id: caseId })
    .orderBy('id')
    .select('id', 'name', 'bates_prefix')) as {
    id: number;
    name: string;
    bates_prefix: string;
  }[];
  const caseParties: CaseParty[] = parties.map((p) => ({
    id: Number(p.id),
    name: p.name,
    batesPrefix: p.bates_prefix,
  }));
  const claimed = claimedDeliveries(db, caseId, allocation, caseParties, ruleSetName);
  return (await violationCounts(db, caseId, claimed, allocation.rule === 'shared')).filter((row) => row.deliveries > 0);
}

/**
 * The case's counts, each distinct over the whole case (not summed over claims): deliveries,
 * messages, attributed accounts and sending days; only `defendant`'s when given.
 */
export async function caseUnitCounts(db: Knex, caseId: number, defendant?: string): Promise<UnitCounts> {
  const q = db('deliveries as d')
    .join('messages as m', 'm.id', 'd.message_id')
    .leftJoin('item_attributions as ia', 'ia.item_id', 'd.first_item_id')
    .where('d.case_id', caseId);
  if (defendant !== undefined) {
    q.join('defendant_members as dm', function () {
      this.on('dm.case_id', 'd.case_id').andOn('dm.key', 'ia.account').andOnVal('dm.kind', 'account');
    })
      .join('defendants as df', 'df.id', 'dm.defendant_id')
      .whereRaw('lower(df.name) = ?', [defendant.trim().toLowerCase()]);
  }
  const row = (await q
    .count({ deliveries: '*' })
    .countDistinct({ messages: 'd.message_id' })
    .countDistinct({ accounts: 'ia.account' })
    .select(db.raw('count(distinct substr(m.date, 1, 10)) as days'))
    .first()) as Record<string, unknown> | undefined;
  return {
    deliveries: Number(row?.deliveries ?? 0),
    messages: Number(row?.messages ?? 0),
    accounts: Number(row?.accounts ?? 0),
    days: Number(row?.days ?? 0),
  };
}
