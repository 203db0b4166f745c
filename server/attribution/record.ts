/**
 * Attribution at ingest: the batch writer (server/ingest/batch-writer.ts) tells an AttributionBatch
 * which items, messages, deliveries and samples it is inserting, and calls write() inside the same
 * transaction. New items are attributed from their header facts and their party's trust; the
 * volumes per account and per originating IP are incremented in place (INSERT ... ON CONFLICT DO
 * UPDATE), so listing the top accounts of a million-message case reads only the rows it shows.
 *
 * A message and its deliveries are attributed through their first item (the one that created
 * them), the same item whose bytes the counts already point at.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { runStatement, statementRows } from '../db/bulk-insert.ts';
import { compactKey } from '../mail/keys.ts';
import { UNREADABLE, type StoredAttribution } from './attribute.ts';
import type { AttributionFacts } from './facts.ts';
import { CHAIN_WALK_COLUMNS } from '../db/migrations/20261202100000_chain_walk.ts';

/** Item ids per lookup of earlier attributions. */
const LOOKUP_CHUNK = 500;

export const ACCOUNT_RANK: Record<string, number> = { provider: 1, dkim: 1, 'return-path': 2, from: 3 };

/** What an item's attribution contributes to the volumes. */
export interface ItemKeys {
  account: string | null;
  domain: string | null;
  provider: string | null;
  accountRank: number;
  accountEvidence: string;
  ip: string | null;
  ipRank: number;
  ipEvidence: string;
  date: string | null;
}

export const EMPTY_FACTS: AttributionFacts = Object.freeze({
  from: null,
  sender: null,
  xSender: null,
  xOriginatingEmail: null,
  returnPath: null,
  returnPathBelow: null,
  clientIpHeaders: [],
  xOriginatingIp: [],
  dkim: [],
  authResults: [],
  hops: [],
  hopsNotRead: 0,
}) as AttributionFacts;

export function itemAttributionRow(caseId: number, itemId: number, a: StoredAttribution): unknown[] {
  return [
    itemId,
    caseId,
    a.account,
    a.account === null ? null : accountKey(a.account),
    a.accountRank,
    a.accountEvidence,
    a.originatingIp,
    a.ipEvidence,
    a.dkim,
    JSON.stringify(a.conflicts),
    a.headerFalsity,
    a.handoffIp,
    // Column widths (migration 20261202100000): a hostile reverse name may be longer than DNS allows.
    a.handoffHost === null ? null : a.handoffHost.slice(0, 255),
    a.handoffProvider === null ? null : a.handoffProvider.slice(0, 64),
    a.handoffAt,
    a.originSource,
    a.originLine,
    a.originAt,
    a.beliefStoppedLine,
    JSON.stringify(a.walkSignals),
  ];
}
/** The integer key item_attributions is indexed by: 52 bits of the account's SHA-256; compare `account` in full. */
export function accountKey(account: string): number {
  return compactKey(crypto.hash('sha256', account, 'hex'));
}

export const ITEM_ATTRIBUTION_COLUMNS = [
  'item_id',
  'case_id',
  'account',
  'account_key',
  'account_rank',
  'account_evidence',
  'originating_ip',
  'ip_evidence',
  'dkim',
  'conflicts',
  'header_falsity',
  ...CHAIN_WALK_COLUMNS,
];

export function keysOf(a: StoredAttribution, date: string | null): ItemKeys {
  return {
    account: a.account,
    domain: a.domain,
    provider: a.provider,
    accountRank: a.accountRank === null ? 9 : (ACCOUNT_RANK[a.accountRank] ?? 9),
    accountEvidence: a.accountEvidence,
    ip: a.originatingIp,
    ipRank: a.ipRank ?? 9,
    ipEvidence: a.ipEvidence,
    date,
  };
}

interface Agg {
  deliveries: number;
  items: number;
  messages: number;
  recipients: number;
  first: string | null;
  last: string | null;
  firstItemId: number;
  rank: number;
  evidence: string;
  domain: string;
  provider: string;
}

