/**
 * `spamcase campaigns update`: fingerprint the messages stored before campaigns existed, cluster,
 * then recount the sizes, as at the end of an ingest (web pages on SQLite never recount them:
 * campaigns/sizes.ts).
 */
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { fingerprintMissing } from '../campaigns/backfill.ts';
import { updateCampaigns, type CampaignUpdate } from '../campaigns/update.ts';
import { ensureCampaignSizes } from '../campaigns/sizes.ts';

export async function updateCaseCampaigns(
  ctx: Context,
  slug: string,
): Promise<CampaignUpdate & { fingerprinted: number }> {
  const c = await getCase(ctx.db.knex, slug);
  const fingerprinted = await fingerprintMissing(ctx, c.id, c.slug);
  const u = await updateCampaigns(ctx, c.id, c.slug);
  await ensureCampaignSizes(ctx.db.knex, c.id);
  return { fingerprinted, ...u };
}
