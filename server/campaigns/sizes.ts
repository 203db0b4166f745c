/**
 * The size of campaigns: messages, deliveries, accounts, originating IPs, date span. The one place
 * that counts accounts and originating IPs per campaign: the distinct attributed account and
 * originating IP (server/attribution/, item_attributions) of its deliveries, each attributed through
 * its first item as in the volumes.
 */
import type { Knex } from 'knex';

export interface CampaignSize {
  messages: number;
  deliveries: number;
  accounts: number;
  /** Distinct originating IPs; null only for a case ingested before attribution (spamcase attribute fills it). */
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
      .min({ first: 'm.date' })
      .max({ last: 'm.date' })) as Array<{ number: number; messages: number | string; first: string | null; last: string | null }>;
    const senderRows = (await knex('campaign_members as cm')
      .join('deliveries as d', 'd.message_id', 'cm.message_id')
      .join('item_attributions as ia', 'ia.item_id', 'd.first_item_id')
      .where('cm.case_id', caseId)
      .whereIn('cm.campaign_number', part)
      .groupBy('cm.campaign_number')
      .select('cm.campaign_number as number')
      .count({ attributed: '*' })
      .countDistinct({ accounts: 'ia.account' })
      .countDistinct({ ips: 'ia.originating_ip' })) as Array<{ number: number; attributed: number | string; accounts: number | string; ips: number | string }>;
    const senders = new Map(senderRows.map((r) => [Number(r.number), r]));
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
        accounts: Number(senders.get(Number(r.number))?.accounts ?? 0),
        originatingIps: senders.has(Number(r.number)) ? Number(senders.get(Number(r.number))!.ips) : null,
        firstDate: r.first,
        lastDate: r.last,
      });
    }
  }
  return out;
}
