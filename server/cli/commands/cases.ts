/**
 * `spamcase case create|list`: cases and their parties. `case party` (trust) is in attribution.ts and
 * `case set` (the damages rule set) in damages.ts, so listing cases loads neither (start-up time).
 */
import { caseCreateInput, caseListRow, openCase, visibleCases } from '../../usecases/cases.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { json, out } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async 'case create'(ctx, { values, positionals: [slug] }) {
    const input = cliInput(caseCreateInput, {
      slug,
      title: values.title,
      parties: values.party ?? [],
      jurisdiction: values.jurisdiction,
      timeZone: values['time-zone'],
      relays: values['trusted-relay'] ?? [],
      authservIds: values['trusted-authserv-id'] ?? [],
    });
    const c = await openCase(ctx, input);
    out(
      `created case ${c.slug}: ${c.title} (parties: ${c.parties.map((p) => `${p.name} [${p.batesPrefix}]`).join(', ')}; time zone ${c.timeZone})`,
    );
    return 0;
  },

  async 'case list'(ctx, { values }) {
    const cases = await visibleCases(ctx.db.knex, null);
    if (values.json) json(cases.map(caseListRow));
    else if (cases.length === 0) out('no cases yet: spamcase case create <name> --title "..." --party "Name:PREFIX"');
    else for (const c of cases) out(`${c.slug.padEnd(24)} ${c.title}  (${c.parties.map((p) => p.name).join(', ')})`);
    return 0;
  },
};
