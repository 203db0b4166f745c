/** `spamcase ingest`: the ingest use case with a progress line on a terminal (quiet when piped). */
import { loadConfig } from '../../config.ts';
import { ingest, ingestInput } from '../../usecases/ingest.ts';
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
      paths: positionals,
    });
    const progress = ttyProgress(process.stderr);
    const summaries = await ingest(ctx, {
      caseSlug: input.case,
      party: input.party,
      method: input.method,
      envelopeRecipient: input.recipient,
      paths: input.paths,
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
    return 0;
  },
};
