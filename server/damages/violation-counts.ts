/**
 * The counted violations damages are computed from: attribution's per plaintiff, per defendant and
 * per header-falsity counts (server/attribution/queries.ts violationCounts):
 *   deliveries  distinct (message, recipient) pairs the party harvested
 *   messages    distinct messages among them
 *   accounts    distinct attributed sender accounts of those deliveries
 *   days        distinct UTC calendar days of those messages' Date headers
 * A delivery is attributed through its first item; a delivery harvested by two parties counts
 * under both, as in the report. Defendant null = accounts not (yet) grouped into a defendant.
 */
import type { Knex } from 'knex';
import { violationCounts } from '../attribution/queries.ts';
import type { ViolationCountRow } from './compute.ts';

export async function gatherViolationCounts(db: Knex, caseId: number): Promise<ViolationCountRow[]> {
  return (await violationCounts(db, caseId)).filter((row) => row.deliveries > 0);
}
