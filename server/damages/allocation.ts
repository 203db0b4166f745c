/**
 * Which plaintiff claims which delivery, under the rule set's allocation (rule-set.ts
 * ALLOCATION_RULES): a query of (party_id, message_id, recipient) rows over the case's
 * deliveries. first-harvester and own-users give each delivery exactly one row; each-in-full one
 * row per party that harvested it; shared one row per party that harvested it with `holders`, the
 * number of parties that did (each claims 1/holders of the delivery).
 */
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import type { Allocation } from './rule-set.ts';

export interface CaseParty {
  id: number;
  name: string;
  batesPrefix: string;
}

/** own-users: each listed plaintiff's id and domains, resolved against the case's parties by name or Bates prefix. */
export function resolveDomains(
  allocation: Allocation,
  parties: readonly CaseParty[],
  ruleSetName: string,
): Array<{ partyId: number; party: string; domains: string[] }> {
  return allocation.domains.map(({ party, domains }) => {
    const wanted = party.trim().toLowerCase();
    const found = parties.find((p) => p.name.toLowerCase() === wanted || p.batesPrefix.toLowerCase() === wanted);
    if (!found)
      throw new SpamcaseError(
        'INVALID_INPUT',
        `rule set ${ruleSetName}: allocation.domains names "${party}", which is not a party of this case (parties: ${parties.map((p) => p.name).join(', ')})`,
        { field: 'rules' },
      );
    return { partyId: found.id, party: found.name, domains };
  });
}

/** The first harvester of a delivery: the party of its first item (the item that created it). */
function firstHarvester(db: Knex, caseId: number): Knex.QueryBuilder {
  return db('deliveries as d')
    .join('items as fi', 'fi.id', 'd.first_item_id')
    .where('d.case_id', caseId)
    .select('fi.party_id as party_id', 'd.message_id as message_id', 'd.recipient as recipient');
}

/**
 * `restrict` narrows the rows before they are grouped (the bundle reads them one page of messages at a
 * time): it gets the query and its message-id column.
 */
export function claimedDeliveries(
  db: Knex,
  caseId: number,
  allocation: Allocation,
  parties: readonly CaseParty[],
  ruleSetName: string,
  restrict: (q: Knex.QueryBuilder, messageColumn: string) => void = () => {},
): Knex.QueryBuilder {
  switch (allocation.rule) {
    case 'first-harvester': {
      const q = firstHarvester(db, caseId);
      restrict(q, 'd.message_id');
      return q;
    }
    case 'each-in-full': {
      const q = db('samples as s')
        .join('acquisitions as a', 'a.id', 's.acquisition_id')
        .where('s.case_id', caseId)
        .distinct('a.party_id as party_id', 's.message_id as message_id', 's.recipient as recipient');
      restrict(q, 's.message_id');
      return q;
    }
    case 'shared': {
      // Every harvester, with how many plaintiffs harvested the delivery (each claims 1/holders of it).
      const held = db('samples as s')
        .join('acquisitions as a', 'a.id', 's.acquisition_id')
        .where('s.case_id', caseId)
        .distinct('a.party_id as party_id', 's.message_id as message_id', 's.recipient as recipient');
      restrict(held, 's.message_id');
      const holders = db('samples as s2')
        .join('acquisitions as a2', 'a2.id', 's2.acquisition_id')
        .where('s2.case_id', caseId)
        .groupBy('s2.message_id', 's2.recipient')
        .select('s2.message_id as message_id', 's2.recipient as recipient')
        .countDistinct({ holders: 'a2.party_id' });
      restrict(holders, 's2.message_id');
      return db
        .from(held.as('h'))
        .join(holders.as('k'), function () {
          this.on('k.message_id', 'h.message_id').andOn('k.recipient', 'h.recipient');
        })
        .select(
          'h.party_id as party_id',
          'h.message_id as message_id',
          'h.recipient as recipient',
          'k.holders as holders',
        );
    }
    case 'own-users': {
      const owners = resolveDomains(allocation, parties, ruleSetName);
      const whens: string[] = [];
      const bindings: Array<string | number> = [];
      for (const owner of owners) {
        for (const domain of owner.domains) {
          // Recipients are stored lower-cased; a domain is letters, digits, dots and dashes (no LIKE wildcard).
          whens.push('when d.recipient like ? or d.recipient like ? then ?');
          bindings.push(`%@${domain}`, `%@%.${domain}`, owner.partyId);
        }
      }
      const expr = whens.length === 0 ? 'fi.party_id' : `case ${whens.join(' ')} else fi.party_id end`;
      const q = db('deliveries as d')
        .join('items as fi', 'fi.id', 'd.first_item_id')
        .where('d.case_id', caseId)
        .select(db.raw(`${expr} as party_id`, bindings), 'd.message_id as message_id', 'd.recipient as recipient');
      restrict(q, 'd.message_id');
      return q;
    }
  }
}
