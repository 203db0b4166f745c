/**
 * Damages as staff ask for them: the rule sets on offer (`spamcase damages rules`, the web's choice
 * list), and the damages of a case under a rule set, choosing it for the case first when asked
 * (`spamcase damages --save`; the web's choice is `chooseRuleSet` itself).
 */
import type { Context } from '../context.ts';
import { describeError } from '../errors.ts';
import { caseDamages, chooseRuleSet, type CaseDamages } from '../damages/case-damages.ts';
import { listRuleSets, loadRuleSet } from '../damages/rule-set.ts';
import * as v from 'valibot';
import { caseName, oneOf, optionalText, PATH_MAX, requiredText, yesNo, type Input } from './input.ts';
import { LANGS } from '../pdf/types.ts';

export const damagesInput = v.object({
  case: caseName,
  /** A rule set: its name in templates/damages/, or a file; default the case's chosen one. */
  rules: optionalText(PATH_MAX),
  defendant: optionalText(200),
  lang: v.optional(oneOf(LANGS), 'en'),
  /** Keep `rules` as the case's chosen rule set (a custody event). */
  save: yesNo(),
});

export const ruleChoiceInput = v.object({ case: caseName, rules: requiredText(PATH_MAX) });

export type DamagesInput = Input<typeof damagesInput>;

/** The shipped example to copy (templates/damages/custom-template.yaml): placeholder amounts, never a claim. */
export const TEMPLATE_RULE_SET = 'custom-template';

export interface RuleSetOption {
  name: string;
  title: string | null;
  /** The French title, when the file gives one (title_fr). */
  titleFr: string | null;
  /** The example to copy, not a rule set to claim under (TEMPLATE_RULE_SET). */
  template: boolean;
  jurisdiction: string | null;
  currency: string | null;
  source: string | null;
  /** Why the file does not load, when it does not. */
  error: string | null;
}

/** The rule sets of templates/damages/, each with its title, or why it does not load. */
export function ruleSetOptions(): RuleSetOption[] {
  return listRuleSets().map((name) => {
    try {
      const r = loadRuleSet(name);
      return {
        name,
        title: r.title,
        titleFr: r.titleFr,
        template: name === TEMPLATE_RULE_SET,
        jurisdiction: r.jurisdiction,
        currency: r.currency,
        source: r.source,
        error: null,
      };
    } catch (err) {
      return {
        name,
        title: null,
        titleFr: null,
        template: name === TEMPLATE_RULE_SET,
        jurisdiction: null,
        currency: null,
        source: null,
        error: describeError(err),
      };
    }
  });
}

/** The case's damages under `rules` (default its chosen rule set); with `save`, `rules` is chosen first. */
export async function damagesOf(ctx: Context, input: DamagesInput): Promise<CaseDamages> {
  if (input.save) await chooseRuleSet(ctx, input.case, input.rules ?? '');
  return caseDamages(ctx.db.knex, input.case, {
    ...(input.rules === undefined ? {} : { rules: input.rules }),
    ...(input.defendant === undefined ? {} : { defendant: input.defendant }),
  });
}
