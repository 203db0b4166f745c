/**
 * gatherSummaryData: the snapshot the PDF renders, from what the index holds. Every query is an
 * aggregate or a top-N with a limit, so a case of a million deliveries gathers in seconds and the
 * PDF stays small; the full lists are the bundle's CSVs.
 *
 * Sections from the other parts: accounts, originating IPs and defendants (server/attribution/),
 * campaigns with an excerpt of each exemplar (server/campaigns/), damages under a rule set when
 * one is asked for (server/damages/); the bundle passes `bundle` in opts when it renders the PDF
 * it embeds.
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { SpamcaseError } from '../errors.ts';
import { caseReport } from '../report/counts.ts';
import { listCustodyEvents, verifyCustodyChain } from '../custody/chain.ts';
import type {
  DailyDeliveries,
  SummaryAccountRow,
  SummaryAcquisition,
  SummaryBundle,
  SummaryDamages,
  SummaryData,
  SummaryLogs,
  SummarySubpoena,
} from './types.ts';
import { attemptVolumes } from '../logs/volumes.ts';
import { itemAttributions, listAccounts, listOriginatingIps, type VolumeRow } from '../attribution/queries.ts';
import { listDefendants } from '../attribution/defendants.ts';
import { providerAccounts, summarizeProviders } from '../attribution/subpoena.ts';
import { ownerOf, OWNER_DATA_LABEL } from '../networks/owners.ts';
import { listCampaigns } from '../campaigns/queries.ts';
import { extractBodyText } from '../mail/text/body-text.ts';
import { htmlToText } from '../mail/text/html-text.ts';
import { itemDetail, readItemBytes } from '../report/item-view.ts';
import { caseDamages } from '../damages/case-damages.ts';
import { methodText } from '../damages/method-text.ts';
import { claimDeliveries } from '../damages/compute.ts';

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
  /** A damages rule set (name or file): the PDF then holds the damages table and its method. */
  rules?: string;
  /**
   * The custody event the summary is as of (default: the latest). The bundle passes the event it
   * exports as of, so that its own export event, written after, does not change the PDF's bytes.
   */
  asOfSeq?: number;
}

const num = (v: unknown): number => Number(v ?? 0);

