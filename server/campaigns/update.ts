/**
 * Campaign clustering of a case, run at the end of every ingest and by `spamcase campaigns update`:
 * every signature of the case is loaded with its campaign, and the messages not yet in one are given
 * one (cluster.ts, exemplarCampaigns: near-linear, stable under appending):
 *   - a message close enough to the exemplar of a campaign (estimated Jaccard >= 0.5) joins the
 *     closest one (its number and exemplar stay): the campaign is extended;
 *   - a message close to no exemplar is a new campaign, numbered next, itself the exemplar;
 *   - a campaign whose exemplar and every member are that close to an older campaign's exemplar
 *     merges into it (the oldest, lowest number); it keeps its row with merged_into set, and the
 *     merge is a custody event.
 * Messages already in a campaign stay in it. Runs in one write transaction, so two ingests of one
 * case never number the same campaign twice.
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { bulkInsert, runStatement } from '../db/bulk-insert.ts';
import { withBusyRetry } from '../db/errors.ts';
import { exemplarCampaigns } from './cluster.ts';
import { equalPositions, SIGNATURE_SIZE } from './minhash.ts';

/** Rows per page when loading signatures (keyset pagination on message id). */
const LOAD_PAGE = 10000;
/** Membership rows written per statement group. */
const MEMBER_PAGE = 5000;
const MEMBER_COLUMNS = ['message_id', 'case_id', 'campaign_number', 'similarity'];
/** Values per IN (...) list. */
const IN_CHUNK = 500;
/**
 * PostgreSQL advisory lock class (second key: the case id) taken first by clustering and by the size recount
 * (sizes.ts), so they never deadlock.
 */
export const PG_CAMPAIGN_LOCK = 0x43414d50; // "CAMP"

export interface CampaignMerge {
  into: number;
  merged: number[];
  messagesMoved: number;
}

export interface CampaignUpdate {
  /** Messages with a fingerprint in the case. */
  messages: number;
  /** Messages given a campaign by this run. */
  messagesAdded: number;
  newCampaigns: number;
  extendedCampaigns: number;
  merges: CampaignMerge[];
  ms: number;
  /**
   * Where the time went (ms of wall time, and of this process's CPU: on a shared machine the CPU is the figure to
   * compare): reading the signatures, clustering them, writing what changed.
   */
  phases: { load: number; cluster: number; write: number };
  cpu: { load: number; cluster: number; write: number };
}

/**
 * The case as clustering reads it: message ids in ascending order, their campaign numbers (0: none), whether each
 * has a signature, and the signatures back to back.
 */
