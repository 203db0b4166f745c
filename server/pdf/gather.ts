/**
 * gatherSummaryData: the snapshot the PDF renders, from what the index holds. Every query is an
 * aggregate or a top-N with a limit, so a case of a million deliveries gathers in seconds and the
 * PDF stays small; the full lists are the bundle's CSVs.
 *
 * Where the other parts plug in (one place each, marked PLUG-IN below): attribution fills
 * `accounts` (listAccounts), `originatingIps` (listOriginatingIps), `defendants` (listDefendants)
 * and `attributionMethod`; campaigns fills `campaigns` (listCampaigns + exemplar); damages fills
 * `damages` (computeDamages + methodText); the bundle passes `bundle` in opts when it renders the
 * PDF it embeds.
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { SpamcaseError } from '../errors.ts';
import { caseReport } from '../report/counts.ts';
import { listCustodyEvents, verifyCustodyChain } from '../custody/chain.ts';
import type { DailyDeliveries, SummaryAcquisition, SummaryBundle, SummaryData, SummaryTopList } from './types.ts';

/** Rows in the top accounts table. */
export const TOP_ACCOUNTS = 25;
/** Acquisitions listed one by one (the custody log in the bundle has all of them). */
export const MAX_ACQUISITIONS_SHOWN = 200;

export interface GatherOptions {
  /** The producing organization (caption, metadata author, declaration). */
  organization?: string;
  jurisdiction?: string;
  /** Given by the bundle when the PDF is rendered for it. */
  bundle?: SummaryBundle;
  topAccounts?: number;
  /**
   * The custody event the summary is as of (default: the latest). The bundle passes the event it
   * exports as of, so that its own export event, written after, does not change the PDF's bytes.
   */
  asOfSeq?: number;
}

const num = (v: unknown): number => Number(v ?? 0);

async function acquisitions(knex: Knex, caseId: number): Promise<{ rows: SummaryAcquisition[]; total: number }> {
  const totalRow = (await knex('acquisitions').where({ case_id: caseId }).count({ n: '*' }).first()) as { n: number | string } | undefined;
  const rows = (await knex('acquisitions as a')
    .join('parties as p', 'p.id', 'a.party_id')
    .where({ 'a.case_id': caseId })
    .orderBy('a.id')
    .limit(MAX_ACQUISITIONS_SHOWN)
    .select('a.id', 'p.name as party', 'a.method', 'a.source_name', 'a.source_sha256', 'a.source_bytes', 'a.operator', 'a.started_at', 'a.finished_at', 'a.status', 'a.samples', 'a.new_items', 'a.rejected')) as Array<Record<string, unknown>>;
  return {
    total: num(totalRow?.n),
    rows: rows.map((a) => ({
      id: num(a.id),
      party: String(a.party),
      method: String(a.method),
      source: String(a.source_name),
      sourceSha256: (a.source_sha256 as string | null) ?? null,
      sourceBytes: a.source_bytes === null ? null : num(a.source_bytes),
      operator: String(a.operator),
      startedAt: String(a.started_at),
      finishedAt: (a.finished_at as string | null) ?? null,
      status: String(a.status),
      samples: num(a.samples),
      newItems: num(a.new_items),
      rejected: num(a.rejected),
    })),
  };
}

/** Accounts as main knows them: header From addresses, ranked by deliveries. */
async function headerFromAccounts(knex: Knex, caseId: number, total: number, limit: number): Promise<SummaryTopList> {
  const rows = (await knex('deliveries as d')
    .join('messages as m', 'm.id', 'd.message_id')
    .where('d.case_id', caseId)
    .whereNotNull('m.from_address')
    .groupBy('m.from_address')
    .select('m.from_address as address')
    .count({ deliveries: '*' })
    .countDistinct({ messages: 'd.message_id' })
    .countDistinct({ recipients: 'd.recipient' })
    .min({ first: 'm.date' })
    .max({ last: 'm.date' })
    .orderBy([
      { column: 'deliveries', order: 'desc' },
      { column: 'address', order: 'asc' },
    ])
    .limit(limit)) as Array<Record<string, unknown>>;
  return {
    total,
    csvName: 'accounts.csv',
    rows: rows.map((r) => ({
      key: String(r.address),
      deliveries: num(r.deliveries),
      messages: num(r.messages),
      recipients: num(r.recipients),
      firstSeen: (r.first as string | null) ?? null,
      lastSeen: (r.last as string | null) ?? null,
      evidence: 'From',
      defendant: null,
    })),
  };
}

