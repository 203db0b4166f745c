/**
 * The size of campaigns: messages, deliveries, accounts, originating IPs, date span. The one place
 * that counts accounts and originating IPs per campaign.
 *
 * Accounts are counted here from what ingest records today: the distinct header-From addresses
 * (messages.from_address, the accounts table's key). When attribution (server/attribution/) lands,
 * replace the `accounts` expression below by the distinct attributed account of each delivery and
 * fill `originatingIps` the same way; nothing else in campaigns/ counts them.
 */
import type { Knex } from 'knex';

export interface CampaignSize {
  messages: number;
  deliveries: number;
  accounts: number;
  /** Distinct originating IPs; null until attribution records them. */
  originatingIps: number | null;
  firstDate: string | null;
  lastDate: string | null;
}

const IN_CHUNK = 500;

export async function campaignSizes(knex: Knex, caseId: number, numbers: readonly number[]): Promise<Map<number, CampaignSize>> {
  const out = new Map<number, CampaignSize>();
  for (let k = 0; k < numbers.length; k += IN_CHUNK) {
    const part = numbers.slice(k, k + IN_CHUNK);
    const messageRows = (await knex('campaign_members as cm')
      .join('messages as m', 'm.id', 'cm.message_id')
      .where('cm.case_id', caseId)
      .whereIn('cm.campaign_number', part)
      .groupBy('cm.campaign_number')
      .select('cm.campaign_number as number')
      .count({ messages: '*' })
      .countDistinct({ accounts: 'm.from_address' })
      .min({ first: 'm.date' })
      .max({ last: 'm.date' })) as Array<{ number: number; messages: number | string; accounts: number | string; first: string | null; last: string | null }>;
    const deliveryRows = (await knex('campaign_members as cm')
      .join('deliveries as d', 'd.message_id', 'cm.message_id')
      .where('cm.case_id', caseId)
      .whereIn('cm.campaign_number', part)
      .groupBy('cm.campaign_number')
      .select('cm.campaign_number as number')
      .count({ deliveries: '*' })) as Array<{ number: number; deliveries: number | string }>;
    const deliveries = new Map(deliveryRows.map((r) => [Number(r.number), Number(r.deliveries)]));
    for (const r of messageRows) {
      out.set(Number(r.number), {
        messages: Number(r.messages),
        deliveries: deliveries.get(Number(r.number)) ?? 0,
        accounts: Number(r.accounts),
        originatingIps: null,
        firstDate: r.first,
        lastDate: r.last,
      });
    }
  }
  return out;
}