/** Run one statement per chunk of rows, with few distinct statement shapes (see bulk-insert.ts). */
async function chunked(
  trx: Knex.Transaction | Knex,
  rows: unknown[][],
  sql: (n: number) => string,
): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < rows.length;) {
    const n = statementRows(rows.length - i);
    const part = rows.slice(i, i + n);
    i += n;
    for (const r of await runStatement(trx, sql(n), part.flat())) out.push(r);
  }
  return out;
}

const tuple = (k: number) => `(${Array(k).fill('?').join(',')})`;
const values = (n: number, k: number) => Array(n).fill(tuple(k)).join(',');

function volumeUpsert(table: 'accounts' | 'originating_ips', n: number): string {
  const keyCols = table === 'accounts' ? 'case_id,address,domain,provider' : 'case_id,ip';
  const k = table === 'accounts' ? 13 : 11;
  const conflict = table === 'accounts' ? 'case_id,address' : 'case_id,ip';
  const t = table;
  return (
    `insert into ${t} (${keyCols},deliveries,items,messages,recipients,first_seen,last_seen,first_item_id,rank,evidence) values ${values(n, k)} ` +
    `on conflict (${conflict}) do update set deliveries = ${t}.deliveries + excluded.deliveries, items = ${t}.items + excluded.items, ` +
    `messages = ${t}.messages + excluded.messages, recipients = ${t}.recipients + excluded.recipients, ` +
    `first_seen = case when ${t}.first_seen is null or excluded.first_seen < ${t}.first_seen then excluded.first_seen else ${t}.first_seen end, ` +
    `last_seen = case when ${t}.last_seen is null or excluded.last_seen > ${t}.last_seen then excluded.last_seen else ${t}.last_seen end, ` +
    `evidence = case when excluded.rank < ${t}.rank then excluded.evidence else ${t}.evidence end, ` +
    `rank = case when excluded.rank < ${t}.rank then excluded.rank else ${t}.rank end`
  );
}

