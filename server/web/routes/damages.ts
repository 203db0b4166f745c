/**
 * Damages: choose the case's rule set (a custody event, chooseRuleSet), see the table (low /
 * claimed / max per plaintiff, defendant and category) with the method text in the user's language,
 * download damages.csv: the same calls as `spamcase case set` and `spamcase damages`.
 */
import type { Response } from 'express';
import type { DamagesResult } from '../../damages/compute.ts';
import type { RequestState, RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { listRuleSets } from '../../damages/rule-set.ts';
import { ruleSetOptions, TEMPLATE_RULE_SET } from '../../usecases/damages.ts';
import { parseInput } from '../../usecases/input.ts';
import { ruleChoiceInput } from '../../usecases/damages.ts';
import { formInput, webMessage } from '../fields.ts';
import { chooseRuleSet, getRuleSetChoice } from '../../damages/case-damages.ts';
import { damagesCsv, damagesJson } from '../../damages/exhibit.ts';
import { csvText, STAFF_CSV } from '../../csv/write.ts';
import { isSpamcaseError, SpamcaseError } from '../../errors.ts';
import { renderPage } from './common.ts';

/**
 * The case's damages under its chosen rule set, as `spamcase damages` computes them; kept per custody
 * head and rule set bytes (counting every delivery is a whole-case aggregate).
 */
async function chosenDamages(deps: () => WebDeps, state: RequestState, rules: string): Promise<DamagesResult> {
  const c = state.access!.record;
  return deps().figures.chosenDamages(c.id, c.slug, rules);
}

async function damagesPage(
  deps: () => WebDeps,
  res: Response,
  state: RequestState,
  error: string | null,
  status = 200,
): Promise<void> {
  const c = state.access!.record;
  const choice = await getRuleSetChoice(state.ctx.db.knex, c.id);
  let table = null;
  let loadError: string | null = null;
  if (choice) {
    try {
      table = damagesJson(await chosenDamages(deps, state, choice.rules), state.lang);
    } catch (err) {
      if (!isSpamcaseError(err)) throw err;
      loadError = webMessage(err);
    }
  }
  renderPage(
    deps().templates,
    res,
    state,
    'damages.njk',
    { choice, table, loadError, ruleSets: ruleSetOptions(), error, section: 'damages' },
    status,
  );
}

export function damagesRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/cases/:slug/damages',
      access: 'case-read',
      async handler(_req, res, state) {
        await damagesPage(deps, res, state, null);
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/damages/rules',
      access: 'case-write',
      async handler(req, res, state) {
        const c = state.access!.record;
        try {
          const { rules } = parseInput(ruleChoiceInput, { ...formInput(req, ['rules']), case: c.slug });
          // Only a rule set of the shared folder, by name: a path typed in a form is never read.
          // The example's amounts are placeholders: never a claim chosen from the page.
          if (!listRuleSets().includes(rules) || rules === TEMPLATE_RULE_SET)
            throw new SpamcaseError('INVALID_INPUT', state.t('dmg.unknownRules'));
          await chooseRuleSet(state.ctx, c.slug, rules);
        } catch (err) {
          if (isSpamcaseError(err) && err.httpStatus < 500) {
            await damagesPage(deps, res, state, webMessage(err), 400);
            return;
          }
          throw err;
        }
        res.redirect(303, `/cases/${c.slug}/damages`);
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/damages.csv',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = state.access!.record;
        const choice = await getRuleSetChoice(state.ctx.db.knex, c.id);
        if (!choice) throw new SpamcaseError('NOT_FOUND', 'no rule set chosen for this case');
        const result = await chosenDamages(deps, state, choice.rules);
        res.type('text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${c.slug}-damages.csv"`);
        res.send(csvText(damagesCsv(result), STAFF_CSV));
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/damages',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = state.access!.record;
        const choice = await getRuleSetChoice(state.ctx.db.knex, c.id);
        if (!choice) throw new SpamcaseError('NOT_FOUND', 'no rule set chosen for this case');
        res.json(damagesJson(await chosenDamages(deps, state, choice.rules), state.lang));
      },
    },
  ];
}
