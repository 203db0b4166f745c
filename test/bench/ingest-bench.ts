/**
 * `npm run bench [-- --messages N] [--seed S]`: generates N messages (default 100,000) with known
 * truth, then measures in the same run
 *   1. the baseline: read + SHA-256 every file in one Node process;
 *   2. spamcase ingest of the same folder into a fresh SQLite case (header parsing, dedup, counting,
 *      pack store with fsync per batch, custody log, campaign fingerprints and clustering), and the
 *      same ingest without campaigns, for what campaigns cost;
 *   3. campaign quality (campaign-bench.ts): precision and recall against a generated campaign
 *      corpus with known membership, MinHash against SimHash, clustering a million signatures;
 * and prints messages/s, MB/s, peak RSS, the ratio to the baseline, and whether the counts equal
 * the truth. Corpora are cached under .tmp/bench/ (delete to regenerate).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { PROJECT_ROOT } from '../../server/config.ts';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' } },
});
const n = Number(values.messages);
const seed = Number(values.seed);
if (!Number.isInteger(n) || n <= 0) throw new Error('--messages must be a positive integer');

const corpusDir = path.join(PROJECT_ROOT, '.tmp', 'bench', `corpus-${n}-${seed}`);
let truth: CorpusTruth;
const truthFile = path.join(corpusDir, 'truth.json');
if (fs.existsSync(truthFile)) {
  truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as CorpusTruth;
  console.log(`corpus: ${corpusDir} (cached)`);
} else {
  fs.rmSync(corpusDir, { recursive: true, force: true });
  const t0 = Date.now();
  truth = await generateCorpus({ out: corpusDir, messages: n, seed, layout: 'eml' });
  console.log(`corpus: ${corpusDir} (generated in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(
  `truth: ${truth.samples} samples, ${truth.items} items, ${truth.messages} messages, ${truth.deliveries} deliveries, ${truth.accounts} accounts`,
);

const tsx = ['--import', 'tsx'];
const run = (script: string, env: Record<string, string> = {}, args: string[] = [corpusDir]) =>
  JSON.parse(
    execFileSync(process.execPath, [...tsx, path.join(PROJECT_ROOT, 'test', 'bench', script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    }).toString(),
  ) as Record<string, unknown>;

// Warm the page cache once so both measurements read from memory.
run('read-hash.ts');
const base = run('read-hash.ts') as { files: number; bytes: number; ms: number; maxRssKb: number };
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-bench-'));
const ing = run('ingest-child.ts', { SPAMCASE_HOME: home, DATABASE_URL: '' }) as {
  ms: number;
  cpuMs: number;
  samples: number;
  maxRssKb: number;
  report: Record<string, unknown>;
};
fs.rmSync(home, { recursive: true, force: true });
const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-bench-'));
const ingBare = run('ingest-child.ts', { SPAMCASE_HOME: bare, DATABASE_URL: '' }, [
  corpusDir,
  '--no-campaigns',
]) as typeof ing;
fs.rmSync(bare, { recursive: true, force: true });

const mb = base.bytes / 1e6;
const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));
const rows = [
  [
    'read + SHA-256 (baseline)',
    rate(base.files, base.ms),
    (mb / (base.ms / 1000)).toFixed(1),
    (base.maxRssKb / 1024).toFixed(0),
  ],
  [
    'spamcase ingest (SQLite)',
    rate(ing.samples, ing.ms),
    (mb / (ing.ms / 1000)).toFixed(1),
    (ing.maxRssKb / 1024).toFixed(0),
  ],
  [
    '  same, without campaigns',
    rate(ingBare.samples, ingBare.ms),
    (mb / (ingBare.ms / 1000)).toFixed(1),
    (ingBare.maxRssKb / 1024).toFixed(0),
  ],
];
console.log(`\n${'what'.padEnd(28)} ${'msg/s'.padStart(8)} ${'MB/s'.padStart(8)} ${'peak RSS MB'.padStart(12)}`);
for (const r of rows)
  console.log(
    `${String(r[0]).padEnd(28)} ${String(r[1]).padStart(8)} ${String(r[2]).padStart(8)} ${String(r[3]).padStart(12)}`,
  );
console.log(
  `\n${base.files} files, ${mb.toFixed(0)} MB; ingest takes ${(ing.ms / base.ms).toFixed(2)}x the baseline's time (target: within 4x, and >= 10,000 msg/s)`,
);

console.log(
  `campaigns (fingerprints + clustering) add ${(((ing.ms - ingBare.ms) / ingBare.ms) * 100).toFixed(0)}% to ingest time, ${(((ing.cpuMs - ingBare.cpuMs) / ingBare.cpuMs) * 100).toFixed(0)}% to its CPU time (target: at most 30%); ${String(ing.report.campaigns)} campaigns`,
);

const keys = ['samples', 'items', 'exactDuplicates', 'messages', 'deliveries', 'accounts'] as const;
const wrong = keys.filter((k) => ing.report[k] !== truth[k]);
console.log(
  wrong.length === 0
    ? 'counts: equal to the truth'
    : `counts DIFFER from the truth: ${wrong.map((k) => `${k} ${String(ing.report[k])} != ${truth[k]}`).join(', ')}`,
);
if (wrong.length > 0) process.exitCode = 1;

// Campaign quality against known membership (its own corpus, 20,000 messages at most).
console.log('');
const quality = run('campaign-bench.ts', {}, ['--messages', String(Math.min(n, 20000)), '--seed', String(seed)]) as {
  minhash: { precision: number; recall: number; groupsFound: number; groupsTrue: number };
};
const q = quality.minhash;
console.log(
  `campaigns: pairwise precision ${q.precision.toFixed(4)}, recall ${q.recall.toFixed(4)}, ${q.groupsFound} groups found / ${q.groupsTrue} true (target: precision >= 0.98, recall >= 0.95)`,
);
if (q.precision < 0.98 || q.recall < 0.95) process.exitCode = 1;
