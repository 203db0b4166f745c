/** `spamcase report` and `spamcase fsck`: the counts, and the check that store, index and custody chain agree. */
import { caseInput } from '../../usecases/input.ts';
import { caseReport } from '../../report/counts.ts';
import { formatReportTable } from '../../report/table.ts';
import { fsck } from '../../fsck/fsck.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { json, out } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async report(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const report = await caseReport(ctx.db.knex, input.case);
    if (values.json) json(report);
    else out(formatReportTable(report));
    return 0;
  },

  async fsck(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const result = await fsck(ctx, input.case);
    if (values.json) json(result);
    else {
      out(
        `${result.case}: ${result.ok ? 'OK' : 'PROBLEMS FOUND'} — ${result.itemsChecked} items and ${result.wrappersChecked} wrappers re-hashed in ${result.segments} pack segment(s), ${result.custodyEvents} custody events`,
      );
      for (const p of result.problems) out(`  problem: ${p}`);
      for (const w of result.warnings) out(`  warning: ${w}`);
    }
    return result.ok ? 0 : 3;
  },
};
