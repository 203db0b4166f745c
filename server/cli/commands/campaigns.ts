/** `spamcase campaigns update|campaigns|campaign`: clustering, the list, one campaign and why a member belongs. */
import { caseInput } from '../../usecases/input.ts';
import { updateCaseCampaigns } from '../../usecases/campaigns.ts';
import { CAMPAIGNS_CSV, campaignInput, campaignListInput } from '../../usecases/lists.ts';
import { getCase } from '../../cases/cases.ts';
import { campaignDetail, listCampaigns } from '../../campaigns/queries.ts';
import { explainMember } from '../../campaigns/explain.ts';
import { SpamcaseError } from '../../errors.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { csvText, STAFF_CSV } from '../../csv/write.ts';
import { json, out, write } from '../output.ts';

/** Campaigns a CSV holds when no --limit is given. */
const CSV_DEFAULT_LIMIT = 1000;

export const commands: CommandModule['commands'] = {
  async 'campaigns update'(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const u = await updateCaseCampaigns(ctx, input.case);
    if (values.json) json(u);
    else {
      out(
        `${input.case}: ${u.fingerprinted} messages fingerprinted; ${u.messagesAdded} messages placed, ${u.newCampaigns} new campaigns, ${u.extendedCampaigns} extended, ${u.merges.length} merges (${u.ms} ms)`,
      );
      for (const m of u.merges) out(`  merged ${m.merged.join(', ')} into ${m.into} (${m.messagesMoved} messages)`);
    }
    return 0;
  },

  async campaigns(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const q = cliInput(campaignListInput, {
      sort: values.sort,
      order: values.order,
      limit: values.limit ?? (values.csv ? CSV_DEFAULT_LIMIT : undefined),
      offset: values.offset,
      search: values.search,
    });
    const c = await getCase(ctx.db.knex, input.case);
    const list = await listCampaigns(ctx.db.knex, c.id, q);
    if (values.json) json(list);
    else if (values.csv) write(csvText([CAMPAIGNS_CSV.columns, ...list.rows.map(CAMPAIGNS_CSV.cells)], STAFF_CSV));
    else {
      out(`${c.slug}: ${list.total} campaigns`);
      out(
        `${'number'.padStart(7)} ${'messages'.padStart(9)} ${'deliv.'.padStart(7)} ${'accts'.padStart(6)}  ${'exemplar'.padEnd(14)} ${'first'.padEnd(10)} ${'last'.padEnd(10)}  subject`,
      );
      for (const r of list.rows) {
        out(
          `${String(r.number).padStart(7)} ${String(r.messages).padStart(9)} ${String(r.deliveries).padStart(7)} ${String(r.accounts).padStart(6)}  ${r.exemplarBates.padEnd(14)} ${(r.firstDate ?? '-').slice(0, 10).padEnd(10)} ${(r.lastDate ?? '-').slice(0, 10).padEnd(10)}  ${(r.subject ?? '').slice(0, 60)}`,
        );
      }
    }
    return 0;
  },

  async campaign(ctx, { values, positionals: [numberText] }) {
    const input = cliInput(caseInput, { case: values.case });
    const q = cliInput(campaignInput, {
      number: numberText,
      member: values.member,
      limit: values.limit,
      offset: values.offset,
    });
    const c = await getCase(ctx.db.knex, input.case);
    const number = q.number;
    const detail = await campaignDetail(ctx.db.knex, c.id, number, { limit: q.limit, offset: q.offset });
    const explanation = q.member === undefined ? null : await explainMember(ctx, c.id, c.slug, q.member);
    if (explanation && explanation.campaign !== detail.campaign.number) {
      throw new SpamcaseError(
        'INVALID_INPUT',
        `item ${explanation.memberBates} is in campaign ${explanation.campaign}, not ${detail.campaign.number}`,
      );
    }
    if (values.json) {
      json(explanation ? { ...detail, explanation } : detail);
      return 0;
    }
    const k = detail.campaign;
    if (k.number !== number) out(`campaign ${number} was merged into campaign ${k.number}`);
    out(`campaign ${k.number}: ${k.subject ?? '(no subject)'}`);
    out(
      `  exemplar ${k.exemplarBates}; ${k.messages} messages, ${k.deliveries} deliveries, ${k.accounts} accounts, ${k.originatingIps ?? '-'} originating IPs, ${k.firstDate ?? '-'} to ${k.lastDate ?? '-'}`,
    );
    if (detail.mergedFrom.length > 0) out(`  merged from campaigns ${detail.mergedFrom.join(', ')}`);
    out('');
    for (const m of detail.members)
      out(
        `  ${m.bates.padEnd(14)} ${m.similarity.toFixed(2)}  ${(m.date ?? '-').slice(0, 10)}  ${(m.from ?? '-').padEnd(28)} ${(m.subject ?? '').slice(0, 50)}`,
      );
    if (explanation) {
      const e = explanation;
      out();
      out(
        `${e.memberBates} against exemplar ${e.exemplarBates}: similarity ${e.similarity.toFixed(2)} (estimated ${e.estimatedSimilarity.toFixed(2)}), ${e.sharedFeatures} shared features of ${e.exemplarFeatures} / ${e.memberFeatures}`,
      );
      out(
        `  subject words shared: ${e.subjectWords.shared.join(' ') || '-'}; only exemplar: ${e.subjectWords.exemplarOnly.join(' ') || '-'}; only member: ${e.subjectWords.memberOnly.join(' ') || '-'}`,
      );
      out(
        `  link domains shared: ${e.domains.shared.join(' ') || '-'}; only exemplar: ${e.domains.exemplarOnly.join(' ') || '-'}; only member: ${e.domains.memberOnly.join(' ') || '-'}`,
      );
      out(`  phrases shared: ${e.phrases.shared.map((p) => `"${p}"`).join(', ') || '-'}`);
      out(`  phrases only in the exemplar: ${e.phrases.exemplarOnly.map((p) => `"${p}"`).join(', ') || '-'}`);
      out(`  phrases only in the member: ${e.phrases.memberOnly.map((p) => `"${p}"`).join(', ') || '-'}`);
    }
    return 0;
  },
};
