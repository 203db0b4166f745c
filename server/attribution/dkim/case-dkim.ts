/**
 * `spamcase dkim`: verify every item of a case against one key snapshot and keep the results,
 * and the reads the rest of the product makes of them (itemDkim for attribution, itemDkimDetail
 * for the message view).
 *
 * Items are verified in id order (ingest order) in batches; each batch's rows and the snapshot's
 * `covered_through_item_id` mark commit in one transaction, so a re-run with the same snapshot
 * starts after the mark (changes nothing once the case is done) and a crash loses at most one
 * batch. Every run appends one custody event ('dkim-verified') naming the snapshot's SHA-256.
 */
import type { Knex } from 'knex';
import type { Context } from '../../context.ts';
import { storeDir } from '../../context.ts';
import { getCase } from '../../cases/cases.ts';
import { appendCustodyEvent } from '../../custody/chain.ts';
import { bulkInsert } from '../../db/bulk-insert.ts';
import { withBusyRetry } from '../../db/errors.ts';
import { readBlob } from '../../store/pack-store.ts';
import type { KeySnapshot } from './key-snapshot.ts';
import { dkimSummary, verifyDkim, type DkimResult, type DkimVerification } from './verify.ts';

/**
 * Items read and verified per transaction: bounds memory (at most this many messages in flight) and the work a crash
 * can lose.
 */
export const DKIM_BATCH_ITEMS = 500;

export interface DkimProgress {
  items: number;
  total: number;
  signedItems: number;
  elapsedMs: number;
}

export interface DkimCounts {
  /** Items covered (verified against this snapshot, signed or not). */
  items: number;
  unsigned: number;
  pass: number;
  fail: number;
  noKey: number;
  notVerified: number;
}

export interface DkimRunSummary {
  case: string;
  snapshot: { source: string; sha256: string; records: number; warnings: string[] };
  /** What this run did: items verified now (0 when an earlier run with this snapshot already covered them). */
  run: DkimCounts & { signatures: number; elapsedMs: number };
  /** Every item of the case verified against this snapshot, this run and earlier ones. */
  totals: DkimCounts;
}

const RESULT_COLUMNS = [
  'item_id',
  'snapshot_sha256',
  'signature_index',
  'case_id',
  'signature_field',
  'domain',
  'identity',
  'selector',
  'algorithm',
  'body_length',
  'result',
  'reason',
  'key_fingerprint',
  'verified_at',
] as const;

function emptyCounts(): DkimCounts {
  return { items: 0, unsigned: 0, pass: 0, fail: 0, noKey: 0, notVerified: 0 };
}

function countResult(counts: DkimCounts, result: DkimResult): void {
  counts.items += 1;
  if (result === 'none') counts.unsigned += 1;
  else if (result === 'pass') counts.pass += 1;
  else if (result === 'fail') counts.fail += 1;
  else if (result === 'no-key') counts.noKey += 1;
  else counts.notVerified += 1;
}

/**
 * Record the snapshot for the case (once per SHA-256; safe against a concurrent run) and return its row id and coverage
 * mark.
 */
async function recordSnapshot(
  knex: Knex,
  caseId: number,
  snapshot: KeySnapshot,
  at: string,
): Promise<{ id: number; covered: number }> {
  await withBusyRetry(() =>
    knex('dkim_snapshots')
      .insert({
        case_id: caseId,
        sha256: snapshot.sha256,
        source_name: snapshot.source,
        records: snapshot.records.size,
        bytes: snapshot.bytes,
        content: snapshot.text,
        first_run_at: at,
        last_run_at: at,
        covered_through_item_id: 0,
      })
      .onConflict(['case_id', 'sha256'])
      .ignore(),
  );
  const row = (await knex('dkim_snapshots')
    .where({ case_id: caseId, sha256: snapshot.sha256 })
    .first('id', 'covered_through_item_id')) as { id: number; covered_through_item_id: number | string };
  return { id: Number(row.id), covered: Number(row.covered_through_item_id) };
}

/** Case-wide counts for one snapshot: each covered item counted once, under its per-item result. */
async function snapshotTotals(knex: Knex, caseId: number, sha256: string, covered: number): Promise<DkimCounts> {
  const items = Number(
    (
      (await knex('items').where({ case_id: caseId }).andWhere('id', '<=', covered).count({ n: '*' }).first()) as {
        n: number | string;
      }
    ).n,
  );
  const ranked = knex('dkim_results')
    .where({ case_id: caseId, snapshot_sha256: sha256 })
    .groupBy('item_id')
    .select(
      'item_id',
      knex.raw(`min(case result when 'pass' then 0 when 'fail' then 1 when 'no-key' then 2 else 3 end) as best`),
    )
    .as('r');
  const rows = (await knex.from(ranked).groupBy('best').select('best').count({ n: '*' })) as Array<{
    best: number | string;
    n: number | string;
  }>;
  const by = new Map(rows.map((r) => [Number(r.best), Number(r.n)]));
  const signed = [...by.values()].reduce((a, b) => a + b, 0);
  return {
    items,
    unsigned: items - signed,
    pass: by.get(0) ?? 0,
    fail: by.get(1) ?? 0,
    noKey: by.get(2) ?? 0,
    notVerified: by.get(3) ?? 0,
  };
}

