/**
 * The bundle's index tables besides items.csv, as a list of named providers. Each provider writes
 * its rows (header first) for the case as of the export's custody event: accounts.csv, ips.csv,
 * campaigns.csv, deliveries.csv, damages.csv when the case has a chosen rule set, and labels.csv when
 * staff have put tags or notes on it.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import type { Cell } from './csv.ts';
import {
  ACCOUNTS,
  CAMPAIGNS,
  DELIVERIES,
  IPS,
  OVERLAP,
  SAMPLES,
  SUBPOENA_ACCOUNTS,
  SUBPOENA_NETWORKS,
  TIMELINE,
} from '../csv/columns.ts';
import { claimedDeliveries, type CaseParty } from '../damages/allocation.ts';
import { DEFAULT_ALLOCATION, loadRuleSet, type Allocation } from '../damages/rule-set.ts';
import { partyOverlap } from '../report/overlap.ts';
import { eachNetworkDelivery, providerAccounts } from '../attribution/subpoena.ts';
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
  /** A file that is not a table (the rule set as used): written verbatim, header and rows ignored. */
  body?: string;
  /** JSON lines: no header, each emitted row is one cell holding one JSON text (attribution.jsonl). */
  jsonl?: boolean;
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

/** The allocation deliveries.csv's `claimed_for` follows: the case's rule set's, else the default (first harvester). */
async function caseAllocation(db: Knex, scope: ExportScope): Promise<{ allocation: Allocation; name: string }> {
  const choice = await getRuleSetChoice(db, scope.caseId);
  if (!choice) return { allocation: DEFAULT_ALLOCATION, name: '' };
  const ruleSet = loadRuleSet(choice.rules);
  return { allocation: ruleSet.allocation, name: ruleSet.name };
}

async function caseParties(db: Knex, caseId: number): Promise<CaseParty[]> {
  const rows = (await db('parties')
    .where({ case_id: caseId })
    .orderBy('id')
    .select('id', 'name', 'bates_prefix')) as Array<{
    id: number | string;
    name: string;
    bates_prefix: string;
  }>;
  return rows.map((p) => ({ id: Number(p.id), name: p.name, batesPrefix: p.bates_prefix }));
}

/** Bates prefixes per delivery (`message_id` + LF + recipient), sorted and joined with `;`. */
function prefixesBy(
  rows: Array<{ message_id: number | string; recipient: string; prefix: string }>,
): Map<string, string> {
  const sets = new Map<string, Set<string>>();
  for (const r of rows) {
    const k = `${Number(r.message_id)}\n${r.recipient}`;
    let set = sets.get(k);
    if (!set) sets.set(k, (set = new Set()));
    set.add(r.prefix);
  }
  return new Map([...sets].map(([k, set]) => [k, [...set].sort(byCodeUnits).join(';')]));
}

/**
 * deliveries.csv: one row per delivery (message, recipient), with what a recount needs
 * (docs/RECOUNT.md): the message key, the account and header-falsity finding of its first item,
 * every party that harvested it (`harvested_by`), the parties it is claimed for under the case's
 * allocation (`claimed_for`, Bates prefixes), and its defendant with the reason.
 */
