/** `spamcase damages rules`, `spamcase damages`, `case set`: the rule sets, a case's damages, its rule set. */
import { damagesInput, damagesOf, ruleChoiceInput, ruleSetOptions } from '../../usecases/damages.ts';
import { chooseRuleSet } from '../../damages/case-damages.ts';
import { setCaseTimeZone } from '../../cases/cases.ts';
import { timeZoneInput } from '../../usecases/cases.ts';
import { damagesCsv, damagesJson, formatDamagesTable } from '../../damages/exhibit.ts';
import { csvText, STAFF_CSV } from '../../csv/write.ts';
import { SpamcaseError } from '../../errors.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { json, out, write } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async 'case set'(ctx, { values }) {
    if (values.rules === undefined && values['time-zone'] === undefined)
      throw new SpamcaseError('USAGE', 'name what to set: --rules, --time-zone or both');
    if (values['time-zone'] !== undefined) {
      const input = cliInput(timeZoneInput, { case: values.case, timeZone: values['time-zone'] });
      const c = await setCaseTimeZone(ctx, input.case, input.timeZone);
      out(`case ${c.slug}: pages show dates in ${c.timeZone}`);
    }
    if (values.rules !== undefined) {
      const input = cliInput(ruleChoiceInput, { case: values.case, rules: values.rules });
      const ruleSet = await chooseRuleSet(ctx, input.case, input.rules);
      out(`case ${input.case}: damages rule set ${ruleSet.name} (${ruleSet.title}), sha256 ${ruleSet.sha256}`);
    }
    return 0;
  },

  async 'damages rules'(_ctx, { values }) {
    const rows = ruleSetOptions();
    if (values.json) json(rows);
    else
      for (const r of rows)
        out(r.error ? `${r.name.padEnd(24)} INVALID: ${r.error}` : `${r.name.padEnd(24)} ${r.currency}  ${r.title}`);
    return 0;
  },

  async damages(ctx, { values }) {
    const input = cliInput(damagesInput, {
      case: values.case,
      rules: values.rules,
      defendant: values.defendant,
      lang: values.lang,
      save: values.save,
    });
    if (values.json && values.csv) throw new SpamcaseError('USAGE', 'choose --json or --csv, not both');
    if (input.save && input.rules === undefined)
      throw new SpamcaseError('USAGE', 'is required to save a rule set', { field: 'rules' });
    const { result } = await damagesOf(ctx, input);
    if (values.json) json(damagesJson(result, input.lang));
    else if (values.csv) write(csvText(damagesCsv(result), STAFF_CSV));
    else out(formatDamagesTable(result, input.lang));
    return 0;
  },
};
