/**
 * `node --import tsx test/bench/damages-bench.ts [--messages N] [--seed S]`: ingests N generated
 * messages (default 100,000; the corpus is shared with `npm run bench` under .tmp/bench/) into a
 * fresh SQLite case, then times, median of 3 runs each: gathering the counted violations, computing
 * damages under every shipped rule set, the method text, and `caseReport` with a chosen rule set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../server/config.ts';
import type { Context } from '../../server/context.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { chooseRuleSet } from '../../server/damages/case-damages.ts';
import { computeDamages } from '../../server/damages/compute.ts';
import { methodText } from '../../server/damages/method-text.ts';
import { listRuleSets, loadRuleSet } from '../../server/damages/rule-set.ts';
import { gatherViolationCounts } from '../../server/damages/violation-counts.ts';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' } },
});
const n = Number(values.messages);
const seed = Number(values.seed);
const corpusDir = path.join(PROJECT_ROOT, '.tmp', 'bench', `corpus-${n}-${seed}`);
const truthFile = path.join(corpusDir, 'truth.json');
const truth: CorpusTruth = fs.existsSync(truthFile)
  ? (JSON.parse(fs.readFileSync(truthFile, 'utf8')) as CorpusTruth)
  : await generateCorpus({ out: corpusDir, messages: n, seed, layout: 'eml' });

const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-damages-bench-'));
const db = openDatabase({ client: 'sqlite', filename: path.join(dataRoot, 'spamcase.sqlite') });
try {
  await migrateToLatest(db.knex);
  const ctx: Context = { db, dataRoot, clock: () => new Date(), actor: 'bench' };
  await createCase(ctx, { slug: 'bench', title: 'Bench', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const t0 = performance.now();
  await ingest(ctx, { caseSlug: 'bench', method: 'trap', paths: [path.join(corpusDir, 'trap')] });
  console.log(
    `ingested ${truth.messages} messages, ${truth.deliveries} deliveries in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const c = await getCase(db.knex, 'bench');

  const median = async (label: string, fn: () => Promise<unknown> | unknown) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    console.log(`${label.padEnd(44)} ${times[1]!.toFixed(1).padStart(8)} ms`);
  };
  const rows = await gatherViolationCounts(db.knex, c.id);
  const ok =
    rows[0]?.deliveries === truth.deliveries &&
    rows[0]?.messages === truth.messages &&
    rows[0]?.accounts === truth.accounts;
  console.log(`counts equal the truth: ${ok ? 'yes' : `NO ${JSON.stringify(rows)}`}`);
  await median('gatherViolationCounts', () => gatherViolationCounts(db.knex, c.id));
  const sets = listRuleSets().map((name) => loadRuleSet(name));
  await median(`computeDamages + methodText x ${sets.length} rule sets`, () =>
    sets.forEach((rs) => methodText(computeDamages(rs, rows), 'en')),
  );
  await chooseRuleSet(ctx, 'bench', 'us-can-spam-isp');
  await median('caseReport (with the damages section)', () => caseReport(db.knex, 'bench'));
} finally {
  await db.close();
  fs.rmSync(dataRoot, { recursive: true, force: true });
}
