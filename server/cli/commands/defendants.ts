/** `spamcase defendants suggest|create|add|remove|list`: groups of accounts and IPs attributed to one defendant. */
import { caseInput } from '../../usecases/input.ts';
import { changeDefendants, defendantChangeInput, suggestionsInput } from '../../usecases/defendants.ts';
import { getCase } from '../../cases/cases.ts';
import {
  listDefendants,
  suggestDefendants,
  type DefendantSummary,
  type SuggestionReason,
} from '../../attribution/defendants.ts';
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
    const after = await changeDefendants(ctx, input);
    out(after === null ? `defendant ${input.name} removed: its accounts and IPs are ungrouped` : summary(after));
    return 0;
  };
}

/** "strong: shared originating IP 82.120.7.9 (3 accounts)"; corroborating reasons say so. */
function reasonLine(r: SuggestionReason): string {
  return `${r.strength}${r.joins ? '' : ', corroborating'}: ${r.text}`;
}

export const commands: CommandModule['commands'] = {
  async 'defendants suggest'(ctx, { values }) {
    const input = cliInput(suggestionsInput, { case: values.case, sharedIpAccounts: values['shared-ip-accounts'] });
    const c = await getCase(ctx.db.knex, input.case);
    const s = await suggestDefendants(ctx.db.knex, c.id, { maxAccountsPerIp: input.sharedIpAccounts });
    if (values.json) {
      json(s);
      return 0;
    }
    if (s.groups.length === 0) out('no groups to suggest');
    s.groups.forEach((g, i) => {
      out(
        `${i + 1}. ${g.accounts.length} accounts (${g.strength}): ${g.accounts.slice(0, 8).join(', ')}${g.accounts.length > 8 ? ', ...' : ''}`,
      );
      for (const r of g.reasons.slice(0, 8)) out(`   ${reasonLine(r)}`);
      if (g.reasons.length > 8) out(`   ... ${g.reasons.length - 8} more reasons (--json)`);
    });
    if (s.excluded.length > 0) {
      out(`\nnever linked through shared infrastructure (owners: ${s.ownerData}):`);
      for (const e of s.excluded.slice(0, 10))
        out(`  ${e.ip.padEnd(16)} ${String(e.accounts).padStart(6)} accounts  ${e.why}`);
      if (s.excluded.length > 10) out(`  ... ${s.excluded.length - 10} more (--json)`);
    }
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