/** Add volumes (per account and per IP) for the given contributions, inside the caller's transaction. */
export async function addVolumes(
  trx: Knex.Transaction | Knex,
  caseId: number,
  input: {
    keys: Map<number, ItemKeys>;
    newItems: number[];
    newMessages: number[];
    newDeliveries: Array<{ itemId: number; recipient: string }>;
    samples: Array<{ itemId: number; partyId: number }>;
  },
): Promise<void> {
  const aggs = { a: new Map<string, Agg>(), i: new Map<string, Agg>() };
  const touch = (kind: 'a' | 'i', k: ItemKeys, itemId: number): Agg | null => {
    const key = kind === 'a' ? k.account : k.ip;
    if (key === null) return null;
    let g = aggs[kind].get(key);
    if (g === undefined) {
      g = {
        deliveries: 0,
        items: 0,
        messages: 0,
        recipients: 0,
        first: null,
        last: null,
        firstItemId: itemId,
        rank: kind === 'a' ? k.accountRank : k.ipRank,
        evidence: kind === 'a' ? k.accountEvidence : k.ipEvidence,
        domain: k.domain ?? '',
        provider: k.provider ?? '',
      };
      aggs[kind].set(key, g);
    }
    const rank = kind === 'a' ? k.accountRank : k.ipRank;
    if (rank < g.rank) {
      g.rank = rank;
      g.evidence = kind === 'a' ? k.accountEvidence : k.ipEvidence;
    }
    if (itemId < g.firstItemId) g.firstItemId = itemId;
    if (k.date !== null) {
      if (g.first === null || k.date < g.first) g.first = k.date;
      if (g.last === null || k.date > g.last) g.last = k.date;
    }
    return g;
  };
  const both = (itemId: number, f: (g: Agg) => void) => {
    const k = input.keys.get(itemId);
    if (k === undefined) return;
    for (const kind of ['a', 'i'] as const) {
      const g = touch(kind, k, itemId);
      if (g) f(g);
    }
  };
  for (const id of input.newItems) both(id, (g) => (g.items += 1));
  for (const id of input.newMessages) both(id, (g) => (g.messages += 1));
  const days = new Map<string, unknown[]>();
  const recipientRows: unknown[][] = [];
  const pairOf = new Map<string, { kind: 'a' | 'i'; key: string }>();
  for (const d of input.newDeliveries) {
    const k = input.keys.get(d.itemId);
    if (k === undefined) continue;
    both(d.itemId, (g) => (g.deliveries += 1));
    for (const [kind, key] of [
      ['a', k.account],
      ['i', k.ip],
    ] as const) {
      if (key === null) continue;
      const digest = crypto.hash('sha256', `${kind}\n${key}\n${d.recipient}`, 'buffer');
      const h1 = digest.readUIntBE(0, 6);
      const h2 = digest.readUIntBE(6, 6);
      const pk = `${h1}:${h2}`;
      if (!pairOf.has(pk)) {
        pairOf.set(pk, { kind, key });
        recipientRows.push([caseId, h1, h2]);
      }
      if (k.date !== null) {
        const day = k.date.slice(0, 10);
        const dk = `${kind}\n${key}\n${day}`;
        const row = days.get(dk);
        if (row) row[4] = (row[4] as number) + 1;
        else days.set(dk, [caseId, kind, key, day, 1]);
      }
    }
  }
  // Distinct recipients: only the pairs this batch adds for the first time count.
  const added = await chunked(
    trx,
    recipientRows,
    (n) =>
      `insert into volume_recipients (case_id,h1,h2) values ${values(n, 3)} on conflict (case_id,h1,h2) do nothing returning h1, h2`,
  );
  for (const r of added) {
    const pair = pairOf.get(`${Number(r.h1)}:${Number(r.h2)}`);
    const g = pair ? aggs[pair.kind].get(pair.key) : undefined;
    if (g) g.recipients += 1;
  }
  const aggRows = (kind: 'a' | 'i') =>
    [...aggs[kind]].map(([key, g]) => [
      caseId,
      key,
      ...(kind === 'a' ? [g.domain, g.provider] : []),
      g.deliveries,
      g.items,
      g.messages,
      g.recipients,
      g.first,
      g.last,
      g.firstItemId,
      g.rank,
      g.evidence,
    ]);
  await chunked(trx, aggRows('a'), (n) => volumeUpsert('accounts', n));
  await chunked(trx, aggRows('i'), (n) => volumeUpsert('originating_ips', n));
  await chunked(
    trx,
    [...days.values()] as unknown[][],
    (n) =>
      `insert into volume_days (case_id,kind,key,day,deliveries) values ${values(n, 5)} on conflict (case_id,kind,key,day) do update set deliveries = volume_days.deliveries + excluded.deliveries`,
  );
  const partyRows = new Map<string, unknown[]>();
  for (const s of input.samples) {
    const k = input.keys.get(s.itemId);
    if (k === undefined) continue;
    if (k.account !== null) partyRows.set(`a\n${k.account}\n${s.partyId}`, [caseId, 'a', k.account, s.partyId]);
    if (k.ip !== null) partyRows.set(`i\n${k.ip}\n${s.partyId}`, [caseId, 'i', k.ip, s.partyId]);
  }
  await chunked(
    trx,
    [...partyRows.values()],
    (n) =>
      `insert into volume_parties (case_id,kind,key,party_id) values ${values(n, 4)} on conflict (case_id,kind,key,party_id) do nothing`,
  );
}

