/**
 * The bundle's index tables besides items.csv, as a list of named providers. Each provider writes
 * its rows (header first) for the case as of the export's custody event: accounts.csv, ips.csv,
 * campaigns.csv, deliveries.csv, damages.csv when the case has a chosen rule set, and labels.csv when
 * staff have put tags or notes on it.
 */
import type { Knex } from 'knex';
import type { Cell } from './csv.ts';
import { ACCOUNTS, CAMPAIGNS, DELIVERIES, IPS, OVERLAP } from '../csv/columns.ts';
import { partyOverlap } from '../report/overlap.ts';
import { inScope, type ExportScope } from './scope.ts';
import { caseDamages, getRuleSetChoice } from '../damages/case-damages.ts';
import { damagesCsv } from '../damages/exhibit.ts';
import { LABEL_COLUMNS, labelCells, labelRows } from '../labels/labels.ts';

export interface BundleTable {
  /** File name under data/ (e.g. "accounts.csv"). */
  name: string;
  header: readonly string[];
  /** Emit every row, in a deterministic order (never a database collation). */
  rows(db: Knex, scope: ExportScope, emit: (cells: Cell[]) => void): Promise<void>;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Messages per page when walking deliveries. */
const DELIVERY_PAGE = 2000;

/**
 * The case's items in scope, read in primary-key order on SQLite. With the case index SQLite reads
 * the items in index order, so every join lookup lands on another page: the three
 * `count(DISTINCT ...)` tables took 31 s of a 106 s export at a million messages, against 8 s read
 * in key order and grouped twice (per key and message, then per key: no distinct count). On
 * PostgreSQL the case index stays usable (a team server holds other cases).
 */
function itemsOfCase(db: Knex, scope: ExportScope): Knex.QueryBuilder {
  const q = db('items as i');
  if (db.client.config.client === 'pg') q.where('i.case_id', scope.caseId);
  else q.whereRaw('+i.case_id = ?', [scope.caseId]);
  return q;
}

/**
 * Items, distinct messages and the first item per key over the items in scope: grouped per key and
 * message first, then per key (`key` is the grouping column, `keyed` joins it to the items).
 */
async function perKeyCounts<K extends string | number>(
  db: Knex,
  scope: ExportScope,
  key: string,
  keyed: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
  dates = false,
): Promise<
  Array<{ k: K; items: number; messages: number; firstItem: number; first: string | null; last: string | null }>
> {
  const perMessage = inScope(keyed(itemsOfCase(db, scope)), 'i.first_acquisition_id', scope)
    .groupBy(key, 'i.message_id')
    .select(`${key} as k`)
    .count({ n: '*' })
    .min({ f: 'i.id' });
  if (dates) perMessage.min({ first: 'i.date' }).max({ last: 'i.date' });
  const q = db
    .from(perMessage.as('pm'))
    .groupBy('pm.k')
    .select('pm.k as k')
    .count({ messages: '*' })
    .sum({ items: 'pm.n' })
    .min({ firstItem: 'pm.f' });
  if (dates) q.min({ first: 'pm.first' }).max({ last: 'pm.last' });
  const rows = (await q) as Array<{
    k: K;
    items: number | string;
    messages: number | string;
    firstItem: number | string;
    first?: string | null;
    last?: string | null;
  }>;
  return rows.map((r) => ({
    k: r.k,
    items: Number(r.items),
    messages: Number(r.messages),
    firstItem: Number(r.firstItem),
    first: r.first ?? null,
    last: r.last ?? null,
  }));
}

/**
 * Per sender (account) or per originating IP, over the items in scope: items, messages, deliveries, first Bates number.
 */
function volumeTable(
  name: string,
  column: 'ia.account' | 'ia.originating_ip',
  header: readonly string[],
  extra: (key: string) => Cell[],
): BundleTable {
  return {
    name,
    header,
    async rows(db, scope, emit) {
      const counts = await perKeyCounts<string>(db, scope, column, (q) =>
        q.join('item_attributions as ia', 'ia.item_id', 'i.id').whereNotNull(column),
      );
      const deliveries = (await inScope(
        db('deliveries as d')
          .join('items as i', 'i.id', 'd.first_item_id')
          .join('item_attributions as ia', 'ia.item_id', 'd.first_item_id')
          .where('d.case_id', scope.caseId)
          .whereNotNull(column),
        'i.first_acquisition_id',
        scope,
      )
        .groupBy(column)
        .select(`${column} as k`)
        .count({ n: '*' })) as Array<{ k: string; n: number | string }>;
      const deliveriesBy = new Map(deliveries.map((d) => [d.k, Number(d.n)]));
      const bates = await batesOf(
        db,
        counts.map((c) => c.firstItem),
      );
      counts.sort((a, b) => byCodeUnits(a.k, b.k));
      for (const c of counts)
        emit([c.k, ...extra(c.k), c.items, c.messages, deliveriesBy.get(c.k) ?? 0, bates.get(c.firstItem) ?? '']);
    },
  };
}

async function batesOf(db: Knex, ids: number[]): Promise<Map<number, string>> {
  const bates = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const page = (await db('items')
      .whereIn('id', ids.slice(i, i + 500))
      .select('id', 'bates')) as Array<{ id: number; bates: string }>;
    for (const r of page) bates.set(Number(r.id), r.bates);
  }
  return bates;
}

/** Attributed sender accounts (server/attribution/): the evidence rank of each item is in items.csv. */
export const accountsTable = volumeTable('accounts.csv', 'ia.account', ACCOUNTS.bundle!, (address) => [
  address.slice(address.lastIndexOf('@') + 1),
]);

/** Originating IPs (server/attribution/). */
export const ipsTable = volumeTable('ips.csv', 'ia.originating_ip', IPS.bundle!, () => []);

