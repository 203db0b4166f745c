/**
 * `npm run bench:logs -- [--lines N] [--database sqlite|postgres]`: mail log reading and storing
 * (issue 24; target 200,000 lines/s, memory flat). Generates a Postfix log of about N lines with the
 * log generator (test/corpus/logs.ts) from synthetic corpus messages, then measures in this one
 * process, the same file, page cache warm:
 *   baseline   the lines split out of the file with no parsing (lines/s)
 *   parse      the Postfix reader over every line, attempts built but not stored
 *   store      `acquireLogFile`: SHA-256, the pack store (fsync), parse, batched attempt inserts, one
 *              transaction, into a fresh database
 * Prints one table and one JSON line (the figures, peak RSS after each stage, the load average).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCase } from '../../server/cases/cases.ts';
import type { Context } from '../../server/context.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { acquireLogFile, lineReader, readLines } from '../../server/logs/acquire.ts';
import { ZoneClock } from '../../server/logs/log-time.ts';
import { Rng, type GeneratedMessage } from '../corpus/generate.ts';
import { writeLogs } from '../corpus/logs.ts';
import { adminQuery, PG_ADMIN_URL } from '../helpers/databases.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    database: { type: 'string', default: 'sqlite' },
    /** Set by the parent run: measure this file in a fresh process, so peak RSS is the reader's own. */
    file: { type: 'string' },
  },
});
const wanted = Number(values.lines);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-logs-bench-'));
const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

function messages(count: number): GeneratedMessage[] {
  const rng = new Rng(24);
  const accounts = Array.from({ length: Math.max(40, count / 25) }, (_, i) => `${rng.token(7)}${i}@hotmail.com`);
  const ips = Array.from({ length: accounts.length / 3 }, () => `82.120.${rng.range(1, 254)}.${rng.range(1, 254)}`);
  const out: GeneratedMessage[] = [];
  let q = 0;
  for (let i = 0; i < count; i++) {
    const date = Date.UTC(2005, 11, 1) / 1000 + Math.floor((i * 86400 * 7) / count);
    const n = rng.range(1, 3);
    out.push({
      index: i,
      account: rng.pick(accounts),
      originatingIp: rng.pick(ips),
      messageId: `BAY${rng.range(101, 130)}-F${i.toString(16).toUpperCase()}@phx.gbl`,
      messageIdShared: false,
      relayHost: `bay0-omc${rng.range(1, 4)}-s${rng.range(1, 40)}.bay0.hotmail.com`,
      relayIp: `65.54.${rng.range(245, 248)}.${rng.range(101, 140)}`,
      date,
      harvested: Array.from({ length: n }, (_, k) => ({
        recipient: `r${i}.${k}@laposte.net`,
        at: date + k,
        queueId: (q++).toString(16).toUpperCase().padStart(10, '0'),
      })),
      notHarvested: rng.chance(0.3) ? [`n${i}@laposte.net`] : [],
    });
  }
  return out;
}

// About 20 lines per message with this mix. The generator holds its lines in memory: it runs in
// this process, the measurement in a child of its own.
if (values.file === undefined) {
  const t0 = performance.now();
  const truth = writeLogs(messages(Math.ceil(wanted / 20)), dir, { rotations: 1 });
  const generated = truth.files.postfix[0]!;
  process.stderr.write(
    `generated ${fs.statSync(generated).size / 1e6} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  try {
    execFileSync(
      process.execPath,
      [...process.execArgv, import.meta.filename, '--file', generated, '--database', values.database!],
      { stdio: 'inherit' },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
const file = values.file;
const bytes = fs.statSync(file).size;
const text = fs.readFileSync(file);
const rate = (lines: number, ms: number): number => Math.round(lines / (ms / 1000));

let b = performance.now();
const base = readLines(text, { read: () => true }, () => undefined);
const baselineMs = performance.now() - b;
const rssAfterBaseline = rssMb();

b = performance.now();
let emitted = 0;
readLines(text, lineReader('postfix', new ZoneClock('Europe/Paris'), Date.UTC(2006, 0, 1)), () => (emitted += 1));
const parseMs = performance.now() - b;
const rssAfterParse = rssMb();

let pgName = '';
const dataRoot = path.join(dir, 'home');
const db =
  values.database === 'postgres'
    ? await (async () => {
        pgName = `spamcase_logs_bench_${process.pid}`;
        await adminQuery(`CREATE DATABASE ${pgName}`);
        const u = new URL(PG_ADMIN_URL);
        u.pathname = `/${pgName}`;
        return openDatabase({ client: 'pg', url: u.toString() });
      })()
    : openDatabase({ client: 'sqlite', filename: path.join(dir, 'bench.sqlite') });
await migrateToLatest(db.knex);
const ctx: Context = { db, dataRoot, clock: () => new Date(), actor: 'bench' };
const c = await createCase(ctx, { slug: 'bench', title: 'bench', parties: [{ name: 'LPN', batesPrefix: 'LPN' }] });
b = performance.now();
const cpu0 = process.cpuUsage();
const stored = await acquireLogFile(ctx, file, {
  caseId: c.id,
  caseSlug: 'bench',
  partyId: c.parties[0]!.id,
  partyName: 'LPN',
  server: 'mx1',
  timeZone: 'Europe/Paris',
});
const storeMs = performance.now() - b;
const storeCpu = process.cpuUsage(cpu0);
const rssAfterStore = rssMb();
await db.close();
if (pgName) await adminQuery(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
fs.rmSync(dir, { recursive: true, force: true });

const result = {
  lines: base.lines,
  megabytes: Math.round(bytes / 1e6),
  attempts: stored.attempts,
  database: values.database,
  baselineLinesPerS: rate(base.lines, baselineMs),
  parseLinesPerS: rate(base.lines, parseMs),
  storeLinesPerS: rate(base.lines, storeMs),
  storeCpuMs: Math.round((storeCpu.user + storeCpu.system) / 1000),
  storeWallMs: Math.round(storeMs),
  parseRatio: Number((parseMs / baselineMs).toFixed(2)),
  storeRatio: Number((storeMs / baselineMs).toFixed(2)),
  peakRssMb: { baseline: rssAfterBaseline, parse: rssAfterParse, store: rssAfterStore },
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  targetMet: rate(base.lines, storeMs) >= 200_000,
};
void emitted;
const f = (n: number) => n.toLocaleString('en-US');
process.stderr.write(
  [
    `| step | lines/s | time / baseline | peak RSS after (MB) |`,
    `| --- | --- | --- | --- |`,
    `| baseline: split lines, no parsing | ${f(result.baselineLinesPerS)} | 1 | ${rssAfterBaseline} |`,
    `| parse (Postfix reader) | ${f(result.parseLinesPerS)} | ${result.parseRatio} | ${rssAfterParse} |`,
    `| store: sha256 + pack + parse + ${f(stored.attempts)} attempts (${values.database}) | ${f(result.storeLinesPerS)} | ${result.storeRatio} | ${rssAfterStore} |`,
    `target: store >= 200,000 lines/s: ${result.targetMet ? 'met' : 'missed'}; load average ${result.loadAverage.join(', ')}`,
    '',
  ].join('\n'),
);
process.stdout.write(`${JSON.stringify(result)}\n`);
