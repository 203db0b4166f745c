/**
 * `spamcase ingest`: the ingest use case with a progress line on a terminal (quiet when piped), then
 * the full-text index brought up to date (after the acquisitions, so ingest's rate is its own;
 * `--skip-index` leaves it to `spamcase index` or the web server). `spamcase index`: only that.
 */
import { loadConfig } from '../../config.ts';
import { ingest, ingestInput } from '../../usecases/ingest.ts';
import { indexCase } from '../../usecases/search.ts';
import { caseInput } from '../../usecases/input.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { formatBytes, ttyProgress } from '../progress.ts';
import { json, out } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async ingest(ctx, { values, positionals }) {
    const input = cliInput(ingestInput, {
      case: values.case,
      party: values.party,
      method: values.method,
      recipient: values.recipient,
      custodian: values.custodian,
      notes: values.notes,
      paths: positionals,
    });
    const progress = ttyProgress(process.stderr);
    const summaries = await ingest(ctx, {
      caseSlug: input.case,
      party: input.party,
      method: input.method,
      envelopeRecipient: input.recipient,
      paths: input.paths,
      provenance: { custodian: input.custodian, notes: input.notes },
      budget: loadConfig().ingestBudget,
      onProgress: progress ? (p) => progress.update(p) : undefined,
    });
    progress?.done();
    if (values.json) json(summaries);
    else
      for (const s of summaries) {
        out(
          `${s.source}: ${s.samples} samples (${s.newItems} new items, ${s.exactDuplicates} exact duplicates), ${s.rejected} rejected, ${formatBytes(s.sourceBytes)}, sha256 ${s.sourceSha256}`,
        );
      }
    if (!values['skip-index']) {
      const r = await indexCase(ctx, input.case);
      if (!values.json) out(`search index: ${r.added} items added, ${r.indexed} searchable`);
    }
    return 0;
  },
  async index(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const r = await indexCase(ctx, input.case, {
      onProgress: process.stderr.isTTY
        ? (p) => process.stderr.write(`\rindexed ${p.indexed}, ${p.remaining} to go`)
        : undefined,
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (values.json) json(r);
    else out(`search index: ${r.added} items added, ${r.indexed} searchable, ${r.remaining} still to index`);
    return 0;
  },
};
