/**
 * Subpoena and preservation lists: whom to ask for what, and for which times.
 *
 * - Per network operator (the AS holding the originating IP, server/networks/), every delivery from
 *   each of its IPs with both UTC times: the Date header (the sender's claim) and the believed
 *   Received time (when the party's own server recorded taking the message from outside; for a
 *   provider's webmail, the provider's own submission line). An operator keeps connection logs by
 *   address and time: the list is what a preservation letter names.
 * - Per account provider (the sender domain's provider, or the domain), each account with first and
 *   last seen (Date header, UTC) and its deliveries, items and messages.
 *
 * The believed Received time is the chain walk's `origin_at` (the time of the believed line that
 * recorded the origin); for items attributed before the walk stored it, it is read from the stored
 * bytes with the party's trust (the same walk). Every row names the network owner
 * data set (OWNER_DATA_LABEL): owners are today's, not those of the mail's date.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { parseHeaders } from '../mail/headers/index.ts';
import { parseMailDate } from '../mail/headers/date.ts';
import { parseReceivedChain } from '../mail/trace/received.ts';
import { ownerOf, OWNER_DATA_LABEL, type NetworkOwner } from '../networks/owners.ts';
import { readBlob } from '../store/pack-store.ts';
import { findOrigin } from './origin.ts';
import { loadPartyTrust, matcherFor } from './party-trust.ts';
import type { TrustMatcher } from './trust.ts';

/** Deliveries read per page (their items' bytes one at a time). */
const PAGE = 1000;

export interface NetworkDeliveryRow {
  /** "AS20712", or "" for a reserved range or an address in no range. */
  asn: string;
  /** The operator's name, or the special-purpose range's ("private (RFC 1918)"). */
  networkOperator: string;
  ip: string;
  bates: string;
  account: string | null;
  recipient: string;
  /** The Date header, UTC (ISO 8601), or null when it had none that parsed. */
  dateHeaderUtc: string | null;
  /** The believed Received time, UTC (ISO 8601), or null when the believed line carries no date that parses. */
  receivedUtc: string | null;
  ownerData: string;
}

export interface NetworkOperatorSummary {
  asn: string;
  networkOperator: string;
  ips: number;
  deliveries: number;
  firstReceivedUtc: string | null;
  lastReceivedUtc: string | null;
}

export interface ProviderAccountRow {
  /** The provider (microsoft, yahoo, ...), or the sender domain when it is no known provider's. */
  accountProvider: string;
  account: string;
  domain: string;
  firstSeenUtc: string | null;
  lastSeenUtc: string | null;
  deliveries: number;
  items: number;
  messages: number;
}

export interface ProviderSummary {
  accountProvider: string;
  accounts: number;
  deliveries: number;
  firstSeenUtc: string | null;
  lastSeenUtc: string | null;
}

/**
 * The date of the Received line that recorded where the message came from: the party's line for the
 * first untrusted hop; for a provider's webmail (X-Originating-IP believed), the provider's own
 * submission line below it when it has a date, since that is when the sender's machine connected.
 */
