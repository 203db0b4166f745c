/**
 * Attempts from the provider's mail server logs as a damages unit (docs/DAMAGES.md, "Attempts as a
 * unit"): the case's attempts, each once (server/logs/volumes.ts distinctAttempts: the same attempts
 * the logs report counts), less those matched to a harvested item, per plaintiff and defendant and
 * per outcome.
 *
 * - A matched attempt is a harvested delivery (or another copy of a harvested message) already in the
 *   case's counts: it is never counted again here, so one delivery is never two violations.
 * - The plaintiff is the party of the log file the attempt was read from (the log's acquisition).
 * - The defendant is the one whose accounts include the envelope sender, compared as defendant
 *   members are (normalizeAccount: lower-cased, a trailing dot of the domain dropped); a sender no
 *   defendant holds, or none (the null sender `<>`), is with the accounts not grouped.
 */
import type { Knex } from 'knex';
import { normalizeAccount } from '../attribution/address.ts';
import { ATTEMPT_OUTCOMES, distinctAttempts, type AttemptOutcome } from '../logs/volumes.ts';
import { SpamcaseError } from '../errors.ts';
import type { AttemptFilter, RuleSet } from './rule-set.ts';

export type OutcomeCounts = Record<AttemptOutcome, number>;

/** Unmatched attempts one plaintiff's logs hold from one defendant's senders, per outcome. */
export interface AttemptCountRow {
  party: string;
  /** null: senders not grouped into a defendant. */
  defendant: string | null;
  outcomes: OutcomeCounts;
}

/** Where the attempts came from, for the method text: the logs read and what was left out. */
export interface AttemptSource {
  /** Log files of the case (those read again without adding attempts included). */
  logFiles: number;
  /** Their declared servers, sorted. */
  servers: string[];
  /** The parties whose acquisitions they are, sorted. */
  parties: string[];
  /** Every distinct attempt of the case's logs. */
  attempts: number;
  /** Of those, matched to a harvested item: not counted as attempts. */
  matched: number;
}

export const zeroOutcomes = (): OutcomeCounts =>
  Object.fromEntries(ATTEMPT_OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;

/** The outcomes each filter counts (rule-set.ts ATTEMPT_FILTERS): every attempt has exactly one. */
export const FILTER_OUTCOMES: Record<AttemptFilter, readonly AttemptOutcome[]> = {
  all: ATTEMPT_OUTCOMES,
  refused: ['refused-unknown-user', 'refused-policy'],
  'refused-unknown-user': ['refused-unknown-user'],
  'refused-policy': ['refused-policy'],
  delivered: ['delivered'],
  bounced: ['bounced'],
  deferred: ['deferred'],
  accepted: ['delivered', 'bounced', 'deferred', 'accepted'],
};

/** How many attempts of `outcomes` the filter counts. */
export function filtered(outcomes: OutcomeCounts, filter: AttemptFilter): number {
  return FILTER_OUTCOMES[filter].reduce((n, o) => n + outcomes[o], 0);
}

/** The filters the rule set's rules and sensitivity rows count attempts with (empty: no attempt unit). */
export function attemptFilters(ruleSet: RuleSet): AttemptFilter[] {
  const out = new Set<AttemptFilter>();
  for (const x of [...ruleSet.rules, ...ruleSet.sensitivity]) if (x.attempts !== null) out.add(x.attempts);
  return [...out];
}

/** The attempts counted by any of `filters`, each once (filters may overlap: all and refused). */
export function filteredUnion(outcomes: OutcomeCounts, filters: readonly AttemptFilter[]): number {
  const cells = new Set(filters.flatMap((f) => FILTER_OUTCOMES[f]));
  return [...cells].reduce((n, o) => n + outcomes[o], 0);
}

export async function gatherAttemptCounts(
  db: Knex,
  caseId: number,
): Promise<{ rows: AttemptCountRow[]; source: AttemptSource }> {
  const files = (await db('log_files as f')
    .join('parties as p', 'p.id', 'f.party_id')
    .where('f.case_id', caseId)
    .select('f.id', 'f.server', 'p.name as party')) as Array<{ id: number | string; server: string; party: string }>;
  const partyOf = new Map(files.map((f) => [Number(f.id), f.party]));
  const members = (await db('defendant_members as m')
    .join('defendants as d', 'd.id', 'm.defendant_id')
    .where({ 'm.case_id': caseId, 'm.kind': 'account' })
    .select('m.key', 'd.name')) as Array<{ key: string; name: string }>;
  const defendantOf = new Map(members.map((m) => [m.key, m.name]));
  const rows = new Map<string, AttemptCountRow>();
  let attempts = 0;
  let matched = 0;
  for (const a of await distinctAttempts(db, caseId)) {
    attempts += 1;
    if (a.matched) {
      matched += 1;
      continue;
    }
    const party = partyOf.get(a.logFileId);
    if (party === undefined)
      throw new SpamcaseError(
        'STORE_CORRUPT',
        `attempt of log file ${a.logFileId}, which is not a log file of this case`,
      );
    const account = a.sender === null ? null : normalizeAccount(a.sender)?.address;
    const defendant = (account !== null && account !== undefined ? defendantOf.get(account) : undefined) ?? null;
    const key = JSON.stringify([party, defendant]);
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { party, defendant, outcomes: zeroOutcomes() }));
    row.outcomes[a.outcome] += 1;
  }
  return {
    rows: [...rows.values()],
    source: {
      logFiles: files.length,
      servers: [...new Set(files.map((f) => f.server))].sort(),
      parties: [...new Set(files.map((f) => f.party))].sort((x, y) => x.localeCompare(y, 'en')),
      attempts,
      matched,
    },
  };
}
