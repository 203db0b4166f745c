/**
 * Reading campaigns: the list (sorted, paged, searchable on the exemplar's subject), one campaign
 * with its members, and the campaign of given items. Sizes are stored on the campaign rows and kept
 * current by sizes.ts (ensureCampaignSizes before every read).
 */
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import {
  ensureCampaignSizes,
  sizeColumns,
  storedSize,
  type CampaignSize,
  type SizesReadOptions,
  type SizesState,
} from './sizes.ts';

export interface ListOptions extends SizesReadOptions {
  sort?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  search?: string;
}

export interface CampaignRow extends CampaignSize {
  number: number;
  exemplarItemId: number;
  exemplarBates: string;
  subject: string | null;
}

export interface CampaignMember {
  itemId: number;
  bates: string;
  messageId: number;
  subject: string | null;
  from: string | null;
  date: string | null;
  /** Estimated similarity to the exemplar (0..1): the share of equal MinHash positions. */
  similarity: number;
}

export interface CampaignDetail {
  campaign: CampaignRow;
  /** Campaigns merged into this one (their numbers resolve here). */
  mergedFrom: number[];
  totalMembers: number;
  members: CampaignMember[];
  /** Whether the sizes are those of the case's current custody head (not while an acquisition runs). */
  sizes: SizesState;
}

type CampaignHead = { number: number; subject: string | null; item_id: number | string; bates: string } & Parameters<
  typeof storedSize
>[0];

/** Sort keys of listCampaigns: those stored on the campaign row, so a page is read through an index. */
export const CAMPAIGN_SORTS = ['messages', 'number'] as const;
export const MAX_LIST_LIMIT = 1000;

function page(opts: ListOptions): { limit: number; offset: number } {
  const limit = opts.limit ?? 50;
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new SpamcaseError('INVALID_INPUT', `must be a whole number from 1 to ${MAX_LIST_LIMIT}`, { field: 'limit' });
  if (!Number.isInteger(offset) || offset < 0)
    throw new SpamcaseError('INVALID_INPUT', 'must be a whole number, 0 or more', { field: 'offset' });
  return { limit, offset };
}

function liveCampaigns(knex: Knex, caseId: number, search: string | undefined): Knex.QueryBuilder {
  const q = knex('campaigns as c')
    .join('messages as m', 'm.id', 'c.exemplar_message_id')
    .where('c.case_id', caseId)
    .whereNull('c.merged_into');
  if (search && search.trim() !== '')
    q.whereRaw("lower(m.subject) like ? escape '\\'", [
      `%${search
        .trim()
        .toLowerCase()
        .replace(/[%_\\]/g, (c) => `\\${c}`)}%`,
    ]);
  return q;
}

function toRow(r: CampaignHead): CampaignRow {
  return {
    number: Number(r.number),
    exemplarItemId: Number(r.item_id),
    exemplarBates: r.bates,
    subject: r.subject,
    ...storedSize(r),
  };
}

const HEAD_COLUMNS = ['c.number', 'm.subject', 'i.id as item_id', 'i.bates', ...sizeColumns('c')];

