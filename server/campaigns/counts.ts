/** The campaign counts of the case report, side by side with items, messages and deliveries. */
import type { Knex } from 'knex';

export interface CampaignCounts {
  campaigns: number;
  campaignsOfTwoOrMore: number;
  messagesWithoutCampaign: number;
}

export async function campaignCounts(knex: Knex, caseId: number): Promise<CampaignCounts> {
  const n = async (q: Knex.QueryBuilder) =>
    Number(((await q.count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
  const live = () => knex('campaigns').where({ case_id: caseId }).whereNull('merged_into');
  const messages = await n(knex('messages').where({ case_id: caseId }));
  const members = await n(knex('campaign_members').where({ case_id: caseId }));
  return {
    campaigns: await n(live()),
    campaignsOfTwoOrMore: await n(live().where('messages', '>=', 2)),
    messagesWithoutCampaign: messages - members,
  };
}
