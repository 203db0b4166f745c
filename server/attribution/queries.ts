/**
 * Reading attribution: per item, and the account and originating-IP lists with their volumes.
 * Lists read the aggregate tables (accounts, originating_ips) through their (case_id, deliveries)
 * index, then fetch parties, defendants and signals for the page's rows only.
 */
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import type { DkimStatus } from './account.ts';
import { accountSignals, BURST_WINDOW_MS, localShape } from './signals.ts';
import { accountKey } from './record.ts';

export interface ItemAttribution {
  account: string | null;
  accountEvidence: string;
  originatingIp: string | null;
  ipEvidence: string;
  dkim: DkimStatus;
  conflicts: string[];
  /** The chain walk's stored result (docs/ATTRIBUTION.md section 2); null on rows attributed before it. */
  handoffIp: string | null;
  handoffHost: string | null;
  handoffProvider: string | null;
  handoffAt: string | null;
  originSource: string | null;
  originLine: number | null;
  originAt: string | null;
  beliefStoppedLine: number | null;
  walkSignals: string[];
}

export interface ListOptions {
  sort?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  search?: string;
}

export interface VolumeRow {
  deliveries: number;
  items: number;
  messages: number;
  recipients: number;
  firstSeen: string | null;
  lastSeen: string | null;
  parties: string[];
  evidence: string;
  signals: string[];
  defendant: string | null;
}
export interface AccountRow extends VolumeRow {
  address: string;
  provider: string;
}
export interface IpRow extends VolumeRow {
  ip: string;
}

/** Largest page a list returns. */
export const MAX_LIST_LIMIT = 10_000;
const SORTS: Record<string, string> = {
  deliveries: 'deliveries',
  items: 'items',
  messages: 'messages',
  recipients: 'recipients',
  firstSeen: 'first_seen',
  lastSeen: 'last_seen',
  first_seen: 'first_seen',
  last_seen: 'last_seen',
};

export async function itemAttributions(
  db: Knex,
  caseId: number,
  itemIds: number[],
): Promise<Map<number, ItemAttribution>> {
  const out = new Map<number, ItemAttribution>();
  for (let i = 0; i < itemIds.length; i += 500) {
    // "+case_id": SQLite would otherwise read the case's (case_id, account_key) index end to end
    // (2.4 s per 500 ids at a million items) instead of looking each item up by its key.
    const rows = (await db('item_attributions')
      .whereRaw('+case_id = ?', [caseId])
      .whereIn('item_id', itemIds.slice(i, i + 500))) as Array<Record<string, unknown>>;
    for (const r of rows) {
      out.set(Number(r.item_id), {
        account: (r.account as string | null) ?? null,
        accountEvidence: String(r.account_evidence),
        originatingIp: (r.originating_ip as string | null) ?? null,
        ipEvidence: String(r.ip_evidence),
        dkim: r.dkim as DkimStatus,
        conflicts: JSON.parse(String(r.conflicts)) as string[],
        handoffIp: (r.handoff_ip as string | null) ?? null,
        handoffHost: (r.handoff_host as string | null) ?? null,
        handoffProvider: (r.handoff_provider as string | null) ?? null,
        handoffAt: (r.handoff_at as string | null) ?? null,
        originSource: (r.origin_source as string | null) ?? null,
        originLine: r.origin_line === null || r.origin_line === undefined ? null : Number(r.origin_line),
        originAt: (r.origin_at as string | null) ?? null,
        beliefStoppedLine:
          r.belief_stopped_line === null || r.belief_stopped_line === undefined ? null : Number(r.belief_stopped_line),
        walkSignals: r.walk_signals ? (JSON.parse(String(r.walk_signals)) as string[]) : [],
      });
    }
  }
  return out;
}

function pageOptions(opts: ListOptions): { sort: string; order: 'asc' | 'desc'; limit: number; offset: number } {
  const sort = SORTS[opts.sort ?? 'deliveries'];
  if (sort === undefined)
    throw new SpamcaseError(
      'USAGE',
      `must be one of ${Object.keys(SORTS)
        .filter((k) => !k.includes('_'))
        .join(', ')}`,
      { field: 'sort' },
    );
  const limit = opts.limit ?? 50;
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new SpamcaseError('USAGE', `must be a whole number from 1 to ${MAX_LIST_LIMIT}`, { field: 'limit' });
  if (!Number.isInteger(offset) || offset < 0)
    throw new SpamcaseError('USAGE', 'must be a whole number, 0 or more', { field: 'offset' });
  return { sort, order: opts.order ?? 'desc', limit, offset };
}

