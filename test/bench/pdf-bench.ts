/**
 * `npm run bench:pdf [-- --messages N] [--seed S] [--runs R]`: builds a case of N generated
 * messages (default 100,000; corpus cached under .tmp/bench/), ingests it into a fresh SQLite case
 * with two plaintiffs, then times gatherSummaryData and renderSummaryPdf (en and fr) R times each
 * and prints the medians, the PDF size and pages, and the peak RSS. The PDF holds top-N tables and
 * totals, so render time does not grow with the case; gather time is the aggregate queries
 * (caseReport's among them, timed apart). --keep leaves the case's data root for profiling.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { PROJECT_ROOT } from '../../server/config.ts';
import type { Context } from '../../server/context.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { gatherSummaryData } from '../../server/pdf/gather.ts';
import { renderSummaryPdf } from '../../server/pdf/render.ts';
import { caseReport } from '../../server/report/counts.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const n = Number(values.messages);
const seed = Number(values.seed);
const runs = Number(values.runs);
if (!Number.isInteger(n) || n <= 0) throw new Error('--messages must be a positive integer');

/** Two corpora of N/2 messages (seeds S and S+1), one per plaintiff, cached like the ingest bench's. */
async function corpus(messages: number, corpusSeed: number): Promise<{ dir: string; truth: CorpusTruth }> {
  const dir = path.join(PROJECT_ROOT, '.tmp', 'bench', `corpus-${messages}-${corpusSeed}`);
  const truthFile = path.join(dir, 'truth.json');
  if (fs.existsSync(truthFile)) return { dir, truth: JSON.parse(fs.readFileSync(truthFile, 'utf8')) as CorpusTruth };
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  const truth = await generateCorpus({ out: dir, messages, seed: corpusSeed, layout: 'eml' });
  console.log(`corpus ${dir} generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { dir, truth };
}
const first = await corpus(Math.ceil(n / 2), seed);
const second = await corpus(Math.floor(n / 2), seed + 1);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-pdf-bench-'));
const db = openDatabase({ client: 'sqlite', filename: path.join(home, 'spamcase.sqlite') });
await migrateToLatest(db.knex);
const ctx: Context = { db, dataRoot: home, clock: () => new Date(), actor: 'bench' };
try {
  const c = await createCase(ctx, {
    slug: 'bench',
    title: 'Laposte.net and MSN Hotmail v. Does 1-20',
    parties: [
      { name: 'Laposte.net', batesPrefix: 'LPN' },
      { name: 'MSN Hotmail', batesPrefix: 'MSN' },
    ],
  });
  const t0 = Date.now();
  await ingest(ctx, { caseSlug: 'bench', party: 'LPN', method: 'trap', paths: [first.dir] });
  if (second.truth.messages > 0)
    await ingest(ctx, { caseSlug: 'bench', party: 'MSN', method: 'report', paths: [second.dir] });
  console.log(
    `ingest: ${first.truth.samples + second.truth.samples} samples in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const gatherMs: number[] = [];
  let data = await gatherSummaryData(ctx, c.id);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    data = await gatherSummaryData(ctx, c.id);
    gatherMs.push(performance.now() - t);
  }
  const reportMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await caseReport(ctx.db.knex, 'bench');
    reportMs.push(performance.now() - t);
  }
  const result: Record<string, unknown> = {
    messages: data.report.messages,
    deliveries: data.report.deliveries,
    samples: data.report.samples,
    accounts: data.report.accounts,
    gatherMedianMs: Math.round(median(gatherMs)),
    caseReportMedianMs: Math.round(median(reportMs)),
  };
  for (const lang of ['en', 'fr'] as const) {
    const ms: number[] = [];
    let pdf: Buffer = Buffer.alloc(0);
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      pdf = await renderSummaryPdf(data, { lang });
      ms.push(performance.now() - t);
    }
    result[`render_${lang}_medianMs`] = Math.round(median(ms));
    result[`render_${lang}_bytes`] = pdf.length;
    result[`render_${lang}_pages`] = (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
  }
  result.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await db.close();
  if (values.keep) console.log(`case kept: SPAMCASE_HOME=${home}`);
  else fs.rmSync(home, { recursive: true, force: true });
}
