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

/**
 * Two scans of the party's samples: distinct (party, message, recipient) gives deliveries and
 * messages; distinct (party, message) joined to messages gives accounts and days. COUNT(DISTINCT)
 * skips NULLs, so a message without a From address or a Date adds no account or day.
 */
export async function gatherViolationCounts(db: Knex, caseId: number): Promise<ViolationCountRow[]> {
  const parties = (await db('parties').where({ case_id: caseId }).orderBy('id').select('id', 'name')) as Array<{ id: number; name: string }>;
  const ofCase = () => db('samples as s').join('acquisitions as a', 'a.id', 's.acquisition_id').where('s.case_id', caseId);
  const deliveries = (await db
    .from(ofCase().distinct('a.party_id', 's.message_id', 's.recipient').as('d'))
    .groupBy('d.party_id')
    .select('d.party_id', db.raw('count(*) as deliveries'), db.raw('count(distinct d.message_id) as messages'))) as Array<{ party_id: number; deliveries: number | string; messages: number | string }>;
  const senders = (await db
    .from(ofCase().distinct('a.party_id', 's.message_id').as('pm'))
    .join('messages as m', 'm.id', 'pm.message_id')
    .groupBy('pm.party_id')
    .select('pm.party_id', db.raw('count(distinct m.from_address) as accounts'), db.raw('count(distinct substr(m.date, 1, 10)) as days'))) as Array<{ party_id: number; accounts: number | string; days: number | string }>;
  const rows: ViolationCountRow[] = [];
  for (const p of parties) {
    const d = deliveries.find((r) => Number(r.party_id) === Number(p.id));
    if (!d || Number(d.deliveries) === 0) continue;
    const a = senders.find((r) => Number(r.party_id) === Number(p.id));
    rows.push({ party: p.name, defendant: null, headerFalsity: false, deliveries: Number(d.deliveries), messages: Number(d.messages), accounts: Number(a?.accounts ?? 0), days: Number(a?.days ?? 0) });
  }
  return rows;
}