/** Volume keys of items attributed earlier (duplicates, deliveries of earlier items). */
export async function loadItemKeys(
  trx: Knex.Transaction | Knex,
  itemIds: number[],
  into: Map<number, ItemKeys>,
): Promise<void> {
  const wanted = [...new Set(itemIds)].filter((id) => !into.has(id));
  for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
    const rows = (await trx('item_attributions as ia')
      .join('items as it', 'it.id', 'ia.item_id')
      .leftJoin('accounts as ac', function () {
        this.on('ac.case_id', 'ia.case_id').andOn('ac.address', 'ia.account');
      })
      .whereIn('ia.item_id', wanted.slice(i, i + LOOKUP_CHUNK))
      .select(
        'ia.item_id',
        'ia.account',
        'ia.account_rank',
        'ia.account_evidence',
        'ia.originating_ip',
        'ia.ip_evidence',
        'it.date',
        'ac.domain',
        'ac.provider',
      )) as Array<Record<string, string | number | null>>;
    for (const r of rows) {
      into.set(Number(r.item_id), {
        account: (r.account as string | null) ?? null,
        domain: (r.domain as string | null) ?? null,
        provider: (r.provider as string | null) ?? null,
        accountRank: ACCOUNT_RANK[String(r.account_rank)] ?? 9,
        accountEvidence: String(r.account_evidence),
        ip: (r.originating_ip as string | null) ?? null,
        ipRank: 9,
        ipEvidence: String(r.ip_evidence),
        date: (r.date as string | null) ?? null,
      });
    }
  }
}

/** Collects one ingest batch's attribution work; write() runs inside the batch's transaction. */
export class AttributionBatch {
  private readonly items: Array<{ itemId: number; attribution: StoredAttribution | null; date: string | null }> = [];
  private readonly messages: number[] = [];
  private readonly newMessageIds = new Set<number>();
  private readonly deliveries: Array<{ messageId: number; itemId: number; recipient: string }> = [];
  private readonly samples: number[] = [];

  constructor(
    private readonly caseId: number,
    private readonly partyId: number,
  ) {}

  /** A new item, attributed in the reader thread (analyze.ts); null when its header was unreadable. */
  item(itemId: number, attribution: StoredAttribution | null, date: string | null): void {
    this.items.push({ itemId, attribution, date });
  }
  /** A message new to the case, created by this item. */
  message(messageId: number, firstItemId: number): void {
    this.messages.push(firstItemId);
    this.newMessageIds.add(messageId);
  }
  /** A delivery this batch inserts unless the case already has it (ON CONFLICT DO NOTHING): checked in write(). */
  delivery(messageId: number, firstItemId: number, recipient: string): void {
    this.deliveries.push({ messageId, itemId: firstItemId, recipient });
  }
  sample(itemId: number): void {
    this.samples.push(itemId);
  }

  /** Call inside the batch's transaction, before its deliveries are inserted. */
  async write(trx: Knex.Transaction): Promise<void> {
    // Deliveries of messages the case already had may already be recorded: those add nothing.
    const older = [
      ...new Set(this.deliveries.filter((d) => !this.newMessageIds.has(d.messageId)).map((d) => d.messageId)),
    ];
    const existing = new Set<string>();
    for (let i = 0; i < older.length; i += LOOKUP_CHUNK) {
      const rows = (await trx('deliveries')
        .whereIn('message_id', older.slice(i, i + LOOKUP_CHUNK))
        .select('message_id', 'recipient')) as Array<{ message_id: number | string; recipient: string }>;
      for (const r of rows) existing.add(`${Number(r.message_id)}\n${r.recipient}`);
    }
    const newDeliveries = this.deliveries.filter((d) => !existing.has(`${d.messageId}\n${d.recipient}`));
    const keys = new Map<number, ItemKeys>();
    const rows: unknown[][] = [];
    for (const it of this.items) {
      const a = it.attribution ?? UNREADABLE;
      rows.push(itemAttributionRow(this.caseId, it.itemId, a));
      keys.set(it.itemId, keysOf(a, it.date));
    }
    await chunked(
      trx,
      rows,
      (n) =>
        `insert into item_attributions (${ITEM_ATTRIBUTION_COLUMNS.join(',')}) values ${values(n, ITEM_ATTRIBUTION_COLUMNS.length)}`,
    );
    await loadItemKeys(trx, [...newDeliveries.map((d) => d.itemId), ...this.samples, ...this.messages], keys);
    await addVolumes(trx, this.caseId, {
      keys,
      newItems: this.items.map((i) => i.itemId),
      newMessages: this.messages,
      newDeliveries,
      samples: this.samples.map((itemId) => ({ itemId, partyId: this.partyId })),
    });
  }
}
