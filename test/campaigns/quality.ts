/**
 * Pairwise precision and recall of a case's campaigns against the generated truth
 * (generateCampaignCorpus): membership is read from the Message-ID's left part (<c17.…>, <h42.…>).
 * Two messages form a pair when they share a campaign; precision is the share of found pairs that
 * are true pairs, recall the share of true pairs that were found. Computed from the contingency
 * table, in one pass: no pair is enumerated.
 */
import type { Knex } from 'knex';

export interface CampaignQuality {
  messages: number;
  precision: number;
  recall: number;
  /** Groups of two or more messages found, and in the truth (campaigns, and ham templates used twice or more). */
  campaignsFound: number;
  campaignsTrue: number;
  /** Every campaign found (one message or more), and every group of the truth (mailings and ham templates used). */
  allFound: number;
  allTrue: number;
  /** Messages that have no campaign (should be 0). */
  unclustered: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

export async function campaignQuality(knex: Knex, caseId: number): Promise<CampaignQuality> {
  const rows = (await knex('messages as m')
    .leftJoin('campaign_members as cm', 'cm.message_id', 'm.id')
    .where('m.case_id', caseId)
    .select('m.header_message_id', 'cm.campaign_number')) as Array<{
    header_message_id: string | null;
    campaign_number: number | null;
  }>;
  const cells = new Map<string, number>();
  const found = new Map<number, number>();
  const truth = new Map<string, number>();
  let unclustered = 0;
  for (const r of rows) {
    const label = /^<?([ch]\d+)\./.exec(r.header_message_id ?? '')?.[1];
    if (!label) throw new Error(`message without a truth label: ${r.header_message_id}`);
    if (r.campaign_number === null) {
      unclustered++;
      continue;
    }
    const n = Number(r.campaign_number);
    found.set(n, (found.get(n) ?? 0) + 1);
    truth.set(label, (truth.get(label) ?? 0) + 1);
    cells.set(`${n}|${label}`, (cells.get(`${n}|${label}`) ?? 0) + 1);
  }
  let tp = 0;
  for (const v of cells.values()) tp += pairs(v);
  let foundPairs = 0;
  for (const v of found.values()) foundPairs += pairs(v);
  let truePairs = 0;
  for (const v of truth.values()) truePairs += pairs(v);
  return {
    messages: rows.length,
    precision: foundPairs === 0 ? 1 : tp / foundPairs,
    recall: truePairs === 0 ? 1 : tp / truePairs,
    campaignsFound: [...found.values()].filter((v) => v >= 2).length,
    campaignsTrue: [...truth.values()].filter((v) => v >= 2).length,
    allFound: found.size,
    allTrue: truth.size,
    unclustered,
  };
}
