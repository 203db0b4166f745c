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
import { bulkInsert } from '../db/bulk-insert.ts';
import { withBusyRetry } from '../db/errors.ts';
import { exemplarCampaigns } from './cluster.ts';
import { equalPositions, SIGNATURE_SIZE, signatureFromBytes } from './minhash.ts';

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
}

/** A growable pair of arrays: message ids and their campaign numbers, plus signatures. */
class Loaded {
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
  push(id: number, number: number, minhash: Uint8Array | null): void {
    if (this.count === this.ids.length) {
      const grow = <T extends Float64Array | Int32Array | Uint8Array | Uint16Array>(a: T, n: number): T => {
        const b = new (a.constructor as new (n: number) => T)(n);
        b.set(a);
        return b;
      };
      this.ids = grow(this.ids, this.count * 2);
      this.numbers = grow(this.numbers, this.count * 2);
      this.present = grow(this.present, this.count * 2);
      this.sigs = grow(this.sigs, this.count * 2 * SIGNATURE_SIZE);
    }
    const i = this.count++;
    this.ids[i] = id;
    this.numbers[i] = number;
    if (minhash !== null && minhash.length === SIGNATURE_SIZE * 2) {
      signatureFromBytes(minhash, this.sigs, i * SIGNATURE_SIZE);
      this.present[i] = 1;
    } else this.present[i] = 0;
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
  const hi = Number(bounds.hi);
  for (let lo = Number(bounds.lo) - 1; lo < hi; lo += LOAD_PAGE) {
    const rows = (await trx('message_fingerprints as f')
      .leftJoin('campaign_members as m', 'm.message_id', 'f.message_id')
      .where('f.case_id', caseId)
      .andWhere('f.message_id', '>', lo)
      .andWhere('f.message_id', '<=', lo + LOAD_PAGE)
      .orderBy('f.message_id')
      .select('f.message_id', 'f.minhash', 'm.campaign_number')) as Array<{
      message_id: number | string;
      minhash: Uint8Array | null;
      campaign_number: number | null;
    }>;
    for (const r of rows)
      loaded.push(Number(r.message_id), r.campaign_number === null ? 0 : Number(r.campaign_number), r.minhash);
  }
  return loaded;
}

export async function updateCampaigns(ctx: Context, caseId: number, caseSlug: string): Promise<CampaignUpdate> {
  const t0 = Date.now();
  return withBusyRetry(() =>
    ctx.db.knex.transaction(async (trx) => {
      if (trx.client.config.client === 'pg')
        await trx.raw('select pg_advisory_xact_lock(?, ?)', [PG_CAMPAIGN_LOCK, caseId]);
      const loaded = await load(trx, caseId);
      const n = loaded.count;
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
      return { ...summary, ms: Date.now() - t0 };
    }),
  );
}
