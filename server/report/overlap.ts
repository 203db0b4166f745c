/**
 * Party overlap: for every delivery (message, recipient), every party that harvested it (a party
 * harvested a delivery when one of its acquisitions holds a sample of that message and recipient).
 * The case counts each delivery once; each party has its own count (deliveries it harvested) and
 * its exclusive count (deliveries no other party harvested); the overlap table gives, for every
 * pair of parties, the deliveries both harvested (its diagonal is each party's own count).
 *
 * Identities an outside reader can check from deliveries.csv (one row per delivery, with the
 * harvesting parties): own = rows naming the party; exclusive = rows naming only it;
 * held by several = rows naming two or more; case = rows;
 * case = sum of exclusive + held by several.
 */
import type { Knex } from 'knex';

export interface PartyOverlapRow {
  name: string;
  batesPrefix: string;
  /** Deliveries this party harvested (whoever else did too). */
  deliveries: number;
  /** Deliveries only this party harvested. */
  exclusive: number;
}

export interface PartyOverlap {
  /** Deliveries in the case, each counted once. */
  caseDeliveries: number;
  /** Deliveries harvested by two parties or more. */
  heldBySeveral: number;
  /** In the order of the case's parties (by id). */
  parties: PartyOverlapRow[];
  /** both[i][j]: deliveries harvested by party i and by party j (both[i][i] = parties[i].deliveries). */
  both: number[][];
}

/** Narrows the samples looked at (the bundle: the acquisitions of its scope), given the sample acquisition column. */
export type SampleFilter = (q: Knex.QueryBuilder, acquisitionColumn: string) => Knex.QueryBuilder;

/** Distinct (party, message, recipient) of the case: who harvested each delivery. */
export function harvestingParties(db: Knex, caseId: number, filter?: SampleFilter): Knex.QueryBuilder {
  const q = db('samples as s')
    .join('acquisitions as a', 'a.id', 's.acquisition_id')
    .where('s.case_id', caseId)
    .distinct('a.party_id as party_id', 's.message_id as message_id', 's.recipient as recipient');
  return filter ? filter(q, 's.acquisition_id') : q;
}

export async function partyOverlap(db: Knex, caseId: number, filter?: SampleFilter): Promise<PartyOverlap> {
  const parties = (await db('parties')
    .where({ case_id: caseId })
    .orderBy('id')
    .select('id', 'name', 'bates_prefix')) as {
    id: number;
    name: string;
    bates_prefix: string;
  }[];
  const index = new Map(parties.map((p, i) => [Number(p.id), i]));
  const both = parties.map(() => parties.map(() => 0));
  const pairs = (await db
    .from(harvestingParties(db, caseId, filter).as('h1'))
    .join(harvestingParties(db, caseId, filter).as('h2'), function () {
      this.on('h1.message_id', 'h2.message_id').andOn('h1.recipient', 'h2.recipient');
    })
    .groupBy('h1.party_id', 'h2.party_id')
    .select('h1.party_id as p1', 'h2.party_id as p2')
    .count({ n: '*' })) as { p1: number; p2: number; n: number | string }[];
  for (const row of pairs) {
    const i = index.get(Number(row.p1));
    const j = index.get(Number(row.p2));
    if (i !== undefined && j !== undefined) both[i]![j] = Number(row.n);
  }
  const perDelivery = db
    .from(harvestingParties(db, caseId, filter).as('h'))
    .groupBy('h.message_id', 'h.recipient')
    .select(db.raw('min(h.party_id) as party_id'))
    .count({ holders: '*' })
    .as('x');
  const byHolders = (await db
    .from(perDelivery)
    .groupBy(db.raw('case when x.holders = 1 then x.party_id else 0 end'))
    .select(db.raw('case when x.holders = 1 then x.party_id else 0 end as party_id'))
    .count({ n: '*' })) as { party_id: number | string; n: number | string }[];
  const exclusive = new Map(byHolders.map((r) => [Number(r.party_id), Number(r.n)]));
  const caseRow = (await db('deliveries').where({ case_id: caseId }).count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  return {
    caseDeliveries: Number(caseRow?.n ?? 0),
    heldBySeveral: exclusive.get(0) ?? 0,
    parties: parties.map((p, i) => ({
      name: p.name,
      batesPrefix: p.bates_prefix,
      deliveries: both[i]![i]!,
      exclusive: exclusive.get(Number(p.id)) ?? 0,
    })),
    both,
  };
}
