/**
 * `npm run bench:export [-- --messages N] [--seed S] [--keep-bundle]` (also part of `npm run bench`): a case of N
 * generated messages (default 100,000; corpus and ingested case cached under .tmp/bench/), then in
 * the same run:
 *   export:  baseline `cp` of the case's pack segments (the same bytes) vs spamcase export
 *   verify:  baseline `sha256sum -c` over the unzipped bag's manifest vs spamcase verify
 * and prints MB/s of payload (item bytes) and peak RSS of each spamcase process. --keep-bundle
 * keeps the bundle (and its certificate) under .tmp/bench/bundle-N-SEED.zip for later verify runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../server/config.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { initTrialKeys } from '../../server/signing/keys.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    'keep-bundle': { type: 'boolean', default: false },
  },
});
const n = Number(values.messages);
const seed = Number(values.seed);
if (!Number.isInteger(n) || n <= 0) throw new Error('--messages must be a positive integer');

const benchDir = path.join(PROJECT_ROOT, '.tmp', 'bench');
const corpusDir = path.join(benchDir, `corpus-${n}-${seed}`);
if (!fs.existsSync(path.join(corpusDir, 'truth.json'))) {
  fs.rmSync(corpusDir, { recursive: true, force: true });
  await generateCorpus({ out: corpusDir, messages: n, seed, layout: 'eml' });
}
const home = path.join(benchDir, `export-home-${n}-${seed}`);
const env = {
  ...process.env,
  SPAMCASE_HOME: home,
  DATABASE_URL: '',
  SPAMCASE_SIGNING_CERT: '',
  SPAMCASE_SIGNING_KEY: '',
  SPAMCASE_SIGNING_P12: '',
  SPAMCASE_TSA_URL: '',
};
const tsx = ['--import', 'tsx'];
const child = (script: string, args: string[]) =>
  JSON.parse(
    execFileSync(process.execPath, [...tsx, path.join(PROJECT_ROOT, 'test', 'bench', script), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    }).toString(),
  ) as Record<string, number>;
if (!fs.existsSync(path.join(home, 'done'))) {
  fs.rmSync(home, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  child('ingest-child.ts', [corpusDir]);
  fs.writeFileSync(path.join(home, 'done'), '');
}
const cert = path.join(home, 'keys', 'signing-cert.pem');
if (!fs.existsSync(cert))
  initTrialKeys({ cert, key: path.join(home, 'keys', 'signing-key.pem') }, 'Benchmark', new Date());

const work = fs.mkdtempSync(path.join(benchDir, 'export-run-'));
const time = (f: () => void) => {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
try {
  const packs = path.join(home, 'bench', 'store', 'packs');
  // Warm the page cache, then the baseline: copy the same bytes.
  execFileSync(
    'cat',
    fs.readdirSync(packs).map((f) => path.join(packs, f)),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const cpMs = time(() => execFileSync('cp', ['-r', packs, path.join(work, 'cp')]));
  fs.rmSync(path.join(work, 'cp'), { recursive: true, force: true });
  const exp = child('export-child.ts', ['export', 'bench', path.join(work, 'bundle.zip')]);
  const ver = child('export-child.ts', ['verify', path.join(work, 'bundle.zip'), cert]);
  execFileSync('unzip', ['-q', path.join(work, 'bundle.zip'), '-d', path.join(work, 'bag')]);
  const bag = path.join(work, 'bag', fs.readdirSync(path.join(work, 'bag'))[0]!);
  const shaMs = time(() => execFileSync('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], { cwd: bag }));

  const mb = exp.payloadBytes! / 1e6;
  const mbs = (ms: number) => (mb / (ms / 1000)).toFixed(1);
  console.log(
    `\ncase: ${exp.items} items, payload ${mb.toFixed(0)} MB, bundle ${(exp.bytes! / 1e6).toFixed(0)} MB (${os.cpus().length} cores, shared)`,
  );
  console.log(`${'what'.padEnd(34)} ${'seconds'.padStart(8)} ${'MB/s'.padStart(8)} ${'peak RSS MB'.padStart(12)}`);
  const row = (what: string, ms: number, rss?: number) =>
    console.log(
      `${what.padEnd(34)} ${(ms / 1000).toFixed(1).padStart(8)} ${mbs(ms).padStart(8)} ${(rss === undefined ? '-' : (rss / 1024).toFixed(0)).padStart(12)}`,
    );
  row('cp of the pack segments (baseline)', cpMs);
  row('spamcase export', exp.ms!, exp.maxRssKb);
  row('sha256sum -c manifest (baseline)', shaMs);
  row('spamcase verify', ver.ms!, ver.maxRssKb);
  console.log(
    `\ntarget: export and verify >= 100 MB/s; export ${Number(mbs(exp.ms!)) >= 100 ? 'meets' : 'misses'} it, verify ${Number(mbs(ver.ms!)) >= 100 ? 'meets' : 'misses'} it`,
  );
  if (values['keep-bundle']) {
    const kept = path.join(benchDir, `bundle-${n}-${seed}.zip`);
    fs.renameSync(path.join(work, 'bundle.zip'), kept);
    console.log(`bundle kept: ${kept} (certificate ${cert})`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