async function listVolumes(
  db: Knex,
  caseId: number,
  kind: 'a' | 'i',
  opts: ListOptions,
): Promise<{ total: number; rows: Array<Record<string, unknown>> }> {
  const table = kind === 'a' ? 'accounts' : 'originating_ips';
  const keyCol = kind === 'a' ? 'address' : 'ip';
  const p = pageOptions(opts);
  const base = () => {
    const q = db(table).where({ case_id: caseId });
    if (opts.search) q.where(keyCol, 'like', `%${opts.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return q;
  };
  const total = Number(((await base().count({ n: '*' }).first()) as { n: number | string }).n);
  const rows = (await base()
    .orderBy([
      { column: p.sort, order: p.order },
      { column: keyCol, order: 'asc' },
    ])
    .limit(p.limit)
    .offset(p.offset)) as Array<Record<string, unknown>>;
  return { total, rows };
}

async function pageExtras(
  db: Knex,
  caseId: number,
  kind: 'a' | 'i',
  keys: string[],
): Promise<{ parties: Map<string, string[]>; defendants: Map<string, string> }> {
  const parties = new Map<string, string[]>();
  const defendants = new Map<string, string>();
  if (keys.length === 0) return { parties, defendants };
  const pr = (await db('volume_parties as v')
    .join('parties as p', 'p.id', 'v.party_id')
    .where({ 'v.case_id': caseId, 'v.kind': kind })
    .whereIn('v.key', keys)
    .orderBy('p.name')
    .select('v.key', 'p.name')) as Array<{ key: string; name: string }>;
  for (const r of pr) parties.set(r.key, [...(parties.get(r.key) ?? []), r.name]);
  const dr = (await db('defendant_members as m')
    .join('defendants as d', 'd.id', 'm.defendant_id')
    .where({ 'm.case_id': caseId, 'm.kind': kind === 'a' ? 'account' : 'ip' })
    .whereIn('m.key', keys)
    .select('m.key', 'd.name')) as Array<{ key: string; name: string }>;
  for (const r of dr) defendants.set(r.key, r.name);
  return { parties, defendants };
}

function volume(
  r: Record<string, unknown>,
  key: string,
  extras: { parties: Map<string, string[]>; defendants: Map<string, string> },
): VolumeRow {
  return {
    deliveries: Number(r.deliveries),
    items: Number(r.items),
    messages: Number(r.messages),
    recipients: Number(r.recipients),
    firstSeen: (r.first_seen as string | null) ?? null,
    lastSeen: (r.last_seen as string | null) ?? null,
    parties: extras.parties.get(key) ?? [],
    evidence: String(r.evidence),
    signals: [],
    defendant: extras.defendants.get(key) ?? null,
  };
}

/** Accounts of the shown rows' shapes first seen near them: the creation-burst signal. Bounded scan. */
const MAX_BURST_SCAN = 50_000;
async function burstPeers(
  db: Knex,
  caseId: number,
  rows: Array<{ address: string; first_seen: string | null }>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const dated = rows.filter((r) => r.first_seen !== null);
  if (dated.length === 0) return out;
  const times = dated.map((r) => Date.parse(r.first_seen!));
  const lo = new Date(Math.min(...times) - BURST_WINDOW_MS).toISOString();
  const hi = new Date(Math.max(...times) + BURST_WINDOW_MS).toISOString();
  const near = (await db('accounts')
    .where({ case_id: caseId })
    .whereBetween('first_seen', [lo, hi])
    .limit(MAX_BURST_SCAN)
    .select('address', 'first_seen')) as Array<{ address: string; first_seen: string }>;
  const shapeOf = (a: string) => {
    const at = a.lastIndexOf('@');
    return `${localShape(a.slice(0, at))}@${a.slice(at + 1)}`;
  };
  const byShape = new Map<string, number[]>();
  for (const n of near)
    byShape.set(shapeOf(n.address), [...(byShape.get(shapeOf(n.address)) ?? []), Date.parse(n.first_seen)]);
  for (const r of dated) {
    const t = Date.parse(r.first_seen!);
    out.set(
      r.address,
      (byShape.get(shapeOf(r.address)) ?? []).filter((x) => Math.abs(x - t) <= BURST_WINDOW_MS).length,
    );
  }
  return out;
}

export async function listAccounts(
  db: Knex,
  caseId: number,
  opts: ListOptions = {},
): Promise<{ total: number; rows: AccountRow[] }> {
  const { total, rows } = await listVolumes(db, caseId, 'a', opts);
  const keys = rows.map((r) => String(r.address));
  const extras = await pageExtras(db, caseId, 'a', keys);
  const bursts = await burstPeers(
    db,
    caseId,
    rows.map((r) => ({ address: String(r.address), first_seen: (r.first_seen as string | null) ?? null })),
  );
  return {
    total,
    rows: rows.map((r) => {
      const address = String(r.address);
      const v = volume(r, address, extras);
      v.signals = accountSignals({ address, messages: v.messages, burstPeers: bursts.get(address) ?? 0 });
      return { address, provider: String(r.provider), ...v };
    }),
  };
}

export async function listOriginatingIps(
  db: Knex,
  caseId: number,
  opts: ListOptions = {},
): Promise<{ total: number; rows: IpRow[] }> {
  const { total, rows } = await listVolumes(db, caseId, 'i', opts);
  const keys = rows.map((r) => String(r.ip));
  const extras = await pageExtras(db, caseId, 'i', keys);
  return { total, rows: rows.map((r) => ({ ip: String(r.ip), ...volume(r, String(r.ip), extras) })) };
}

/** Deliveries per day for one account or IP (the timeline beside it). */
export async function dailySeries(
  db: Knex,
  caseId: number,
  kind: 'account' | 'ip',
  key: string,
): Promise<Array<{ day: string; deliveries: number }>> {
  const rows = (await db('volume_days')
    .where({ case_id: caseId, kind: kind === 'account' ? 'a' : 'i', key })
    .orderBy('day')
    .select('day', 'deliveries')) as Array<{ day: string; deliveries: number | string }>;
  return rows.map((r) => ({ day: r.day, deliveries: Number(r.deliveries) }));
}

export interface ViolationCountRow {
  party: string;
  defendant: string | null;
  headerFalsity: boolean;
  deliveries: number;
  messages: number;
  accounts: number;
  days: number;
  /**
   * Under the shared allocation: how many plaintiffs harvested each of these deliveries (the party
   * claims 1/holders of each). Absent (1) otherwise.
   */
  holders?: number;
}

/**
 * Counts for damages: per party (plaintiff) a delivery is claimed for, per defendant (null for
 * accounts not grouped), and whether the delivery's attribution found false or misleading header
 * information. A delivery is attributed through its first item, as in the volumes.
 * `claimed` is a query of (party_id, message_id, recipient) rows: which plaintiff claims which
 * delivery (server/damages/allocation.ts); without it, every party that harvested the delivery.
 */
export async function violationCounts(
  db: Knex,
  caseId: number,
  claimed?: Knex.QueryBuilder,
  /** `claimed` has a `holders` column (the shared allocation): one row per number of holders too. */
  shared = false,
): Promise<ViolationCountRow[]> {
  const harvested = (
    claimed ??
    db('samples as s')
      .join('acquisitions as a', 'a.id', 's.acquisition_id')
      .where('s.case_id', caseId)
      .distinct('a.party_id', 's.message_id', 's.recipient')
  ).as('x');
  const rows = (await db
    .from(harvested)
    .join('deliveries as d', function () {
      this.on('d.message_id', 'x.message_id').andOn('d.recipient', 'x.recipient');
    })
    .join('messages as m', 'm.id', 'x.message_id')
    .join('parties as p', 'p.id', 'x.party_id')
    .leftJoin('item_attributions as ia', 'ia.item_id', 'd.first_item_id')
    .leftJoin('defendant_members as dm', function () {
      this.on('dm.case_id', 'd.case_id').andOn('dm.key', 'ia.account').andOnVal('dm.kind', 'account');
    })
    .leftJoin('defendants as df', 'df.id', 'dm.defendant_id')
    .groupBy(['p.name', 'df.name', 'ia.header_falsity', ...(shared ? ['x.holders'] : [])])
    .orderBy(['p.name', 'df.name', 'ia.header_falsity', ...(shared ? ['x.holders'] : [])])
    .select('p.name as party', 'df.name as defendant', 'ia.header_falsity as falsity')
    .modify((q) => {
      if (shared) q.select('x.holders as holders');
    })
    .count({ deliveries: '*' })
    .countDistinct({ messages: 'x.message_id' })
    .countDistinct({ accounts: 'ia.account' })
    .select(db.raw(`count(distinct substr(m.date, 1, 10)) as days`))) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    party: String(r.party),
    defendant: (r.defendant as string | null) ?? null,
    headerFalsity: r.falsity === true || Number(r.falsity) === 1,
    deliveries: Number(r.deliveries),
    messages: Number(r.messages),
    accounts: Number(r.accounts),
    days: Number(r.days),
    ...(shared ? { holders: Number(r.holders) } : {}),
  }));
}

/** Items attributed to one account, oldest first (the web's "messages of this account"). */
export async function accountItems(
  db: Knex,
  caseId: number,
  address: string,
  opts: { limit?: number; offset?: number } = {},
): Promise<Array<{ itemId: number; bates: string; date: string | null }>> {
  const rows = (await db('item_attributions as ia')
    .join('items as i', 'i.id', 'ia.item_id')
    .where({ 'ia.case_id': caseId, 'ia.account_key': accountKey(address), 'ia.account': address })
    .orderBy('ia.item_id')
    .limit(Math.min(opts.limit ?? 100, MAX_LIST_LIMIT))
    .offset(opts.offset ?? 0)
    .select('i.id', 'i.bates', 'i.date')) as Array<{ id: number | string; bates: string; date: string | null }>;
  return rows.map((r) => ({ itemId: Number(r.id), bates: r.bates, date: r.date }));
}