/**
 * Deliveries per day per plaintiff, counted as the report counts them per party: distinct
 * (message, recipient) among the party's samples, dated by the message.
 */
async function deliveriesPerDay(knex: Knex, caseId: number, parties: Array<{ id: number; name: string }>): Promise<DailyDeliveries[]> {
  const perParty = knex('samples as s')
    .join('acquisitions as a', 'a.id', 's.acquisition_id')
    .where('s.case_id', caseId)
    .distinct('a.party_id', 's.message_id', 's.recipient')
    .as('x');
  const rows = (await knex
    .from(perParty)
    .join('messages as m', 'm.id', 'x.message_id')
    .groupBy('x.party_id', knex.raw('substr(m.date, 1, 10)'))
    .select('x.party_id as party', knex.raw('substr(m.date, 1, 10) as day'))
    .count({ n: '*' })) as Array<{ party: number; day: string | null; n: number | string }>;
  return parties.map((p) => {
    const mine = rows.filter((r) => num(r.party) === p.id);
    return {
      party: p.name,
      days: mine
        .filter((r) => r.day !== null)
        .map((r): [string, number] => [String(r.day), num(r.n)])
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      undated: mine.filter((r) => r.day === null).reduce((a, r) => a + num(r.n), 0),
    };
  });
}

export async function gatherSummaryData(ctx: Context, caseId: number, opts: GatherOptions = {}): Promise<SummaryData> {
  const knex = ctx.db.knex;
  const c = (await knex('cases').where({ id: caseId }).first('id', 'slug', 'title', 'created_at')) as { id: number; slug: string; title: string; created_at: string } | undefined;
  if (!c) throw new SpamcaseError('CASE_NOT_FOUND', `no case with id ${caseId}`);
  const report = await caseReport(knex, c.slug);
  const parties = (await knex('parties').where({ case_id: caseId }).orderBy('id').select('id', 'name', 'bates_prefix')) as Array<{ id: number; name: string; bates_prefix: string }>;
  const allEvents = await listCustodyEvents(knex, caseId, c.slug);
  const events = opts.asOfSeq === undefined ? allEvents : allEvents.filter((e) => e.seq <= opts.asOfSeq!);
  const last = events[events.length - 1];
  if (!last) throw new SpamcaseError('STORE_CORRUPT', `case "${c.slug}" has no custody event`);
  if (opts.asOfSeq !== undefined && last.seq !== opts.asOfSeq) throw new SpamcaseError('INVALID_INPUT', `case "${c.slug}" has no custody event ${opts.asOfSeq}`);
  const acq = await acquisitions(knex, caseId);

  const data: SummaryData = {
    case: { id: Number(c.id), slug: c.slug, title: c.title, createdAt: c.created_at },
    asOf: { seq: last.seq, at: last.at, hash: last.hash },
    organization: opts.organization ?? null,
    jurisdiction: opts.jurisdiction ?? null,
    plaintiffs: parties.map((p) => ({ name: p.name, batesPrefix: p.bates_prefix })),
    report,
    acquisitions: acq.rows,
    acquisitionsTotal: acq.total,
    // PLUG-IN attribution: accounts = listAccounts(db, caseId, { sort: 'deliveries', order: 'desc', limit }),
    // originatingIps = listOriginatingIps(...) (csvName 'ips.csv'), defendants = listDefendants(db, caseId),
    // attributionMethod = { en: [...], fr: [...] } (or reword methodAttribution in templates/pdf/*.json).
    accounts: await headerFromAccounts(knex, caseId, report.accounts, opts.topAccounts ?? TOP_ACCOUNTS),
    // PLUG-IN campaigns: campaigns = listCampaigns(db, caseId, { limit }) with each exemplar's excerpt.
    // PLUG-IN damages: damages = { ruleSet, currency, rows, totals, method: { en: methodText(result, 'en'), fr: methodText(result, 'fr') } }
    // when a rule set is given (GatherOptions gains `ruleSet`; spamcase pdf gains --rules).
    timeline: await deliveriesPerDay(knex, caseId, parties.map((p) => ({ id: Number(p.id), name: p.name }))),
    custody: {
      total: events.length,
      events: events.map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, hash: e.hash })),
      finalHash: last.hash,
      chainIntact: verifyCustodyChain(events).length === 0,
    },
  };
  if (opts.bundle) data.bundle = opts.bundle;
  return data;
}
