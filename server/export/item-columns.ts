/**
 * THE plug-in point for attribution and campaigns in the bundle: the account, originating IP and
 * campaign columns of items.csv (and From in the load file's account sense) come from this one
 * function and nowhere else.
 *
 * Today (ingestion only) the account is the header From address recorded for the item's message
 * (messages.from_address, also what the accounts table holds), and originating IP and campaign are
 * empty. When attribution (server/attribution itemAttributions) and campaigns (server/campaigns
 * itemCampaigns) land, replace the body with calls to them: nothing else in the export changes.
 */
import type { Knex } from 'knex';

export interface ItemColumns {
  account: string | null;
  originatingIp: string | null;
  campaign: number | null;
}

/** `items` are the page being exported: item id and its message's header From. */
export async function itemColumns(_db: Knex, _caseId: number, items: ReadonlyArray<{ id: number; fromAddress: string | null }>): Promise<Map<number, ItemColumns>> {
  const result = new Map<number, ItemColumns>();
  for (const item of items) result.set(item.id, { account: item.fromAddress, originatingIp: null, campaign: null });
  return result;
}
