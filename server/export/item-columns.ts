/**
 * The one source of items.csv's account, originating IP, hand-off IP and campaign columns: attribution's
 * per-item result (server/attribution itemAttributions) and the campaign of the item's message
 * (server/campaigns itemCampaigns). An item ingested before attribution existed has no attribution
 * row: its account falls back to nothing rather than to the header From (which is only a claim).
 */
import type { Knex } from 'knex';
import { itemAttributions } from '../attribution/queries.ts';
import { itemCampaigns } from '../campaigns/queries.ts';

export interface ItemColumns {
  account: string | null;
  originatingIp: string | null;
  /** The hand-off: first machine outside the party (docs/ATTRIBUTION.md section 2). */
  handoffIp: string | null;
  campaign: number | null;
}

/** `items` are the page being exported. */
export async function itemColumns(
  db: Knex,
  caseId: number,
  items: ReadonlyArray<{ id: number }>,
): Promise<Map<number, ItemColumns>> {
  const ids = items.map((i) => i.id);
  const attributions = await itemAttributions(db, caseId, ids);
  const campaigns = await itemCampaigns(db, caseId, ids);
  const result = new Map<number, ItemColumns>();
  for (const id of ids) {
    const a = attributions.get(id);
    result.set(id, {
      account: a?.account ?? null,
      originatingIp: a?.originatingIp ?? null,
      handoffIp: a?.handoffIp ?? null,
      campaign: campaigns.get(id) ?? null,
    });
  }
  return result;
}