export const deliveriesTable: BundleTable = {
  name: 'deliveries.csv',
  header: DELIVERIES.bundle!,
  async rows(db, scope, emit) {
    const { allocation, name } = await caseAllocation(db, scope);
    const parties = await caseParties(db, scope.caseId);
    const prefixOf = new Map(parties.map((p) => [p.id, p.batesPrefix]));
    // Global bounds of the primary key (answered from the index ends); pages of other cases are empty.
    const max = Number(((await db('messages').max({ m: 'id' }).first()) as { m: number | string | null }).m ?? 0);
    const min = Number(((await db('messages').min({ m: 'id' }).first()) as { m: number | string | null }).m ?? 1);
    for (let lo = min - 1; lo < max; lo += DELIVERY_PAGE) {
      const page = (q: Knex.QueryBuilder, column: string) => {
        q.where(column, '>', lo).where(column, '<=', lo + DELIVERY_PAGE);
      };
      const rows = (await inScope(
        db('deliveries as d')
          .join('messages as m', 'm.id', 'd.message_id')
          .join('items as i', 'i.id', 'd.first_item_id')
          .leftJoin('item_attributions as ia', 'ia.item_id', 'd.first_item_id')
          .leftJoin('defendant_members as dm', function () {
            this.on('dm.case_id', 'd.case_id').andOn('dm.key', 'ia.account').andOnVal('dm.kind', 'account');
          })
          .leftJoin('defendants as df', 'df.id', 'dm.defendant_id')
          .where('d.case_id', scope.caseId)
          .modify((q) => page(q, 'd.message_id')),
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
        'm.message_key',
        'ia.account',
        'ia.header_falsity',
        'df.name as defendant',
      )) as Array<{
        message_id: number | string;
        recipient: string;
        recipient_source: string;
        bates: string;
        header_message_id: string | null;
        from_address: string | null;
        date: string | null;
        subject: string | null;
        message_key: string;
        account: string | null;
        header_falsity: boolean | number | null;
        defendant: string | null;
      }>;
      if (rows.length === 0) continue;
      const harvested = prefixesBy(
        (await inScope(
          db('samples as s')
            .join('acquisitions as a', 'a.id', 's.acquisition_id')
            .join('parties as p', 'p.id', 'a.party_id')
            .where('s.case_id', scope.caseId)
            .modify((q) => page(q, 's.message_id')),
          's.acquisition_id',
          scope,
        ).distinct('s.message_id', 's.recipient', 'p.bates_prefix as prefix')) as Array<{
          message_id: number | string;
          recipient: string;
          prefix: string;
        }>,
      );
      const claimed = prefixesBy(
        (
          (await claimedDeliveries(db, scope.caseId, allocation, parties, name, page)) as Array<{
            party_id: number | string;
            message_id: number | string;
            recipient: string;
          }>
        ).map((r) => ({ ...r, prefix: prefixOf.get(Number(r.party_id)) ?? '' })),
      );
      rows.sort((a, b) => Number(a.message_id) - Number(b.message_id) || byCodeUnits(a.recipient, b.recipient));
      for (const r of rows) {
        const k = `${Number(r.message_id)}\n${r.recipient}`;
        const falsity =
          r.header_falsity === null || r.header_falsity === undefined
            ? ''
            : r.header_falsity === true || Number(r.header_falsity) === 1
              ? 'true'
              : 'false';
        const reason = r.defendant
          ? `account ${r.account} is grouped into ${r.defendant}`
          : r.account
            ? `account ${r.account} is not grouped into a defendant`
            : 'no attributed account';
        emit([
          r.header_message_id,
          r.recipient,
          r.recipient_source,
          r.bates,
          r.from_address,
          r.date,
          r.subject,
          r.message_key,
          r.account,
          falsity,
          harvested.get(k) ?? '',
          claimed.get(k) ?? '',
          r.defendant,
          reason,
        ]);
      }
    }
  },
};

/**
 * samples.csv: every sample (each message as harvested, exact duplicates included) in sample order:
 * its party, acquisition, the acquisition's source and the sample's path inside it, the item it
 * is (Bates number, SHA-256), the item it duplicates when its bytes were already in the case, the
 * wrapper it was unwrapped from (ARF report, forward, bounce: data/wrappers/), its message key and
 * recipient.
 */
