/**
 * Damages for a case: the rule set chosen for it (stored, with a custody event), and the
 * computation over the case's counted violations. The CLI, the report and (after the merge) the
 * web UI and the PDF call these.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { SpamcaseError } from '../errors.ts';
import { computeDamages, type ComputeOptions, type DamagesResult } from './compute.ts';
import { loadRuleSet, RULES_DIR, type RuleSet } from './rule-set.ts';
import { caseUnitCounts, gatherViolationCounts } from './violation-counts.ts';
import { resolveDomains } from './allocation.ts';
import { partyOverlap } from '../report/overlap.ts';
import { attemptFilters, gatherAttemptCounts } from './attempt-counts.ts';

export interface RuleSetChoice {
  rules: string;
  rulesSha256: string;
  chosenAt: string;
  chosenBy: string;
}

export async function getRuleSetChoice(db: Knex, caseId: number): Promise<RuleSetChoice | null> {
  const row = (await db('case_damages_rules').where({ case_id: caseId }).first()) as
    { rules: string; rules_sha256: string; chosen_at: string; chosen_by: string } | undefined;
  return row
    ? { rules: row.rules, rulesSha256: row.rules_sha256, chosenAt: row.chosen_at, chosenBy: row.chosen_by }
    : null;
}

/** Choose the case's rule set (validated first); recorded as a `damages-rules-chosen` custody event. */
export async function chooseRuleSet(ctx: Context, caseSlug: string, nameOrPath: string): Promise<RuleSet> {
  const c = await getCase(ctx.db.knex, caseSlug);
  const ruleSet = loadRuleSet(nameOrPath);
  // A rule set from the shared templates folder is stored by name; any other file by its absolute path.
  const stored =
    path.dirname(ruleSet.file) === RULES_DIR ? path.basename(ruleSet.file).replace(/\.ya?ml$/i, '') : ruleSet.file;
  const now = ctx.clock();
  await ctx.db.knex.transaction(async (trx) => {
    const row = { rules: stored, rules_sha256: ruleSet.sha256, chosen_at: now.toISOString(), chosen_by: ctx.actor };
    const updated = await trx('case_damages_rules').where({ case_id: c.id }).update(row);
    if (updated === 0) await trx('case_damages_rules').insert({ case_id: c.id, ...row });
    await appendCustodyEvent(trx, {
      caseId: c.id,
      caseSlug: c.slug,
      at: now,
      actor: ctx.actor,
      action: 'damages-rules-chosen',
      details: { rules: stored, title: ruleSet.title, sha256: ruleSet.sha256 },
    });
  });
  return ruleSet;
}

export interface CaseDamagesOptions extends ComputeOptions {
  /** A rule set name or path; without it, the one chosen for the case. */
  rules?: string;
}

export interface CaseDamages {
  result: DamagesResult;
  /** The stored choice, when the rule set came from it; `changedSinceChosen` when the file's bytes differ. */
  choice: (RuleSetChoice & { changedSinceChosen: boolean }) | null;
}

export async function caseDamages(db: Knex, caseSlug: string, opts: CaseDamagesOptions = {}): Promise<CaseDamages> {
  const c = await getCase(db, caseSlug);
  let choice: CaseDamages['choice'] = null;
  let nameOrPath = opts.rules;
  if (nameOrPath === undefined) {
    const stored = await getRuleSetChoice(db, c.id);
    if (!stored)
      throw new SpamcaseError(
        'USAGE',
        `is required: no rule set chosen for case "${c.slug}" (name one, and save it to keep it for the case)`,
        { field: 'rules' },
      );
    nameOrPath = stored.rules;
    choice = { ...stored, changedSinceChosen: false };
  }
  let ruleSet = loadRuleSet(nameOrPath);
  if (ruleSet.allocation.rule === 'own-users') {
    // The method text names each plaintiff as the case does, whatever the file called it.
    const domains = resolveDomains(ruleSet.allocation, c.parties, ruleSet.name).map((d) => ({
      party: d.party,
      domains: d.domains,
    }));
    ruleSet = { ...ruleSet, allocation: { ...ruleSet.allocation, domains } };
  }
  if (choice) choice.changedSinceChosen = choice.rulesSha256 !== ruleSet.sha256;
  const rows = await gatherViolationCounts(db, c.id, ruleSet.allocation, ruleSet.name);
  const onceRows =
    ruleSet.allocation.rule === 'each-in-full'
      ? await gatherViolationCounts(db, c.id, { ...ruleSet.allocation, rule: 'first-harvester' }, ruleSet.name)
      : undefined;
  // The logs are read only for a rule set that counts attempts.
  const attempts = attemptFilters(ruleSet).length > 0 ? await gatherAttemptCounts(db, c.id) : undefined;
  const result = computeDamages(ruleSet, rows, {
    ...(opts.defendant === undefined ? {} : { defendant: opts.defendant }),
    ...(attempts === undefined ? {} : { attemptRows: attempts.rows, attemptSource: attempts.source }),
    overlap: await partyOverlap(db, c.id),
    caseCounts: await caseUnitCounts(db, c.id, opts.defendant),
    ...(onceRows === undefined ? {} : { onceRows }),
  });
  if (choice?.changedSinceChosen) {
    result.warnings.push({
      en: `the rule set file ${ruleSet.file} changed since it was chosen on ${choice.chosenAt} (sha256 then ${choice.rulesSha256})`,
      fr: `le fichier du barème ${ruleSet.file} a changé depuis son choix le ${choice.chosenAt} (sha256 d’alors ${choice.rulesSha256})`,
    });
  }
  return { result, choice };
}