interface ItemRow {
  id: number | string;
  pack: string;
  pack_offset: number | string;
  size: number | string;
  harvested_at: string;
}

/** Verify every item of the case not yet verified against this snapshot; record results and one custody event. */
export async function verifyCaseDkim(
  ctx: Context,
  options: { caseSlug: string; snapshot: KeySnapshot; onProgress?: (p: DkimProgress) => void },
): Promise<DkimRunSummary> {
  const knex = ctx.db.knex;
  const c = await getCase(knex, options.caseSlug);
  const { snapshot } = options;
  const started = Date.now();
  const startedAt = ctx.clock().toISOString();
  const record = await recordSnapshot(knex, c.id, snapshot, startedAt);
  const fromItemId = record.covered;
  const dir = storeDir(ctx, c.slug);
  const total = Number(
    (
      (await knex('items').where({ case_id: c.id }).andWhere('id', '>', fromItemId).count({ n: '*' }).first()) as {
        n: number | string;
      }
    ).n,
  );
  const run = { ...emptyCounts(), signatures: 0, elapsedMs: 0 };
  let covered = fromItemId;

  for (;;) {
    const items = (await knex('items as i')
      .join('acquisitions as a', 'a.id', 'i.first_acquisition_id')
      .where('i.case_id', c.id)
      .andWhere('i.id', '>', covered)
      .orderBy('i.id')
      .limit(DKIM_BATCH_ITEMS)
      .select('i.id', 'i.pack', 'i.pack_offset', 'i.size', 'a.started_at as harvested_at')) as ItemRow[];
    if (items.length === 0) break;
    const verifiedAt = ctx.clock().toISOString();
    const rows: unknown[][] = [];
    for (const item of items) {
      const raw = readBlob(dir, { pack: item.pack, offset: Number(item.pack_offset), size: Number(item.size) });
      // Signatures are judged as of the harvest (x= expiry), the moment the snapshot stands for, with
      // the default minimum key size: results are recorded per snapshot, so every run must judge alike.
      const results = await verifyDkim(raw, snapshot, { at: new Date(item.harvested_at) });
      countResult(run, dkimSummary(results).result);
      for (const r of results) {
        if (r.field === null) continue;
        run.signatures += 1;
        rows.push([
          Number(item.id),
          snapshot.sha256,
          r.index,
          c.id,
          r.field,
          r.domain,
          r.identity,
          r.selector,
          r.algorithm,
          r.bodyLength,
          r.result,
          r.reason,
          r.keyFingerprint,
          verifiedAt,
        ]);
      }
    }
    const last = Number(items[items.length - 1]!.id);
    await withBusyRetry(() =>
      knex.transaction(async (trx) => {
        await bulkInsert(trx, 'dkim_results', RESULT_COLUMNS, rows, ['item_id', 'snapshot_sha256', 'signature_index']);
        await trx('dkim_snapshots')
          .where({ id: record.id })
          .andWhere('covered_through_item_id', '<', last)
          .update({ covered_through_item_id: last });
      }),
    );
    covered = last;
    options.onProgress?.({
      items: run.items,
      total,
      signedItems: run.items - run.unsigned,
      elapsedMs: Date.now() - started,
    });
  }
  run.elapsedMs = Date.now() - started;

  const finishedAt = ctx.clock();
  const totals = await withBusyRetry(() =>
    knex.transaction(async (trx) => {
      await trx('dkim_snapshots').where({ id: record.id }).update({ last_run_at: finishedAt.toISOString() });
      const mark = Number(
        (
          (await trx('dkim_snapshots').where({ id: record.id }).first('covered_through_item_id')) as {
            covered_through_item_id: number | string;
          }
        ).covered_through_item_id,
      );
      const t = await snapshotTotals(trx, c.id, snapshot.sha256, mark);
      await appendCustodyEvent(trx, {
        caseId: c.id,
        caseSlug: c.slug,
        at: finishedAt,
        actor: ctx.actor,
        action: 'dkim-verified',
        details: {
          snapshotSha256: snapshot.sha256,
          snapshotSource: snapshot.source,
          keyRecords: snapshot.records.size,
          itemsVerified: run.items,
          fromItemId,
          throughItemId: mark,
          signatures: run.signatures,
          run: {
            unsigned: run.unsigned,
            pass: run.pass,
            fail: run.fail,
            noKey: run.noKey,
            notVerified: run.notVerified,
          },
          totals: t,
        },
      });
      return t;
    }),
  );
  return {
    case: c.slug,
    snapshot: {
      source: snapshot.source,
      sha256: snapshot.sha256,
      records: snapshot.records.size,
      warnings: snapshot.warnings,
    },
    run,
    totals,
  };
}

