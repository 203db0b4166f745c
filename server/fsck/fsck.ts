/**
 * `spamcase fsck`: proves the store and the index agree. Re-hashes every stored blob, checks each
 * item and wrapper row points at a record holding exactly its bytes, finds records no row points
 * at (left by a crash between fsync and commit: harmless, reported), checks the counting
 * invariants and the custody chain. Memory is bounded by one pack segment's index.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.ts';
import { storeDir } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { appendCustodyEvent, listCustodyEvents, verifyCustodyChain } from '../custody/chain.ts';
import { listSegments, packDir, scanSegment } from '../store/pack-store.ts';

export interface FsckResult {
  case: string;
  ok: boolean;
  segments: number;
  records: number;
  itemsChecked: number;
  wrappersChecked: number;
  unreferencedRecords: number;
  custodyEvents: number;
  problems: string[];
  warnings: string[];
}

interface Ref {
  kind: 'item' | 'wrapper' | 'log file';
  sha256: string;
  size: number;
}

/** The tables whose rows point into the pack segments, and what fsck calls each row. */
const PACKED_TABLES: ReadonlyArray<readonly [string, Ref['kind']]> = [
  ['items', 'item'],
  ['wrappers', 'wrapper'],
  ['log_files', 'log file'],
];

export async function fsck(ctx: Context, slug: string): Promise<FsckResult> {
  const knex = ctx.db.knex;
  const c = await getCase(knex, slug);
  const dir = storeDir(ctx, slug);
  const problems: string[] = [];
  const warnings: string[] = [];
  let records = 0;
  let itemsChecked = 0;
  let wrappersChecked = 0;
  let unreferenced = 0;

  const segments = listSegments(dir);
  const referencedPacks = (await knex('items')
    .where({ case_id: c.id })
    .distinct('pack')
    .union((q) => q.from('wrappers').where({ case_id: c.id }).distinct('pack'))
    .union((q) => q.from('log_files').where({ case_id: c.id }).distinct('pack'))) as Array<{
    pack: string;
  }>;
  for (const { pack } of referencedPacks) {
    if (!segments.includes(pack))
      problems.push(`pack segment ${pack} is referenced by the index but missing from ${packDir(dir)}`);
  }

  for (const pack of segments) {
    const refs = new Map<number, Ref>();
    // Items, then wrappers (one stored blob may be the wrapper of several acquisitions), then mail
    // server logs (server/logs/), each checked against its record.
    for (const [table, kind] of PACKED_TABLES) {
      const q = knex(table).where({ case_id: c.id, pack });
      const rows = (await (kind === 'wrapper'
        ? q.distinct('sha256', 'size', 'pack_offset')
        : q.select('sha256', 'size', 'pack_offset'))) as Array<{
        sha256: string;
        size: number | string;
        pack_offset: number | string;
      }>;
      for (const r of rows) refs.set(Number(r.pack_offset), { kind, sha256: r.sha256, size: Number(r.size) });
    }

    const scan = scanSegment(dir, pack, (rec) => {
      records += 1;
      if (rec.declaredSha256 !== rec.actualSha256)
        problems.push(
          `${pack} offset ${rec.offset}: bytes hash to ${rec.actualSha256}, record says ${rec.declaredSha256} (altered)`,
        );
      const ref = refs.get(rec.offset);
      if (!ref) {
        unreferenced += 1;
        return;
      }
      refs.delete(rec.offset);
      if (ref.kind === 'item') itemsChecked += 1;
      else wrappersChecked += 1;
      if (ref.sha256 !== rec.actualSha256 || ref.size !== rec.size) {
        problems.push(
          `${ref.kind} ${ref.sha256} (${pack} offset ${rec.offset}): stored bytes hash to ${rec.actualSha256}, size ${rec.size}`,
        );
      }
    });
    if (scan.problem) {
      const msg = `${pack}: ${scan.problem}; ${scan.trailingBytes} bytes after the last complete record`;
      // An interrupted write leaves a cut-short tail: only a problem if the index points into it.
      (refs.size > 0 ? problems : warnings).push(msg);
    }
    for (const [offset, ref] of refs) problems.push(`${ref.kind} ${ref.sha256}: no record at ${pack} offset ${offset}`);
    try {
      if ((fs.statSync(path.join(packDir(dir), pack)).mode & 0o222) !== 0 && scan.records > 0) {
        warnings.push(`${pack} is writable; closed segments are made read-only (an ingest may be running)`);
      }
    } catch {
      /* listed a moment ago; vanished segments are caught above */
    }
  }
  if (unreferenced > 0)
    warnings.push(
      `${unreferenced} stored record(s) not referenced by the index (left by an interrupted ingest; they count nowhere)`,
    );

  // Counting invariants.
  const n = async (q: ReturnType<typeof knex>) =>
    Number(((await q.count({ n: '*' }).first()) as { n: number | string }).n);
  const items = await n(knex('items').where({ case_id: c.id }));
  const firstSamples = await n(knex('samples').where({ case_id: c.id, exact_duplicate: false }));
  if (items !== firstSamples) problems.push(`${items} items but ${firstSamples} samples that first brought an item`);
  const orphanDeliveries = await n(
    knex('samples as s')
      .leftJoin('deliveries as d', function () {
        this.on('d.message_id', 's.message_id').andOn('d.recipient', 's.recipient');
      })
      .where('s.case_id', c.id)
      .whereNull('d.message_id'),
  );
  if (orphanDeliveries > 0) problems.push(`${orphanDeliveries} samples whose delivery is missing from the index`);
  for (const [table, column, word] of [
    ['items', 'sha256', 'item'],
    ['messages', 'message_key', 'message'],
  ] as const) {
    const repeated = (await knex(table)
      .where({ case_id: c.id })
      .groupBy(column)
      .having(knex.raw('count(*) > 1'))
      .select(column)
      .limit(10)) as Array<Record<string, string>>;
    for (const r of repeated) problems.push(`${word} ${r[column]} is filed more than once (counted twice)`);
  }
  const unfinished = (await knex('acquisitions')
    .where({ case_id: c.id })
    .whereIn('status', ['running', 'interrupted'])
    .orderBy('id')
    .select('id', 'source_name', 'status')) as Array<{ id: number; source_name: string; status: string }>;
  for (const a of unfinished)
    warnings.push(
      `acquisition ${a.id} (${a.source_name}) did not finish (${a.status === 'running' ? 'still marked running' : 'interrupted: its process ended first'}); ingest it again: nothing is counted twice`,
    );

  const events = await listCustodyEvents(knex, c.id, c.slug);
  problems.push(...verifyCustodyChain(events));

  const result: FsckResult = {
    case: c.slug,
    ok: problems.length === 0,
    segments: segments.length,
    records,
    itemsChecked,
    wrappersChecked,
    unreferencedRecords: unreferenced,
    custodyEvents: events.length,
    problems,
    warnings,
  };
  await knex.transaction((trx) =>
    appendCustodyEvent(trx, {
      caseId: c.id,
      caseSlug: c.slug,
      at: ctx.clock(),
      actor: ctx.actor,
      action: 'fsck',
      details: {
        ok: result.ok,
        records,
        itemsChecked,
        wrappersChecked,
        unreferencedRecords: unreferenced,
        problems: problems.length,
      },
    }),
  );
  return result;
}