async function acquisitions(knex: Knex, caseId: number): Promise<{ rows: SummaryAcquisition[]; total: number }> {
  const totalRow = (await knex('acquisitions').where({ case_id: caseId }).count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  const rows = (await knex('acquisitions as a')
    .join('parties as p', 'p.id', 'a.party_id')
    .where({ 'a.case_id': caseId })
    .orderBy('a.id')
    .limit(MAX_ACQUISITIONS_SHOWN)
    .select(
      'a.id',
      'p.name as party',
      'a.method',
      'a.source_name',
      'a.source_sha256',
      'a.source_bytes',
      'a.operator',
      'a.started_at',
      'a.finished_at',
      'a.status',
      'a.samples',
      'a.new_items',
      'a.rejected',
    )) as Array<Record<string, unknown>>;
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

/**
 * Deliveries per day per plaintiff, counted as the report counts them per party: distinct
 * (message, recipient) among the party's samples, dated by the message.
 */
async function deliveriesPerDay(
  knex: Knex,
  caseId: number,
  parties: Array<{ id: number; name: string }>,
): Promise<DailyDeliveries[]> {
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

const toRow = (key: string, r: VolumeRow): SummaryAccountRow => ({
  key,
  deliveries: r.deliveries,
  messages: r.messages,
  recipients: r.recipients,
  firstSeen: r.firstSeen,
  lastSeen: r.lastSeen,
  evidence: r.evidence,
  defendant: r.defendant,
});

/** Top accounts and originating IPs by deliveries, and the defendants (server/attribution/). */
async function attributionSections(
  knex: Knex,
  caseId: number,
  limit: number,
): Promise<Pick<SummaryData, 'accounts' | 'originatingIps' | 'defendants'>> {
  const accounts = await listAccounts(knex, caseId, { sort: 'deliveries', order: 'desc', limit });
  const ips = await listOriginatingIps(knex, caseId, { sort: 'deliveries', order: 'desc', limit });
  const defendants = await listDefendants(knex, caseId);
  return {
    accounts: { total: accounts.total, csvName: 'accounts.csv', rows: accounts.rows.map((r) => toRow(r.address, r)) },
    originatingIps: { total: ips.total, csvName: 'ips.csv', rows: ips.rows.map((r) => toRow(r.ip, r)) },
    ...(defendants.length > 0
      ? {
          defendants: defendants.map((d) => ({
            name: d.name,
            accounts: d.accounts.length,
            ips: d.ips.length,
            deliveries: d.deliveries,
          })),
        }
      : {}),
  };
}

/** Network operators and account providers shown in the PDF. */
export const TOP_SUBPOENA = 15;

/**
 * The subpoena lists' heads: network operators from the originating IPs' volumes (deliveries, first and last
 * seen by Date header: cheap at any size; the bundle's subpoena-networks.csv has every delivery with both
 * times), and account providers with their accounts.
 */
async function subpoenaSection(knex: Knex, caseId: number): Promise<Pick<SummaryData, 'subpoena'>> {
  const ips = (await knex('originating_ips')
    .where({ case_id: caseId })
    .select('ip', 'deliveries', 'first_seen', 'last_seen')) as Array<{
    ip: string;
    deliveries: number | string;
    first_seen: string | null;
    last_seen: string | null;
  }>;
  const providers = summarizeProviders(await providerAccounts(knex, caseId));
  if (ips.length === 0 && providers.length === 0) return {};
  const by = new Map<string, SummarySubpoena['operators'][number]>();
  for (const r of ips) {
    const o = ownerOf(r.ip);
    const asn = o?.kind === 'network' ? `AS${o.asn}` : '';
    const name = o?.name ?? 'not an address';
    const key = `${asn}\n${name}`;
    const g = by.get(key) ?? { asn, name, ips: 0, deliveries: 0, firstSeen: null, lastSeen: null };
    g.ips++;
    g.deliveries += num(r.deliveries);
    if (r.first_seen !== null && (g.firstSeen === null || r.first_seen < g.firstSeen)) g.firstSeen = r.first_seen;
    if (r.last_seen !== null && (g.lastSeen === null || r.last_seen > g.lastSeen)) g.lastSeen = r.last_seen;
    by.set(key, g);
  }
  const operators = [...by.values()].sort(
    (x, y) => y.deliveries - x.deliveries || (x.asn + x.name < y.asn + y.name ? -1 : 1),
  );
  return {
    subpoena: {
      ownerData: OWNER_DATA_LABEL,
      operators: operators.slice(0, TOP_SUBPOENA),
      operatorsTotal: operators.length,
      providers: providers.slice(0, TOP_SUBPOENA).map((p) => ({
        provider: p.accountProvider,
        accounts: p.accounts,
        deliveries: p.deliveries,
        firstSeen: p.firstSeenUtc,
        lastSeen: p.lastSeenUtc,
      })),
      providersTotal: providers.length,
    },
  };
}

/** Campaigns shown in the PDF, largest first, each with its exemplar. */
export const TOP_CAMPAIGNS = 10;
/** Characters of exemplar text quoted (the renderer bounds and sanitizes it again). */
const EXCERPT_CHARS = 400;

/** The largest campaigns with an excerpt of each exemplar's text, read from the evidence store. */
async function campaignSection(ctx: Context, slug: string, caseId: number): Promise<Pick<SummaryData, 'campaigns'>> {
  const knex = ctx.db.knex;
  const list = await listCampaigns(knex, caseId, { sort: 'messages', limit: TOP_CAMPAIGNS });
  if (list.total === 0) return {};
  const rows = [];
  for (const r of list.rows) {
    const detail = await itemDetail(knex, caseId, r.exemplarBates);
    const raw = readItemBytes(ctx, slug, detail);
    const body = extractBodyText(raw);
    const text = (body.plain[0] ?? (body.html[0] === undefined ? '' : htmlToText(body.html[0]).text))
      .replace(/\s+/g, ' ')
      .trim();
    rows.push({
      number: r.number,
      messages: r.messages,
      deliveries: r.deliveries,
      accounts: r.accounts,
      firstDate: r.firstDate,
      lastDate: r.lastDate,
      exemplar: {
        bates: r.exemplarBates,
        date: detail.date,
        subject: r.subject,
        sender: (await itemAttributions(knex, caseId, [r.exemplarItemId])).get(r.exemplarItemId)?.account ?? null,
        excerpt: text === '' ? null : text.slice(0, EXCERPT_CHARS),
      },
    });
  }
  return { campaigns: { total: list.total, csvName: 'campaigns.csv', rows } };
}

/** The damages table under a rule set, in minor units, with the method in both languages. */
async function damagesSection(knex: Knex, slug: string, rules: string): Promise<SummaryDamages> {
  const { result } = await caseDamages(knex, slug, { rules });
  const minor = (v: bigint) => Number(v);
  const violations = (c: (typeof result.claims)[number]) =>
    Object.values(c.counts).reduce((n, u) => n + u.deliveries, 0);
  return {
    ruleSet: result.ruleSet.title,
    currency: result.ruleSet.currency,
    ...(result.attempts === null ? {} : { attempts: true }),
    rows: result.claims.map((c) => ({
      plaintiff: c.plaintiff,
      defendant: c.defendant,
      violations: violations(c),
      ...(result.allocation.rule === 'shared'
        ? {
            violationsShare: claimDeliveries(c),
            violations: claimDeliveries(c).numerator / claimDeliveries(c).denominator,
          }
        : {}),
      ...(result.attempts === null ? {} : { attempts: c.attemptUnits }),
      low: minor(c.total.low),
      claimed: minor(c.total.claimed),
      max: minor(c.total.max),
    })),
    totals: { low: minor(result.total.low), claimed: minor(result.total.claimed), max: minor(result.total.max) },
    method: { en: methodText(result, 'en'), fr: methodText(result, 'fr') },
  };
}

/** Attempts per account and IP from the mail server logs, when the case has any (the full lists: attempts.csv). */
async function logsSection(knex: Knex, caseId: number, limit: number): Promise<{ logs?: SummaryLogs }> {
  const files = (await knex('log_files').where({ case_id: caseId }).count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  if (Number(files?.n ?? 0) === 0) return {};
  const v = await attemptVolumes(knex, caseId);
  return {
    logs: {
      totals: v.totals,
      accounts: { total: v.accounts.length, rows: v.accounts.slice(0, limit) },
      ips: { total: v.ips.length, rows: v.ips.slice(0, limit) },
    },
  };
}

export async function gatherSummaryData(ctx: Context, caseId: number, opts: GatherOptions = {}): Promise<SummaryData> {
  const knex = ctx.db.knex;
  const c = (await knex('cases').where({ id: caseId }).first('id', 'slug', 'title', 'created_at')) as
    { id: number; slug: string; title: string; created_at: string } | undefined;
  if (!c) throw new SpamcaseError('CASE_NOT_FOUND', `no case with id ${caseId}`);
  const report = await caseReport(knex, c.slug);
  const parties = (await knex('parties')
    .where({ case_id: caseId })
    .orderBy('id')
    .select('id', 'name', 'bates_prefix')) as Array<{ id: number; name: string; bates_prefix: string }>;
  const allEvents = await listCustodyEvents(knex, caseId, c.slug);
  const events = opts.asOfSeq === undefined ? allEvents : allEvents.filter((e) => e.seq <= opts.asOfSeq!);
  const last = events[events.length - 1];
  if (!last) throw new SpamcaseError('STORE_CORRUPT', `case "${c.slug}" has no custody event`);
  if (opts.asOfSeq !== undefined && last.seq !== opts.asOfSeq)
    throw new SpamcaseError('INVALID_INPUT', `case "${c.slug}" has no custody event ${opts.asOfSeq}`);
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
    ...(await attributionSections(knex, caseId, opts.topAccounts ?? TOP_ACCOUNTS)),
    ...(await subpoenaSection(knex, caseId)),
    ...(await campaignSection(ctx, c.slug, caseId)),
    ...(await logsSection(knex, caseId, opts.topAccounts ?? TOP_ACCOUNTS)),
    ...(opts.rules === undefined ? {} : { damages: await damagesSection(knex, c.slug, opts.rules) }),
    timeline: await deliveriesPerDay(
      knex,
      caseId,
      parties.map((p) => ({ id: Number(p.id), name: p.name })),
    ),
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
