/** `spamcase case create|list|party|set`: cases, their parties and trust, the chosen damages rule set. */
import { caseCreateInput, caseListRow, openCase, visibleCases } from '../../usecases/cases.ts';
import { partyTrust, partyTrustInput } from '../../usecases/attribute.ts';
import { ruleChoiceInput } from '../../usecases/damages.ts';
import { chooseRuleSet } from '../../damages/case-damages.ts';
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
      relays: values['trusted-relay'] ?? [],
      authservIds: values['trusted-authserv-id'] ?? [],
    });
    const c = await openCase(ctx, input);
    out(
      `created case ${c.slug}: ${c.title} (parties: ${c.parties.map((p) => `${p.name} [${p.batesPrefix}]`).join(', ')})`,
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

  async 'case party'(ctx, { values }) {
    const input = cliInput(partyTrustInput, {
      case: values.case,
      party: values.party,
      relays: values['trusted-relay'],
      authservIds: values['trusted-authserv-id'],
      noRelays: values['no-trusted-relays'],
    });
    const { party, trust, changed } = await partyTrust(ctx, input.case, input.party, {
      relays: input.noRelays ? [] : input.relays,
      authservIds: input.authservIds,
    });
    if (values.json) json({ party, trustedRelays: trust.relays, trustedAuthservIds: trust.authservIds });
    else {
      out(
        `${party}: trusted relays ${trust.relays.join(', ') || '(none)'}; trusted authserv-ids ${trust.authservIds.join(', ') || '(none)'}`,
      );
      if (changed) out(`run "spamcase attribute --case ${input.case}" to recompute the attribution with this trust`);
    }
    return 0;
  },

  async 'case set'(ctx, { values }) {
    const input = cliInput(ruleChoiceInput, { case: values.case, rules: values.rules });
    const ruleSet = await chooseRuleSet(ctx, input.case, input.rules);
    out(`case ${input.case}: damages rule set ${ruleSet.name} (${ruleSet.title}), sha256 ${ruleSet.sha256}`);
    return 0;
  },
};