export const samplesTable: BundleTable = {
  name: 'samples.csv',
  header: SAMPLES.bundle!,
  async rows(db, scope, emit) {
    let after = 0;
    for (;;) {
      const rows = (await inScope(
        db('samples as s')
          .join('acquisitions as a', 'a.id', 's.acquisition_id')
          .join('parties as p', 'p.id', 'a.party_id')
          .join('items as i', 'i.id', 's.item_id')
          .join('messages as m', 'm.id', 's.message_id')
          .leftJoin('wrappers as w', 'w.id', 's.wrapper_id')
          .where('s.case_id', scope.caseId)
          .where('s.id', '>', after)
          .orderBy('s.id')
          .limit(DELIVERY_PAGE),
        's.acquisition_id',
        scope,
      ).select(
        's.id',
        'p.name as party',
        'p.bates_prefix',
        'a.id as acquisition',
        'a.method',
        'a.source_name',
        's.locator',
        'i.bates',
        'i.sha256',
        's.exact_duplicate',
        'w.kind as wrapper',
        'w.sha256 as wrapper_sha256',
        'm.message_key',
        's.recipient',
      )) as Array<{
        id: number | string;
        party: string;
        bates_prefix: string;
        acquisition: number | string;
        method: string;
        source_name: string;
        locator: string;
        bates: string;
        sha256: string;
        exact_duplicate: boolean | number;
        wrapper: string | null;
        wrapper_sha256: string | null;
        message_key: string;
        recipient: string;
      }>;
      if (rows.length === 0) break;
      for (const r of rows) {
        const duplicate = r.exact_duplicate === true || Number(r.exact_duplicate) === 1;
        emit([
          Number(r.id),
          r.party,
          r.bates_prefix,
          Number(r.acquisition),
          r.method,
          r.source_name,
          r.locator,
          r.bates,
          r.sha256,
          duplicate ? r.bates : '',
          r.wrapper,
          r.wrapper_sha256,
          r.message_key,
          r.recipient,
        ]);
      }
      after = Number(rows[rows.length - 1]!.id);
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

/**
 * timeline.csv: the PDF's timeline series: deliveries per UTC day (of the Date header) per party, a
 * delivery counting for every party that harvested it; `day` empty for deliveries with no readable date.
 */
export const timelineTable: BundleTable = {
  name: 'timeline.csv',
  header: TIMELINE.bundle!,
  async rows(db, scope, emit) {
    const perParty = inScope(
      db('samples as s').join('acquisitions as a', 'a.id', 's.acquisition_id').where('s.case_id', scope.caseId),
      's.acquisition_id',
      scope,
    )
      .distinct('a.party_id', 's.message_id', 's.recipient')
      .as('x');
    const rows = (await db
      .from(perParty)
      .join('messages as m', 'm.id', 'x.message_id')
      .join('parties as p', 'p.id', 'x.party_id')
      .groupBy('p.id', 'p.name', 'p.bates_prefix', db.raw('substr(m.date, 1, 10)'))
      .select('p.id as id', 'p.name as party', 'p.bates_prefix as prefix', db.raw('substr(m.date, 1, 10) as day'))
      .count({ n: '*' })) as Array<{
      id: number | string;
      party: string;
      prefix: string;
      day: string | null;
      n: number | string;
    }>;
    rows.sort((a, b) => Number(a.id) - Number(b.id) || byCodeUnits(a.day ?? '', b.day ?? ''));
    for (const r of rows) emit([r.party, r.prefix, r.day ?? '', Number(r.n)]);
  },
};

export const BUNDLE_TABLES: readonly BundleTable[] = [
  accountsTable,
  ipsTable,
  campaignsTable,
  deliveriesTable,
  samplesTable,
  overlapTable,
  timelineTable,
];

/**
 * The subpoena lists (server/attribution/subpoena.ts) as of the export: subpoena-networks.csv (every
 * delivery per network operator, with both UTC times and the owner data set) and subpoena-accounts.csv
 * (every account per provider). The network list reads the items' bytes, hence the store; its sorted runs go
 * under `tmpDir` (the bundle's spool folder), `runRows` rows each (default NETWORK_RUN_ROWS).
 */
export function subpoenaTables(storeDir: string, options: { tmpDir?: string; runRows?: number } = {}): BundleTable[] {
  return [
    {
      name: 'subpoena-networks.csv',
      header: SUBPOENA_NETWORKS.bundle!,
      async rows(db, scope, emit) {
        // Streamed: sorted runs spilled beside the bundle's other spools and merged (a million messages: 1,457,140
        // rows, 2.2 GB when held whole).
        await eachNetworkDelivery(
          db,
          scope.caseId,
          storeDir,
          (r) =>
            emit([
              r.asn,
              r.networkOperator,
              r.ip,
              r.receivedUtc,
              r.dateHeaderUtc,
              r.bates,
              r.account,
              r.recipient,
              r.ownerData,
            ]),
          {
            scope: (q) => inScope(q, 'i.first_acquisition_id', scope),
            tmpDir: options.tmpDir,
            runRows: options.runRows,
          },
        );
      },
    },
    {
      name: 'subpoena-accounts.csv',
      header: SUBPOENA_ACCOUNTS.bundle!,
      async rows(db, scope, emit) {
        const rows = await providerAccounts(db, scope.caseId, (q) => inScope(q, 'i.first_acquisition_id', scope));
        for (const r of rows)
          emit([
            r.accountProvider,
            r.account,
            r.domain,
            r.firstSeenUtc,
            r.lastSeenUtc,
            r.deliveries,
            r.items,
            r.messages,
          ]);
      },
    },
  ];
}

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
    {
      // The rule set file exactly as damages.csv used it (its SHA-256 is the method text's).
      name: `rules/${path.basename(result.ruleSet.file)}`,
      header: [],
      async rows() {},
      body: result.ruleSet.text,
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
