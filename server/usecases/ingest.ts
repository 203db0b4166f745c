/**
 * Ingest, as a user means it (`spamcase ingest`, a web upload): the acquisitions (server/ingest/),
 * then the case's campaigns clustered over the new fingerprints (campaigns/update.ts) and every
 * campaign's sizes recounted (campaigns/sizes.ts), so the next page shows them at once instead of
 * counting them for seconds at its first view. ingest/ itself only ingests.
 */
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { updateCampaigns } from '../campaigns/update.ts';
import { ensureCampaignSizes } from '../campaigns/sizes.ts';
import { acquire, type AcquisitionSummary, type IngestOptions } from '../ingest/ingest.ts';
import { providers } from '../attribution/providers.ts';

import * as v from 'valibot';
import { caseName, oneOf, optionalText, PATH_MAX, textList, type Input } from './input.ts';
import { ACQUISITION_METHODS, CUSTODIAN_MAX, NOTES_MAX } from '../ingest/ingest.ts';

export { ACQUISITION_METHODS, cleanFileName, NOTES_MAX } from '../ingest/ingest.ts';
export type {
  AcquisitionMethod,
  AcquisitionProvenance,
  AcquisitionSummary,
  IngestOptions,
  IngestProgress,
} from '../ingest/ingest.ts';

export const ingestInput = v.object({
  case: caseName,
  party: optionalText(200),
  method: v.optional(oneOf(ACQUISITION_METHODS), 'trap'),
  /** The mailbox every sample of these inputs was delivered to (mailbox exports with no Delivered-To). */
  recipient: optionalText(320),
  /** Who the evidence came from, and notes about it: kept with each acquisition and in its custody event. */
  custodian: optionalText(CUSTODIAN_MAX),
  notes: optionalText(NOTES_MAX),
  paths: v.pipe(textList(PATH_MAX, 100_000), v.minLength(1, 'is required: name at least one file or folder')),
});

export type IngestInput = Input<typeof ingestInput>;

export async function ingest(ctx: Context, options: IngestOptions): Promise<AcquisitionSummary[]> {
  // templates/providers/ is read here first, so a mistyped provider file is refused with its file,
  // line and column before anything is ingested (the reader threads would otherwise leave every
  // item unattributed).
  providers();
  const summaries = await acquire(ctx, options);
  const record = await getCase(ctx.db.knex, options.caseSlug);
  if (options.campaigns ?? true) await updateCampaigns(ctx, record.id, record.slug);
  // Counted now rather than at the first page view (seconds at a million messages); see campaigns/sizes.ts.
  await ensureCampaignSizes(ctx.db.knex, record.id);
  return summaries;
}
