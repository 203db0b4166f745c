/**
 * The counted violations damages are computed from, built from the evidence index.
 *
 * INTEGRATION POINT: once attribution (issue 3) is merged, this function's body becomes
 * `return violationCounts(db, caseId)` from server/attribution/: that gives per-defendant rows and
 * the header-falsity category. Until then every row has defendant null and headerFalsity false,
 * and the counts come from what ingestion records:
 *   deliveries  distinct (message, recipient) pairs the party harvested
 *   messages    distinct messages among them
 *   accounts    distinct header-From addresses of those messages (lower-cased at ingest)
 *   days        distinct UTC calendar days of those messages' Date headers (a message without a
 *               readable Date adds no day)
 * Per party, as in the report: a delivery harvested by two parties counts under both.
 */
import type { Knex } from 'knex';
import type { ViolationCountRow } from './compute.ts';

type Measure = 'deliveries' | 'messages' | 'accounts' | 'days';

export async function gatherViolationCounts(db: Knex, caseId: number): Promise<ViolationCountRow[]> {
  const parties = (await db('parties').where({ case_id: caseId }).orderBy('id').select('id', 'name')) as Array<{ id: number; name: string }>;
  const base = () => db('samples as s').join('acquisitions as a', 'a.id', 's.acquisition_id').where('s.case_id', caseId);
  const withMessage = () => base().join('messages as m', 'm.id', 's.message_id');
  const distinctPerParty: Record<Measure, () => Knex.QueryBuilder> = {
    deliveries: () => base().distinct('a.party_id', 's.message_id', 's.recipient'),
    messages: () => base().distinct('a.party_id', 's.message_id'),
    accounts: () => withMessage().whereNotNull('m.from_address').distinct('a.party_id', 'm.from_address'),
    days: () => withMessage().whereNotNull('m.date').distinct('a.party_id', db.raw('substr(m.date, 1, 10) as day')),
  };
  const counts = new Map<number, Record<Measure, number>>(parties.map((p) => [Number(p.id), { deliveries: 0, messages: 0, accounts: 0, days: 0 }]));
  for (const measure of Object.keys(distinctPerParty) as Measure[]) {
    const rows = (await db.from(distinctPerParty[measure]().as('d')).groupBy('d.party_id').select('d.party_id').count({ n: '*' })) as Array<{ party_id: number; n: number | string }>;
    for (const r of rows) {
      const entry = counts.get(Number(r.party_id));
      if (entry) entry[measure] = Number(r.n);
    }
  }
  return parties
    .map((p) => ({ party: p.name, defendant: null, headerFalsity: false, ...counts.get(Number(p.id))! }))
    .filter((r) => r.deliveries > 0);
}