export function believedReceivedTime(raw: Buffer, trust: TrustMatcher): string | null {
  const h = parseHeaders(raw);
  const { hops } = parseReceivedChain(h.received);
  const origin = findOrigin(hops, h.xOriginatingIp, trust);
  if (origin.originHop === null) return null;
  const dateOf = (i: number): string | null => {
    const field = h.received[i];
    if (field === undefined) return null;
    const semi = field.lastIndexOf(';');
    return semi < 0 ? null : parseMailDate(field.slice(semi + 1));
  };
  if (origin.rank === 1) {
    for (let i = hops.length - 1; i > origin.originHop; i--) {
      if (hops[i]!.kind !== 'webmail') continue;
      const at = dateOf(i);
      if (at !== null) return at;
    }
  }
  return dateOf(origin.originHop);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function ownerCells(owner: NetworkOwner | null): { asn: string; networkOperator: string } {
  if (owner === null) return { asn: '', networkOperator: 'not an address' };
  return { asn: owner.kind === 'network' ? `AS${owner.asn}` : '', networkOperator: owner.name };
}

/**
 * The order of the network list: operator (AS number, then name), IP, believed Received time, Bates
 * number, recipient. A total order on the deliveries (one delivery per item and recipient), so any
 * sort gives the same sequence.
 */
export function compareNetworkRows(x: NetworkDeliveryRow, y: NetworkDeliveryRow): number {
  return (
    asnNumber(x.asn) - asnNumber(y.asn) ||
    cmp(x.networkOperator, y.networkOperator) ||
    cmp(x.ip, y.ip) ||
    cmp(x.receivedUtc ?? '', y.receivedUtc ?? '') ||
    cmp(x.bates, y.bates) ||
    cmp(x.recipient, y.recipient)
  );
}

const asnNumber = (a: string) => (a === '' ? Number.MAX_SAFE_INTEGER : Number(a.slice(2)));

/** Rows sorted in memory at a time; more are spilled to sorted run files and merged (a million rows: 2.2 GB whole). */
export const NETWORK_RUN_ROWS = 50_000;

type RunLine = [string, string, string, string | null, string | null, string, string | null, string, string];

function toLine(r: NetworkDeliveryRow): string {
  const cells: RunLine = [
    r.asn,
    r.networkOperator,
    r.ip,
    r.receivedUtc,
    r.dateHeaderUtc,
    r.bates,
    r.account,
    r.recipient,
    r.ownerData,
  ];
  // JSON escapes line breaks and keeps every code unit (lone surrogates too): one row, one line, read back exact.
  return `${JSON.stringify(cells)}\n`;
}

function fromLine(line: string): NetworkDeliveryRow {
  const [asn, networkOperator, ip, receivedUtc, dateHeaderUtc, bates, account, recipient, ownerData] = JSON.parse(
    line,
  ) as RunLine;
  return { asn, networkOperator, ip, receivedUtc, dateHeaderUtc, bates, account, recipient, ownerData };
}

/** writeSync may write less than asked (a full disk): write the rest, or throw. */
function writeAll(fd: number, data: Buffer): void {
  for (let at = 0; at < data.length;) at += fs.writeSync(fd, data, at, data.length - at);
}

/** A sorted run file, read back a row at a time through a 1 MiB buffer. */
class RunReader {
  private readonly fd: number;
  private readonly chunk = Buffer.alloc(1 << 20);
  private rest = Buffer.alloc(0);
  private lines: string[] = [];
  private at = 0;
  private eof = false;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
  }

  next(): NetworkDeliveryRow | null {
    while (this.at >= this.lines.length) {
      if (this.eof) return null;
      const n = fs.readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      if (n === 0) {
        this.eof = true;
        if (this.rest.length > 0) throw new Error('network list run file ends inside a row');
        return null;
      }
      const data = Buffer.concat([this.rest, this.chunk.subarray(0, n)]);
      const last = data.lastIndexOf(10);
      // Cut at a line feed, never inside a UTF-8 character: each line is whole.
      this.lines = last < 0 ? [] : data.toString('utf8', 0, last).split('\n');
      this.rest = Buffer.from(data.subarray(last + 1));
      this.at = 0;
    }
    return fromLine(this.lines[this.at++]!);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/**
 * Every delivery whose item has an originating IP, with its network operator and both times, handed to `onRow` in
 * the list's order (compareNetworkRows). Items are read by primary-key pages; at most `runRows` rows are held at a
 * time: beyond them, sorted runs are spilled to files under `tmpDir` (removed at the end) and merged.
 */
export async function eachNetworkDelivery(
  db: Knex,
  caseId: number,
  storeDir: string,
  onRow: (row: NetworkDeliveryRow) => void,
  options: { scope?: ItemScope; tmpDir?: string; runRows?: number } = {},
): Promise<void> {
  const runRows = options.runRows ?? NETWORK_RUN_ROWS;
  const parties = (await db('parties').where({ case_id: caseId }).pluck('id')) as number[];
  const trust = new Map<number, TrustMatcher>();
  for (const id of parties) trust.set(Number(id), matcherFor(await loadPartyTrust(db, id)));
  const owners = new Map<string, NetworkOwner | null>();
  let buffer: NetworkDeliveryRow[] = [];
  let runDir: string | null = null;
  const runs: string[] = [];
  const spill = () => {
    buffer.sort(compareNetworkRows);
    runDir ??= fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'network-runs-'));
    const file = path.join(runDir, `run-${runs.length}`);
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      for (let i = 0; i < buffer.length; i += 1000)
        writeAll(
          fd,
          Buffer.from(
            buffer
              .slice(i, i + 1000)
              .map(toLine)
              .join(''),
          ),
        );
    } finally {
      fs.closeSync(fd);
    }
    runs.push(file);
    buffer = [];
  };
  try {
    for (let lastId = 0; ;) {
      const q = db('items as i').join('item_attributions as ia', 'ia.item_id', 'i.id');
      // SQLite: "+case_id" keeps the planner from reading the case's index and sorting the whole case
      // for every page (quadratic: 35 minutes and counting at 1,515,885 items); PostgreSQL keeps the
      // case index usable (a team server holds other cases).
      if (db.client.config.client === 'pg') q.where('i.case_id', caseId);
      else q.whereRaw('+i.case_id = ?', [caseId]);
      q.whereNotNull('ia.originating_ip')
        .where('i.id', '>', lastId)
        .orderBy('i.id')
        .limit(PAGE)
        .select(
          'i.id',
          'i.message_id',
          'i.bates',
          'i.pack',
          'i.pack_offset',
          'i.size',
          'i.party_id',
          'i.date',
          'ia.originating_ip',
          'ia.account',
          'ia.origin_at',
        );
      const items = (await (options.scope ? options.scope(q) : q)) as Array<{
        id: number | string;
        message_id: number | string;
        bates: string;
        pack: string;
        pack_offset: number | string;
        size: number | string;
        party_id: number;
        date: string | null;
        originating_ip: string;
        account: string | null;
        origin_at: string | null;
      }>;
      if (items.length === 0) break;
      lastId = Number(items.at(-1)!.id);
      const byItem = new Map(items.map((it) => [Number(it.id), it]));
      const deliveries = (await db('deliveries')
        .where('case_id', caseId)
        // By the primary key's message id (deliveries has no index on first_item_id: the filter alone
        // read the whole table for every page), then the deliveries these items brought first.
        .whereIn('message_id', [...new Set(items.map((it) => Number(it.message_id)))])
        .whereIn('first_item_id', [...byItem.keys()])
        .select('first_item_id', 'recipient')) as Array<{ first_item_id: number | string; recipient: string }>;
      // An item's deliveries are all in its page: its believed time is kept for the page only.
      const received = new Map<number, string | null>();
      for (const d of deliveries) {
        const it = byItem.get(Number(d.first_item_id))!;
        const id = Number(it.id);
        if (!received.has(id) && it.origin_at) received.set(id, it.origin_at);
        if (!received.has(id)) {
          // Attributed before the chain walk stored its times: read the believed line from the bytes.
          let at: string | null = null;
          try {
            const raw = readBlob(storeDir, { pack: it.pack, offset: Number(it.pack_offset), size: Number(it.size) });
            at = believedReceivedTime(
              raw,
              trust.get(Number(it.party_id)) ?? matcherFor({ relays: [], authservIds: [] }),
            );
          } catch {
            at = null; // fsck reports unreadable bytes; the list says "no time" rather than fail
          }
          received.set(id, at);
        }
        if (!owners.has(it.originating_ip)) owners.set(it.originating_ip, ownerOf(it.originating_ip));
        buffer.push({
          ...ownerCells(owners.get(it.originating_ip)!),
          ip: it.originating_ip,
          bates: it.bates,
          account: it.account,
          recipient: d.recipient,
          dateHeaderUtc: it.date,
          receivedUtc: received.get(id)!,
          ownerData: OWNER_DATA_LABEL,
        });
        if (buffer.length >= runRows) spill();
      }
    }
    if (runs.length === 0) {
      buffer.sort(compareNetworkRows);
      for (const r of buffer) onRow(r);
      return;
    }
    if (buffer.length > 0) spill();
    // k-way merge of the sorted runs (a few dozen at a million rows: the smallest head is found by a scan). On equal
    // heads the earlier run wins (strict <), so the merge is stable as the whole sort is; the order is total anyway.
    const readers: RunReader[] = [];
    try {
      for (const f of runs) readers.push(new RunReader(f));
      const heads = readers.map((r) => r.next());
      for (;;) {
        let min = -1;
        for (let k = 0; k < heads.length; k++)
          if (heads[k] !== null && (min < 0 || compareNetworkRows(heads[k]!, heads[min]!) < 0)) min = k;
        if (min < 0) break;
        onRow(heads[min]!);
        heads[min] = readers[min]!.next();
      }
    } finally {
      for (const r of readers) r.close();
    }
  } finally {
    if (runDir !== null) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Every delivery whose item has an originating IP, with its network operator and both times, ordered by
 * operator (AS number, then name), IP, believed Received time, Bates number (all in memory: the CLI's and the
 * web's list; the bundle streams them with eachNetworkDelivery).
 */
export async function networkDeliveries(
  db: Knex,
  caseId: number,
  storeDir: string,
  scope?: ItemScope,
): Promise<NetworkDeliveryRow[]> {
  const out: NetworkDeliveryRow[] = [];
  await eachNetworkDelivery(db, caseId, storeDir, (r) => out.push(r), { scope, runRows: Infinity });
  return out;
}

/** The operators of a network list: IPs, deliveries, first and last believed Received time; most deliveries first. */
export function summarizeNetworks(rows: readonly NetworkDeliveryRow[]): NetworkOperatorSummary[] {
  const by = new Map<string, NetworkOperatorSummary & { ipSet: Set<string> }>();
  for (const r of rows) {
    const key = `${r.asn}\n${r.networkOperator}`;
    let s = by.get(key);
    if (s === undefined) {
      s = {
        asn: r.asn,
        networkOperator: r.networkOperator,
        ips: 0,
        deliveries: 0,
        firstReceivedUtc: null,
        lastReceivedUtc: null,
        ipSet: new Set(),
      };
      by.set(key, s);
    }
    s.ipSet.add(r.ip);
    s.deliveries++;
    if (r.receivedUtc !== null) {
      if (s.firstReceivedUtc === null || r.receivedUtc < s.firstReceivedUtc) s.firstReceivedUtc = r.receivedUtc;
      if (s.lastReceivedUtc === null || r.receivedUtc > s.lastReceivedUtc) s.lastReceivedUtc = r.receivedUtc;
    }
  }
  return [...by.values()]
    .map(({ ipSet, ...s }) => ({ ...s, ips: ipSet.size }))
    .sort((x, y) => y.deliveries - x.deliveries || cmp(x.asn, y.asn) || cmp(x.networkOperator, y.networkOperator));
}

/** Restricts a query over `items as i` (an export's as-of scope); the whole case when absent. */
export type ItemScope = (q: Knex.QueryBuilder) => Knex.QueryBuilder;

/**
 * Every account, grouped by its provider (or domain), with first and last seen (the Date headers of its
 * items, UTC) and its items, messages and deliveries, each counted for the account of the item that created
 * it (as the volumes are, docs/COUNTING.md), over the items in `scope`.
 */
export async function providerAccounts(db: Knex, caseId: number, scope?: ItemScope): Promise<ProviderAccountRow[]> {
  const inScope = (q: Knex.QueryBuilder) => (scope ? scope(q) : q);
  const perItem = (await inScope(
    db('items as i')
      .join('item_attributions as ia', 'ia.item_id', 'i.id')
      .where('i.case_id', caseId)
      .whereNotNull('ia.account')
      .groupBy('ia.account')
      .select('ia.account')
      .count({ n: '*' })
      .min({ first: 'i.date' })
      .max({ last: 'i.date' }),
  )) as Array<{ account: string; n: number | string; first: string | null; last: string | null }>;
  const countBy = async (table: 'deliveries' | 'messages', itemColumn: string) =>
    new Map(
      (
        (await inScope(
          db(`${table} as x`)
            .join('items as i', 'i.id', itemColumn)
            .join('item_attributions as ia', 'ia.item_id', 'i.id')
            .where('x.case_id', caseId)
            .whereNotNull('ia.account')
            .groupBy('ia.account')
            .select('ia.account')
            .count({ n: '*' }),
        )) as Array<{ account: string; n: number | string }>
      ).map((r) => [r.account, Number(r.n)]),
    );
  const deliveries = await countBy('deliveries', 'x.first_item_id');
  const messages = await countBy('messages', 'x.first_item_id');
  const meta = new Map(
    (
      (await db('accounts').where({ case_id: caseId }).select('address', 'domain', 'provider')) as Array<{
        address: string;
        domain: string;
        provider: string | null;
      }>
    ).map((r) => [r.address, r]),
  );
  return perItem
    .map((r) => {
      const m = meta.get(r.account);
      const domain = m?.domain ?? r.account.slice(r.account.lastIndexOf('@') + 1);
      return {
        accountProvider: m?.provider || domain,
        account: r.account,
        domain,
        firstSeenUtc: r.first,
        lastSeenUtc: r.last,
        deliveries: deliveries.get(r.account) ?? 0,
        items: Number(r.n),
        messages: messages.get(r.account) ?? 0,
      };
    })
    .sort(
      (x, y) => cmp(x.accountProvider, y.accountProvider) || y.deliveries - x.deliveries || cmp(x.account, y.account),
    );
}

/** The providers of an account list: accounts, deliveries, first and last seen; most accounts first. */
export function summarizeProviders(rows: readonly ProviderAccountRow[]): ProviderSummary[] {
  const by = new Map<string, ProviderSummary>();
  for (const r of rows) {
    const s = by.get(r.accountProvider) ?? {
      accountProvider: r.accountProvider,
      accounts: 0,
      deliveries: 0,
      firstSeenUtc: null,
      lastSeenUtc: null,
    };
    s.accounts++;
    s.deliveries += r.deliveries;
    if (r.firstSeenUtc !== null && (s.firstSeenUtc === null || r.firstSeenUtc < s.firstSeenUtc))
      s.firstSeenUtc = r.firstSeenUtc;
    if (r.lastSeenUtc !== null && (s.lastSeenUtc === null || r.lastSeenUtc > s.lastSeenUtc))
      s.lastSeenUtc = r.lastSeenUtc;
    by.set(r.accountProvider, s);
  }
  return [...by.values()].sort(
    (x, y) => y.accounts - x.accounts || y.deliveries - x.deliveries || cmp(x.accountProvider, y.accountProvider),
  );
}