export class Loaded {
  count = 0;
  ids: Float64Array;
  numbers: Int32Array;
  present: Uint8Array;
  sigs: Uint16Array;
  /** `capacity`: the expected count, so that the arrays need not grow (a grow holds both copies). */
  constructor(capacity: number) {
    const c = Math.max(1024, capacity);
    this.ids = new Float64Array(c);
    this.numbers = new Int32Array(c);
    this.present = new Uint8Array(c);
    this.sigs = new Uint16Array(c * SIGNATURE_SIZE);
  }
  /** One page from pageStatement: its messages appended in id order. */
  pushPage(ids: string, numbers: string, present: string, sigsHex: string): void {
    const idList = ids.split(',');
    const numberList = numbers.split(',');
    const count = idList.length;
    if (numberList.length !== count || present.length !== count || sigsHex.length !== count * SIGNATURE_SIZE * 4)
      throw new Error('campaign signatures: a page of the case did not read back whole');
    this.reserve(this.count + count);
    const bytes = Buffer.from(sigsHex, 'hex');
    const base = this.count;
    for (let k = 0; k < count; k++) {
      const i = base + k;
      this.ids[i] = Number(idList[k]);
      this.numbers[i] = Number(numberList[k]);
      this.present[i] = present.charCodeAt(k) === 49 ? 1 : 0;
      const from = k * SIGNATURE_SIZE * 2;
      const to = i * SIGNATURE_SIZE;
      for (let q = 0; q < SIGNATURE_SIZE; q++)
        this.sigs[to + q] = bytes[from + q * 2]! | (bytes[from + q * 2 + 1]! << 8);
    }
    this.count += count;
    for (let i = Math.max(1, base); i < this.count; i++)
      if (this.ids[i]! <= this.ids[i - 1]!) {
        this.sortFrom(base);
        break;
      }
  }
  /** Puts the messages from `base` on in id order (a page the database did not aggregate in index order). */
  private sortFrom(base: number): void {
    const n = this.count - base;
    const order = Array.from({ length: n }, (_, k) => base + k).sort((x, y) => this.ids[x]! - this.ids[y]!);
    const ids = order.map((i) => this.ids[i]!);
    const numbers = order.map((i) => this.numbers[i]!);
    const present = order.map((i) => this.present[i]!);
    const sigs = new Uint16Array(n * SIGNATURE_SIZE);
    order.forEach((i, k) =>
      sigs.set(this.sigs.subarray(i * SIGNATURE_SIZE, (i + 1) * SIGNATURE_SIZE), k * SIGNATURE_SIZE),
    );
    this.ids.set(ids, base);
    this.numbers.set(numbers, base);
    this.present.set(present, base);
    this.sigs.set(sigs, base * SIGNATURE_SIZE);
    for (let i = base + 1; i < this.count; i++)
      if (this.ids[i] === this.ids[i - 1]) throw new Error(`campaign signatures: message ${this.ids[i]} read twice`);
  }
  /** Room for `n` messages (a grow holds both copies, so the constructor is told the expected count). */
  private reserve(n: number): void {
    if (n <= this.ids.length) return;
    const size = Math.max(n, this.ids.length * 2);
    const grow = <T extends Float64Array | Int32Array | Uint8Array | Uint16Array>(a: T, len: number): T => {
      const b = new (a.constructor as new (n: number) => T)(len);
      b.set(a);
      return b;
    };
    this.ids = grow(this.ids, size);
    this.numbers = grow(this.numbers, size);
    this.present = grow(this.present, size);
    this.sigs = grow(this.sigs, size * SIGNATURE_SIZE);
  }
  indexOf(id: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid]!;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/** Hex of an all-zero signature: the placeholder of a message without one (its present flag is 0). */
const NO_SIGNATURE_HEX = '0'.repeat(SIGNATURE_SIZE * 4);

/**
 * One page of the case as four strings, each aggregated in message id order: the ids, the campaign numbers
 * (0: none), whether the message has a signature (1/0), and every signature in hex back to back. A row per
 * message made a Buffer per signature and an object per row, 3.4 µs a message of the re-run's CPU on SQLite
 * (about 3.4 s of it at a million messages); the strings decode in one call per page.
 */
function pageStatement(pg: boolean): string {
  const len = pg ? 'octet_length(f.minhash)' : 'length(f.minhash)';
  const hex = pg ? "encode(f.minhash, 'hex')" : 'hex(f.minhash)';
  const agg = pg ? 'string_agg' : 'group_concat';
  // The four aggregates are computed in one pass over the same rows, so they agree with each other whatever the
  // order; SQLite reads the range in index order (case_id, message_id), and pushPage checks the ids ascend. An
  // ORDER BY inside each aggregate made SQLite sort four times: 2.4x the CPU of the read.
  const order = pg ? ' order by f.message_id' : '';
  const text = (e: string) => (pg ? `(${e})::text` : e);
  const has = `coalesce(${len}, 0) = ${SIGNATURE_SIZE * 2}`;
  return (
    `select ${agg}(${text('f.message_id')}, ','${order}) as ids,` +
    ` ${agg}(${text('coalesce(m.campaign_number, 0)')}, ','${order}) as numbers,` +
    ` ${agg}(case when ${has} then '1' else '0' end, ''${order}) as present,` +
    ` ${agg}(case when ${has} then ${hex} else '${NO_SIGNATURE_HEX}' end, ''${order}) as sigs` +
    ' from message_fingerprints f left join campaign_members m on m.message_id = f.message_id' +
    ' where f.case_id = ? and f.message_id > ? and f.message_id <= ?'
  );
}

async function load(trx: Knex.Transaction, caseId: number): Promise<Loaded> {
  const bounds = (await trx('message_fingerprints')
    .where({ case_id: caseId })
    .count({ n: '*' })
    .min({ lo: 'message_id' })
    .max({ hi: 'message_id' })
    .first()) as { n: number | string; lo: number | string | null; hi: number | string | null } | undefined;
  const loaded = new Loaded(Number(bounds?.n ?? 0));
  if (bounds?.lo === null || bounds?.lo === undefined) return loaded;
  // Pages are ranges of message ids, not "after X, ORDER BY, LIMIT": with statistics taken while the
  // table was small, PostgreSQL planned each such page as a scan and sort of every later row (0.65 s
  // a page, 40 s to load a million messages).
  const sql = pageStatement(trx.client.config.client === 'pg');
  const hi = Number(bounds.hi);
  for (let lo = Number(bounds.lo) - 1; lo < hi; lo += LOAD_PAGE) {
    const [page] = await runStatement(trx, sql, [caseId, lo, lo + LOAD_PAGE]);
    if (!page || page.ids === null || page.ids === undefined) continue;
    loaded.pushPage(String(page.ids), String(page.numbers), String(page.present), String(page.sigs));
  }
  return loaded;
}

export async function updateCampaigns(ctx: Context, caseId: number, caseSlug: string): Promise<CampaignUpdate> {
  const t0 = Date.now();
  return withBusyRetry(() =>
    ctx.db.knex.transaction(async (trx) => {
      if (trx.client.config.client === 'pg')
        await trx.raw('select pg_advisory_xact_lock(?, ?)', [PG_CAMPAIGN_LOCK, caseId]);
      const tLoad = Date.now();
      const cLoad = process.cpuUsage();
      const loaded = await load(trx, caseId);
      const n = loaded.count;
      const tCluster0 = Date.now();
      const cCluster0 = process.cpuUsage();
      const live = (await trx('campaigns')
        .where({ case_id: caseId })
        .whereNull('merged_into')
        .select('number', 'exemplar_message_id')) as Array<{ number: number; exemplar_message_id: number | string }>;
      const exemplarIndex = new Map<number, number>(
        live.map((c) => [Number(c.number), loaded.indexOf(Number(c.exemplar_message_id))]),
      );
      const result = exemplarCampaigns({
        signatures: loaded.sigs,
        present: loaded.present,
        count: n,
        numbers: loaded.numbers,
        exemplars: exemplarIndex,
      });
      const tCluster = Date.now();
      const cCluster = process.cpuUsage();
      const mergedInto = result.mergedInto;
      const maxRow = (await trx('campaigns').where({ case_id: caseId }).max({ m: 'number' }).first()) as
        { m: number | string | null } | undefined;
      const next = Number(maxRow?.m ?? 0) + 1;

      // New campaigns are numbered in the order of their exemplar (their oldest message).
      const newCampaignRows: unknown[][] = [];
      const created = ctx.clock().toISOString();
      result.newExemplars.forEach((ex, k) => {
        exemplarIndex.set(next + k, ex);
        newCampaignRows.push([caseId, next + k, loaded.ids[ex], 0, null, created]);
      });
      const numberOf = (i: number) => {
        const c = result.campaign[i]!;
        return c > 0 ? c : next - c - 1;
      };

      // Memberships that change, in two passes over the messages so that no row array the size of
      // the case is held (a first ingest of a million messages changes a million memberships): the
      // first counts them per campaign and lists the moved messages, the second writes them in pages.
      const moved: number[] = [];
      const movedPer = new Map<number, number>();
      const addedTo = new Map<number, number>();
      let changed = 0;
      for (let i = 0; i < n; i++) {
        const num = numberOf(i);
        const before = loaded.numbers[i]!;
        if (before === num) continue;
        changed += 1;
        addedTo.set(num, (addedTo.get(num) ?? 0) + 1);
        if (before > 0) {
          moved.push(loaded.ids[i]!);
          movedPer.set(before, (movedPer.get(before) ?? 0) + 1);
        }
      }

      // Writes.
      const newNumbers = new Set(newCampaignRows.map((r) => r[1] as number));
      for (const row of newCampaignRows) row[3] = addedTo.get(row[1] as number) ?? 0;
      await bulkInsert(
        trx,
        'campaigns',
        ['case_id', 'number', 'exemplar_message_id', 'messages', 'merged_into', 'created_at'],
        newCampaignRows,
      );
      for (let k = 0; k < moved.length; k += IN_CHUNK)
        await trx('campaign_members')
          .whereIn('message_id', moved.slice(k, k + IN_CHUNK))
          .delete();
      let memberRows: unknown[][] = [];
      for (let i = 0; i < n; i++) {
        const num = numberOf(i);
        if (loaded.numbers[i]! === num) continue;
        const ex = exemplarIndex.get(num) ?? -1;
        const similarity =
          ex === i
            ? 1
            : ex >= 0 && loaded.present[i] && loaded.present[ex]
              ? equalPositions(loaded.sigs, ex * SIGNATURE_SIZE, loaded.sigs, i * SIGNATURE_SIZE) / SIGNATURE_SIZE
              : 0;
        memberRows.push([loaded.ids[i], caseId, num, similarity]);
        if (memberRows.length === MEMBER_PAGE) {
          await bulkInsert(trx, 'campaign_members', MEMBER_COLUMNS, memberRows);
          memberRows = [];
        }
      }
      await bulkInsert(trx, 'campaign_members', MEMBER_COLUMNS, memberRows);
      let extended = 0;
      for (const [num, added] of addedTo) {
        if (newNumbers.has(num)) continue;
        extended += 1;
        await trx('campaigns').where({ case_id: caseId, number: num }).increment('messages', added);
      }
      const merges = new Map<number, CampaignMerge>();
      for (const [from, into] of [...mergedInto].sort((a, b) => a[0] - b[0])) {
        await trx('campaigns').where({ case_id: caseId, number: from }).update({ merged_into: into });
        const m = merges.get(into) ?? { into, merged: [], messagesMoved: 0 };
        m.merged.push(from);
        m.messagesMoved += movedPer.get(from) ?? 0;
        merges.set(into, m);
      }
      const at = ctx.clock();
      for (const m of merges.values()) {
        await appendCustodyEvent(trx, {
          caseId,
          caseSlug,
          at,
          actor: ctx.actor,
          action: 'campaigns-merged',
          details: { into: m.into, merged: m.merged, messagesMoved: m.messagesMoved },
        });
      }
      const summary = {
        messages: n,
        messagesAdded: changed - moved.length,
        newCampaigns: newCampaignRows.length,
        extendedCampaigns: extended,
        merges: [...merges.values()],
      };
      if (summary.messagesAdded > 0 || summary.merges.length > 0) {
        await appendCustodyEvent(trx, {
          caseId,
          caseSlug,
          at,
          actor: ctx.actor,
          action: 'campaigns-clustered',
          details: {
            messages: n,
            messagesAdded: summary.messagesAdded,
            newCampaigns: summary.newCampaigns,
            extendedCampaigns: extended,
            merges: summary.merges.length,
          },
        });
      }
      const end = Date.now();
      const phases = { load: tCluster0 - tLoad, cluster: tCluster - tCluster0, write: end - tCluster };
      const ms = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => Math.round((b.user - a.user + b.system - a.system) / 1000);
      const cEnd = process.cpuUsage();
      const cpu = { load: ms(cLoad, cCluster0), cluster: ms(cCluster0, cCluster), write: ms(cCluster, cEnd) };
      return { ...summary, ms: end - t0, phases, cpu };
    }),
  );
}