/** Campaigns (server/campaigns/) over the items in scope. */
export const campaignsTable: BundleTable = {
  name: 'campaigns.csv',
  header: CAMPAIGNS.bundle!,
  async rows(db, scope, emit) {
    const counts = await perKeyCounts<number | string>(
      db,
      scope,
      'cm.campaign_number',
      (q) => q.join('campaign_members as cm', 'cm.message_id', 'i.message_id'),
      true,
    );
    const deliveries = (await inScope(
      db('deliveries as d')
        .join('items as i', 'i.id', 'd.first_item_id')
        .join('campaign_members as cm', 'cm.message_id', 'd.message_id')
        .where('d.case_id', scope.caseId),
      'i.first_acquisition_id',
      scope,
    )
      .groupBy('cm.campaign_number')
      .select('cm.campaign_number as number')
      .count({ n: '*' })) as Array<{ number: number | string; n: number | string }>;
    const deliveriesBy = new Map(deliveries.map((d) => [Number(d.number), Number(d.n)]));
    const bates = await batesOf(
      db,
      counts.map((c) => c.firstItem),
    );
    counts.sort((a, b) => Number(a.k) - Number(b.k));
    for (const c of counts)
      emit([
        Number(c.k),
        c.items,
        c.messages,
        deliveriesBy.get(Number(c.k)) ?? 0,
        bates.get(c.firstItem) ?? '',
        c.first,
        c.last,
      ]);
  },
};

export const deliveriesTable: BundleTable = {
  name: 'deliveries.csv',
  header: DELIVERIES.bundle!,
  async rows(db, scope, emit) {
    // Global bounds of the primary key (answered from the index ends); pages of other cases are empty.
    const max = Number(((await db('messages').max({ m: 'id' }).first()) as { m: number | string | null }).m ?? 0);
    const min = Number(((await db('messages').min({ m: 'id' }).first()) as { m: number | string | null }).m ?? 1);
    for (let lo = min - 1; lo < max; lo += DELIVERY_PAGE) {
      const rows = (await inScope(
        db('deliveries as d')
          .join('messages as m', 'm.id', 'd.message_id')
          .join('items as i', 'i.id', 'd.first_item_id')
          .where('d.case_id', scope.caseId)
          .where('d.message_id', '>', lo)
          .where('d.message_id', '<=', lo + DELIVERY_PAGE),
        'i.first_acquisition_id',
        scope,
      ).select(
        'd.message_id',
        'd.recipient',
        'd.recipient_source',
        'i.bates',
        'm.header_message_id',
        'm.from_address',
        'm.date',
        'm.subject',
      )) as Array<{
        message_id: number | string;
        recipient: string;
        recipient_source: string;
        bates: string;
        header_message_id: string | null;
        from_address: string | null;
        date: string | null;
        subject: string | null;
      }>;
      rows.sort((a, b) => Number(a.message_id) - Number(b.message_id) || byCodeUnits(a.recipient, b.recipient));
      for (const r of rows)
        emit([r.header_message_id, r.recipient, r.recipient_source, r.bates, r.from_address, r.date, r.subject]);
    }
  },
};

/**
 * overlap.csv: the party overlap as of the export (docs/RECOUNT.md): `case` (deliveries, each once),
 * `several` (harvested by two parties or more), per party `own` and `exclusive`, and `both` for
 * every ordered pair of different parties.
 */
export const overlapTable: BundleTable = {
  name: 'overlap.csv',
  header: OVERLAP.bundle!,
  async rows(db, scope, emit) {
    const o = await partyOverlap(db, scope.caseId, (q, column) => inScope(q, column, scope));
    emit(['case', '', '', '', '', o.caseDeliveries]);
    emit(['several', '', '', '', '', o.heldBySeveral]);
    o.parties.forEach((p, i) => {
      emit(['own', p.name, p.batesPrefix, '', '', p.deliveries]);
      emit(['exclusive', p.name, p.batesPrefix, '', '', p.exclusive]);
      o.parties.forEach((q, j) => {
        if (i !== j) emit(['both', p.name, p.batesPrefix, q.name, q.batesPrefix, o.both[i]![j]!]);
      });
    });
  },
};

export const BUNDLE_TABLES: readonly BundleTable[] = [
  accountsTable,
  ipsTable,
  campaignsTable,
  deliveriesTable,
  overlapTable,
];

/**
 * damages.csv, when a rule set is chosen for the case (server/damages/): the exhibit under that
 * rule set, computed from the case's current counts (like the report's damages section).
 */
export async function damagesTables(db: Knex, scope: ExportScope): Promise<BundleTable[]> {
  const choice = await getRuleSetChoice(db, scope.caseId);
  if (!choice) return [];
  const { result } = await caseDamages(db, scope.caseSlug);
  const [header, ...rows] = damagesCsv(result);
  return [
    {
      name: 'damages.csv',
      header: header!,
      async rows(_db, _scope, emit) {
        for (const r of rows) emit(r);
      },
    },
  ];
}

/**
 * labels.csv, when the case has tags or notes as of the export's event (server/labels/): one row per
 * tag on a thing and per note, as they stood at that event (a tag removed later is still listed, one
 * added later is not), so exporting as of the same event gives the same bytes.
 */
export async function labelsTables(db: Knex, scope: ExportScope): Promise<BundleTable[]> {
  const rows = await labelRows(db, scope.caseId, scope.asOf.seq);
  if (rows.length === 0) return [];
  return [
    {
      name: 'labels.csv',
      header: LABEL_COLUMNS,
      async rows(_db, _scope, emit) {
        for (const r of rows) emit(labelCells(r));
      },
    },
  ];
}