export async function listCampaigns(
  knex: Knex,
  caseId: number,
  opts: ListOptions = {},
): Promise<{ total: number; rows: CampaignRow[]; sizes: SizesState }> {
  const { limit, offset } = page(opts);
  const sort = opts.sort ?? 'messages';
  if (!(CAMPAIGN_SORTS as readonly string[]).includes(sort))
    throw new SpamcaseError('INVALID_INPUT', `must be one of ${CAMPAIGN_SORTS.join(', ')}`, { field: 'sort' });
  const order = opts.order ?? (sort === 'messages' ? 'desc' : 'asc');
  const sizes = await ensureCampaignSizes(knex, caseId, opts);
  const totalRow = (await liveCampaigns(knex, caseId, opts.search).count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  const rows = (await liveCampaigns(knex, caseId, opts.search)
    .join('items as i', 'i.id', 'm.first_item_id')
    .orderBy(`c.${sort}`, order)
    .orderBy('c.number', 'asc')
    .limit(limit)
    .offset(offset)
    .select(HEAD_COLUMNS)) as CampaignHead[];
  return { total: Number(totalRow?.n ?? 0), rows: rows.map(toRow), sizes };
}

/** The live campaign a (possibly merged) number resolves to. */
export async function resolveCampaignNumber(knex: Knex, caseId: number, number: number): Promise<number> {
  let current = number;
  for (let hops = 0; hops < 1000; hops++) {
    const row = (await knex('campaigns').where({ case_id: caseId, number: current }).first('merged_into')) as
      { merged_into: number | null } | undefined;
    if (!row) throw new SpamcaseError('CAMPAIGN_NOT_FOUND', `no campaign ${number} in this case`);
    if (row.merged_into === null) return current;
    current = Number(row.merged_into);
  }
  throw new SpamcaseError('CAMPAIGN_NOT_FOUND', `campaign ${number}: merge chain too long`);
}

export async function campaignDetail(
  knex: Knex,
  caseId: number,
  number: number,
  opts: { limit?: number; offset?: number } & SizesReadOptions = {},
): Promise<CampaignDetail> {
  const { limit, offset } = page(opts);
  const live = await resolveCampaignNumber(knex, caseId, number);
  const sizes = await ensureCampaignSizes(knex, caseId, opts);
  const head = (await liveCampaigns(knex, caseId, undefined)
    .join('items as i', 'i.id', 'm.first_item_id')
    .where('c.number', live)
    .first(HEAD_COLUMNS)) as CampaignHead;
  const campaign = toRow(head);
  const mergedFrom = (
    (await knex('campaigns').where({ case_id: caseId, merged_into: live }).orderBy('number').pluck('number')) as Array<
      number | string
    >
  ).map(Number);
  const members = (await knex('campaign_members as cm')
    .join('messages as m', 'm.id', 'cm.message_id')
    .join('items as i', 'i.id', 'm.first_item_id')
    .where({ 'cm.case_id': caseId, 'cm.campaign_number': live })
    .orderBy('cm.message_id')
    .limit(limit)
    .offset(offset)
    .select(
      'i.id as item_id',
      'i.bates',
      'm.id as message_id',
      'm.subject',
      'm.from_address',
      'm.date',
      'cm.similarity',
    )) as Array<{
    item_id: number | string;
    bates: string;
    message_id: number | string;
    subject: string | null;
    from_address: string | null;
    date: string | null;
    similarity: number | string;
  }>;
  return {
    campaign,
    mergedFrom,
    totalMembers: campaign.messages,
    sizes,
    members: members.map((r) => ({
      itemId: Number(r.item_id),
      bates: r.bates,
      messageId: Number(r.message_id),
      subject: r.subject,
      from: r.from_address,
      date: r.date,
      similarity: Number(r.similarity),
    })),
  };
}

/** Item id -> campaign number (the live one), for the items that have one. */
export async function itemCampaigns(knex: Knex, caseId: number, itemIds: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let k = 0; k < itemIds.length; k += 500) {
    const rows = (await knex('items as i')
      .join('campaign_members as cm', 'cm.message_id', 'i.message_id')
      // "+i.case_id": each item by its key, not the case's items by a case index (150 ms per 500 at a million).
      .whereRaw('+i.case_id = ?', [caseId])
      .whereIn('i.id', itemIds.slice(k, k + 500))
      .select('i.id', 'cm.campaign_number')) as Array<{ id: number | string; campaign_number: number }>;
    for (const r of rows) out.set(Number(r.id), Number(r.campaign_number));
  }
  return out;
}

/** An item's estimated similarity to its campaign's exemplar (1 for the exemplar), or null when it has no campaign. */
export async function itemCampaignSimilarity(knex: Knex, caseId: number, itemId: number): Promise<number | null> {
  const row = (await knex('items as i')
    .join('campaign_members as cm', 'cm.message_id', 'i.message_id')
    .where({ 'i.case_id': caseId, 'i.id': itemId })
    .first('cm.similarity')) as { similarity: number | string } | undefined;
  return row ? Number(row.similarity) : null;
}
