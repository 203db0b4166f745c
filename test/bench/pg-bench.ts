/**
 * `node --import tsx test/bench/pg-bench.ts [--messages N] [--seed S] [--runs R]`: the same ingest
 * (test/bench/ingest-child.ts, campaigns included) into a fresh SQLite case and into a fresh
 * PostgreSQL database (created on SPAMCASE_TEST_PG_URL's server, default 127.0.0.1:5432, dropped
 * after), alternating R times in one run, so the figures are comparable on a busy machine. Prints
 * msg/s, peak RSS and the PostgreSQL / SQLite ratio, and checks both reports equal the corpus truth.
 * The corpus is the one `npm run bench` caches under .tmp/bench/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../server/config.ts';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { adminQuery, PG_ADMIN_URL } from '../helpers/databases.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
  },
});
const n = Number(values.messages);
const seed = Number(values.seed);
const runs = Number(values.runs);

const corpusDir = path.join(PROJECT_ROOT, '.tmp', 'bench', `corpus-${n}-${seed}`);
const truthFile = path.join(corpusDir, 'truth.json');
let truth: CorpusTruth;
if (fs.existsSync(truthFile)) truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as CorpusTruth;
else {
  fs.rmSync(corpusDir, { recursive: true, force: true });
  truth = await generateCorpus({ out: corpusDir, messages: n, seed, layout: 'eml' });
}

interface Child {
  ms: number;
  cpuMs: number;
  samples: number;
  maxRssKb: number;
  report: Record<string, number>;
}

async function once(dialect: 'sqlite' | 'pg'): Promise<Child> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-pgbench-'));
  const db = `spamcase_bench_${process.pid}_${Date.now()}`;
  let url = '';
  if (dialect === 'pg') {
    await adminQuery(`create database ${db}`);
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${db}`;
    url = u.toString();
  }
  try {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'test', 'bench', 'ingest-child.ts'), corpusDir],
      {
        env: { ...process.env, SPAMCASE_HOME: home, DATABASE_URL: url },
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return JSON.parse(out.toString()) as Child;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    if (dialect === 'pg') await adminQuery(`drop database if exists ${db} with (force)`);
  }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `corpus ${corpusDir}: ${truth.samples} samples, ${truth.messages} messages; load average at start ${load()}`,
);
const results: Array<{ dialect: string; run: number; r: Child }> = [];
for (let i = 1; i <= runs; i++) {
  for (const dialect of ['sqlite', 'pg'] as const) {
    const r = await once(dialect);
    const exact =
      r.report.samples === truth.samples &&
      r.report.items === truth.items &&
      r.report.messages === truth.messages &&
      r.report.deliveries === truth.deliveries;
    if (!exact) throw new Error(`${dialect} counts differ from the truth: ${JSON.stringify(r.report)}`);
    results.push({ dialect, run: i, r });
    console.log(
      `${dialect.padEnd(7)} run ${i}: ${Math.round(r.samples / (r.ms / 1000))} msg/s, ${(r.ms / 1000).toFixed(1)} s, CPU ${(r.cpuMs / 1000).toFixed(1)} s, peak RSS ${Math.round(r.maxRssKb / 1024)} MB, counts exact (load ${load()})`,
    );
  }
}
const mean = (d: string, f: (r: Child) => number) => {
  const xs = results.filter((x) => x.dialect === d).map((x) => f(x.r));
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};
const rate = (d: string) => mean(d, (r) => r.samples / (r.ms / 1000));
const rss = (d: string) => mean(d, (r) => r.maxRssKb / 1024);
console.log(
  `\nmean of ${runs}: SQLite ${Math.round(rate('sqlite'))} msg/s (${Math.round(rss('sqlite'))} MB), PostgreSQL ${Math.round(rate('pg'))} msg/s (${Math.round(rss('pg'))} MB); PostgreSQL / SQLite = ${(rate('pg') / rate('sqlite')).toFixed(2)}x; load at end ${load()}`,
);
process.stdout.write(
  `${JSON.stringify({ messages: n, samples: truth.samples, results: results.map(({ dialect, run, r }) => ({ dialect, run, ms: r.ms, cpuMs: r.cpuMs, maxRssKb: r.maxRssKb })) })}\n`,
);