export interface ItemDkim {
  result: DkimResult;
  /** d= of the signature the result rests on (for pass: the verified signing domain). */
  domain: string | null;
  /** i= of that signature, when it has one (for pass: the verified agent or user identity). */
  identity: string | null;
  keyFingerprint: string | null;
  reason: string;
  /** The snapshot the result was verified against; null when the item was never verified. */
  snapshotSha256: string | null;
}

interface SnapshotMark {
  sha256: string;
  covered: number;
}

/** The case's snapshots, most recently run first: an item's result comes from the first one that covers it. */
async function snapshotMarks(knex: Knex, caseId: number): Promise<SnapshotMark[]> {
  const rows = (await knex('dkim_snapshots')
    .where({ case_id: caseId })
    .orderBy([
      { column: 'last_run_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .select('sha256', 'covered_through_item_id')) as Array<{
    sha256: string;
    covered_through_item_id: number | string;
  }>;
  return rows.map((r) => ({ sha256: r.sha256, covered: Number(r.covered_through_item_id) }));
}

interface ResultRow {
  item_id: number | string;
  snapshot_sha256: string;
  signature_index: number | string;
  signature_field: string;
  domain: string | null;
  identity: string | null;
  selector: string | null;
  algorithm: string | null;
  body_length: number | string | null;
  result: DkimResult;
  reason: string;
  key_fingerprint: string | null;
}

function toVerification(r: ResultRow): DkimVerification {
  return {
    index: Number(r.signature_index),
    field: r.signature_field as DkimVerification['field'],
    domain: r.domain,
    identity: r.identity,
    selector: r.selector,
    algorithm: r.algorithm,
    canonicalization: null,
    bodyLength: r.body_length === null ? null : Number(r.body_length),
    result: r.result,
    reason: r.reason,
    keyFingerprint: r.key_fingerprint,
  };
}

const NOT_VERIFIED: ItemDkim = {
  result: 'not-verified',
  domain: null,
  identity: null,
  keyFingerprint: null,
  reason: "DKIM not verified yet (it needs the snapshot of the signers' keys from the day the mail was collected)",
  snapshotSha256: null,
};

/** Chunk size for IN (...) lists: far below SQLite's and PostgreSQL's bound-parameter limits. */
const IN_CHUNK = 500;

/**
 * The per-item DKIM result for attribution: for each item, the result against the most recently
 * run snapshot that covers it ('none' when it carried no signature; 'not-verified' when no run
 * has covered it yet).
 */
export async function itemDkim(db: Knex, caseId: number, itemIds: number[]): Promise<Map<number, ItemDkim>> {
  const out = new Map<number, ItemDkim>();
  if (itemIds.length === 0) return out;
  const marks = await snapshotMarks(db, caseId);
  const rowsByItem = new Map<number, ResultRow[]>();
  for (let i = 0; i < itemIds.length; i += IN_CHUNK) {
    const chunk = itemIds.slice(i, i + IN_CHUNK);
    // "+case_id": look each item up by its key, not the case's rows by a case index (see itemAttributions).
    const rows = (await db('dkim_results')
      .whereRaw('+case_id = ?', [caseId])
      .whereIn('item_id', chunk)
      .orderBy(['item_id', 'signature_index'])) as ResultRow[];
    for (const r of rows) {
      const id = Number(r.item_id);
      let list = rowsByItem.get(id);
      if (!list) rowsByItem.set(id, (list = []));
      list.push(r);
    }
  }
  for (const id of itemIds) {
    const mark = marks.find((m) => m.covered >= id);
    if (!mark) {
      out.set(id, NOT_VERIFIED);
      continue;
    }
    const rows = (rowsByItem.get(id) ?? []).filter((r) => r.snapshot_sha256 === mark.sha256);
    const s = dkimSummary(rows.map(toVerification));
    out.set(id, {
      result: s.result,
      domain: s.domain,
      identity: s.identity,
      keyFingerprint: s.keyFingerprint,
      reason: s.reason,
      snapshotSha256: mark.sha256,
    });
  }
  return out;
}

/** Every signature of one item as verified against the snapshot that speaks for it (the message view). */
export async function itemDkimDetail(
  db: Knex,
  caseId: number,
  itemId: number,
): Promise<{ summary: ItemDkim; signatures: DkimVerification[] }> {
  const summary = (await itemDkim(db, caseId, [itemId])).get(itemId) ?? NOT_VERIFIED;
  if (summary.snapshotSha256 === null) return { summary, signatures: [] };
  const rows = (await db('dkim_results')
    .where({ case_id: caseId, item_id: itemId, snapshot_sha256: summary.snapshotSha256 })
    .orderBy('signature_index')) as ResultRow[];
  return { summary, signatures: rows.map(toVerification) };
}
