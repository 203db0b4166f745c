/**
 * The lists staff page through (accounts, originating IPs, campaigns, one campaign, items,
 * acquisitions, rejections, one message): what they accept, shared by `spamcase accounts|ips|
 * campaigns|campaign|message` and the web's pages, JSON and CSV downloads. The lists themselves are
 * the queries of attribution/, campaigns/ and report/.
 */
import * as v from 'valibot';
import { MAX_LIST_LIMIT as MAX_VOLUME_LIMIT, type AccountRow, type IpRow } from '../attribution/queries.ts';
import { CAMPAIGN_SORTS, MAX_LIST_LIMIT as MAX_CAMPAIGN_LIMIT, type CampaignRow } from '../campaigns/queries.ts';
import { ITEM_SORTS, type AcquisitionRow, type ItemRow, type RejectionRow } from '../report/lists.ts';
import { ACCOUNTS, ACQUISITIONS, CAMPAIGNS, cellsOf, IPS, ITEMS, REJECTIONS } from '../csv/columns.ts';
import type { Cell } from '../csv/write.ts';
import { caseName, oneOf, optionalText, requiredText, wholeNumber, yesNo, type Input } from './input.ts';

export const ORDERS = ['asc', 'desc'] as const;
export type Order = (typeof ORDERS)[number];

/** The sorts of the account and originating-IP lists. */
export const VOLUME_SORTS = ['deliveries', 'items', 'messages', 'recipients', 'firstSeen', 'lastSeen'] as const;

/** Rows a list shows when no limit is given. */
export const DEFAULT_LIMIT = 50;

/** Sender accounts or originating IPs: sort, order, page, search. */
export const volumeListInput = v.object({
  sort: v.optional(oneOf(VOLUME_SORTS), 'deliveries'),
  order: v.optional(oneOf(ORDERS), 'desc'),
  limit: v.optional(wholeNumber(1, MAX_VOLUME_LIMIT), DEFAULT_LIMIT),
  offset: v.optional(wholeNumber(0), 0),
  search: optionalText(200),
});

/** Campaigns: largest first by default (sort by messages, descending); by number, ascending. */
export const campaignListInput = v.pipe(
  v.object({
    sort: v.optional(oneOf(CAMPAIGN_SORTS), 'messages'),
    order: v.optional(oneOf(ORDERS)),
    limit: v.optional(wholeNumber(1, MAX_CAMPAIGN_LIMIT), DEFAULT_LIMIT),
    offset: v.optional(wholeNumber(0), 0),
    search: optionalText(200),
  }),
  v.transform((q) => ({ ...q, order: q.order ?? (q.sort === 'messages' ? 'desc' : 'asc') })),
);

/** One campaign by its number, a page of its members, and optionally why one member belongs. */
export const campaignInput = v.object({
  number: wholeNumber(1),
  member: optionalText(80),
  limit: v.optional(wholeNumber(1, MAX_CAMPAIGN_LIMIT), DEFAULT_LIMIT),
  offset: v.optional(wholeNumber(0), 0),
});

/** A case's items, paged by keyset (`after` is the previous page's cursor); more than 500 a page are cut to 500. */
export const itemListInput = v.object({
  sort: v.optional(oneOf(ITEM_SORTS), 'bates'),
  order: v.optional(oneOf(ORDERS), 'asc'),
  limit: v.optional(wholeNumber(1)),
  after: optionalText(500),
  before: optionalText(500),
  search: optionalText(200),
  party: optionalText(10),
  parseErrors: yesNo(),
});

/** A page of an unfiltered list (acquisitions, rejections). */
export const pageInput = v.object({ after: optionalText(500) });

export const messageInput = v.object({ case: caseName, ref: requiredText(200) });

export type VolumeListInput = Input<typeof volumeListInput>;
export type CampaignListInput = Input<typeof campaignListInput>;
export type CampaignInput = Input<typeof campaignInput>;
export type ItemListInput = Input<typeof itemListInput>;

/**
 * The staff CSV of each list (`spamcase accounts|ips|campaigns --csv`, the web's downloads): its
 * columns (server/csv/columns.ts, the bundle's spelling) and one row's cells. Written under the
 * STAFF_CSV policy (server/csv/write.ts).
 */
export interface ListCsv<R> {
  columns: readonly string[];
  cells(row: R): Cell[];
}

export const ACCOUNTS_CSV: ListCsv<AccountRow> = {
  columns: ACCOUNTS.list!,
  cells: (a) =>
    cellsOf(ACCOUNTS.list!, {
      account: a.address,
      provider: a.provider,
      deliveries: a.deliveries,
      items: a.items,
      messages: a.messages,
      recipients: a.recipients,
      first_seen: a.firstSeen,
      last_seen: a.lastSeen,
      parties: a.parties,
      evidence: a.evidence,
      signals: a.signals,
      defendant: a.defendant,
    }),
};

export const IPS_CSV: ListCsv<IpRow> = {
  columns: IPS.list!,
  cells: (a) =>
    cellsOf(IPS.list!, {
      originating_ip: a.ip,
      deliveries: a.deliveries,
      items: a.items,
      messages: a.messages,
      recipients: a.recipients,
      first_seen: a.firstSeen,
      last_seen: a.lastSeen,
      parties: a.parties,
      evidence: a.evidence,
      defendant: a.defendant,
    }),
};

export const CAMPAIGNS_CSV: ListCsv<CampaignRow> = {
  columns: CAMPAIGNS.list!,
  cells: (k) =>
    cellsOf(CAMPAIGNS.list!, {
      campaign: k.number,
      exemplar_bates: k.exemplarBates,
      subject: k.subject,
      messages: k.messages,
      deliveries: k.deliveries,
      accounts: k.accounts,
      originating_ips: k.originatingIps,
      first_date: k.firstDate,
      last_date: k.lastDate,
    }),
};

export const ITEMS_CSV: ListCsv<ItemRow> = {
  columns: ITEMS.list!,
  cells: (r) =>
    cellsOf(ITEMS.list!, {
      bates: r.bates,
      sha256: r.sha256,
      size: r.size,
      date: r.date,
      from: r.from,
      subject: r.subject,
      parse_error: r.parseError,
    }),
};

export const ACQUISITIONS_CSV: ListCsv<AcquisitionRow> = {
  columns: ACQUISITIONS.list!,
  cells: (r) =>
    cellsOf(ACQUISITIONS.list!, {
      acquisition: r.id,
      party: r.party,
      method: r.method,
      source: r.source,
      file_name: r.fileName,
      custodian: r.custodian,
      notes: r.notes,
      source_sha256: r.sourceSha256,
      source_bytes: r.sourceBytes,
      operator: r.operator,
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      status: r.status,
      samples: r.samples,
      new_items: r.newItems,
      rejected: r.rejected,
    }),
};

export const REJECTIONS_CSV: ListCsv<RejectionRow> = {
  columns: REJECTIONS.list!,
  cells: (r) =>
    cellsOf(REJECTIONS.list!, {
      acquisition: r.acquisitionId,
      locator: r.locator,
      reason: r.reason,
      size: r.size,
      sha256: r.sha256,
    }),
};
