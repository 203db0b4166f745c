/** `spamcase defendants suggest|create|add|remove|list`: groups of accounts and IPs attributed to one defendant. */
import { caseInput } from '../../usecases/input.ts';
import { changeDefendants, defendantChangeInput } from '../../usecases/defendants.ts';
import { getCase } from '../../cases/cases.ts';
import { listDefendants, suggestDefendants, type DefendantSummary } from '../../attribution/defendants.ts';
import type { CommandArgs, CommandModule } from '../command.ts';
import type { Context } from '../../context.ts';
import { cliInput } from '../input.ts';
import { fmtInt, json, out } from '../output.ts';

function summary(d: DefendantSummary): string {
  return `defendant ${d.name}: ${d.accounts.length} accounts, ${d.ips.length} IPs, ${fmtInt.format(d.deliveries)} deliveries`;
}

function change(action: 'create' | 'add' | 'remove') {
  return async (ctx: Context, { values, positionals }: CommandArgs): Promise<number> => {
    const input = cliInput(defendantChangeInput, {
      case: values.case,
      action,
      name: values.name,
      members: positionals,
    });
    out(summary(await changeDefendants(ctx, input)));
    return 0;
  };
}

export const commands: CommandModule['commands'] = {
  async 'defendants suggest'(ctx, { values }) {
    const c = await getCase(ctx.db.knex, cliInput(caseInput, { case: values.case }).case);
    const groups = await suggestDefendants(ctx.db.knex, c.id);
    if (values.json) json(groups);
    else if (groups.length === 0) out('no groups to suggest');
    else
      groups.forEach((g, i) =>
        out(
          `${i + 1}. ${g.accounts.length} accounts: ${g.accounts.slice(0, 8).join(', ')}${g.accounts.length > 8 ? ', ...' : ''}\n   because: ${g.reasons.slice(0, 6).join('; ')}${g.reasons.length > 6 ? '; ...' : ''}`,
        ),
      );
    return 0;
  },
  'defendants create': change('create'),
  'defendants add': change('add'),
  'defendants remove': change('remove'),
  async 'defendants list'(ctx, { values }) {
    const c = await getCase(ctx.db.knex, cliInput(caseInput, { case: values.case }).case);
    const ds = await listDefendants(ctx.db.knex, c.id);
    if (values.json) json(ds);
    else if (ds.length === 0) out('no defendants yet: spamcase defendants suggest --case ' + c.slug);
    else
      for (const d of ds)
        out(
          `${d.name.padEnd(24)} ${fmtInt.format(d.deliveries).padStart(9)} deliveries  accounts: ${d.accounts.join(', ') || '-'}  IPs: ${d.ips.join(', ') || '-'}`,
        );
    return 0;
  },
};
