/**
 * `npm run bench:logs -- [--lines N] [--database sqlite|postgres] [--formats postfix,exim,sendmail,exchange]`:
 * mail log reading and storing (issue 24; target 200,000 lines/s, memory flat). Generates the four
 * servers' logs of the same synthetic messages with the log generator (test/corpus/logs.ts), about N
 * Postfix lines (the other formats write fewer or more lines for the same mail), then for each format,
 * in a process of its own, the same file, page cache warm (the store runs first, before the process reads the
 * text itself, so its peak RSS is its own):
 *   baseline   the lines split out of the file with no parsing (lines/s)
 *   parse      the format's reader over every line, attempts built but not stored
 *   store      `acquireLogFile`: SHA-256, the pack store (fsync), parse, attempt inserts, one
 *              transaction, into a fresh database (wall and CPU time: the machine is shared)
 * and then, in another fresh process on that database, `matchAttempts` (the case has no harvested
 * item: every rule reads its candidates and finds none), with its wall and CPU time and its own peak RSS.
 * Prints one table and one JSON line per format (the figures, peak RSS, the load average).
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
import { acquireLogFile, LOG_FORMATS, lineReader, readLines, type LogFormat } from '../../server/logs/acquire.ts';
import { matchAttempts } from '../../server/logs/match.ts';
import { ZoneClock } from '../../server/logs/log-time.ts';
import { Rng, type GeneratedMessage } from '../corpus/generate.ts';
import { writeLogs } from '../corpus/logs.ts';
import { adminQuery, PG_ADMIN_URL } from '../helpers/databases.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    database: { type: 'string', default: 'sqlite' },
    formats: { type: 'string', default: LOG_FORMATS.join(',') },
    /** Set by the parent run: measure this file in a fresh process, so peak RSS is the reader's own. */
    file: { type: 'string' },
    format: { type: 'string', default: 'postfix' },
    /** Set by the parent run: the database the child stores into (SQLite file or PostgreSQL database name). */
    target: { type: 'string' },
    /** Set by the parent run: match the stored case's attempts in a fresh process. */
    match: { type: 'boolean', default: false },
    /** Set by the parent run: the data root (the case's store) the children share. */
    home: { type: 'string' },
  },
});
const wanted = Number(values.lines);
const parent = values.file === undefined && !values.match;
const dir = parent ? fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-logs-bench-')) : '';
const dataRoot = (): string => values.home!;
// Peak RSS of this process's own memory (VmHWM starts again at exec; getrusage's maxRSS keeps the
// parent's high-water mark across fork and exec, the generator's included).
const rssMb = (): number =>
  Math.round(Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);

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

// About 20 Postfix lines per message with this mix. The generator holds its lines in memory: it
// runs in this process, each measurement in a child of its own.
function openTarget(target: string): ReturnType<typeof openDatabase> {
  if (values.database !== 'postgres') return openDatabase({ client: 'sqlite', filename: target });
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${target}`;
  return openDatabase({ client: 'pg', url: u.toString() });
}

if (parent) {
  const formats = values.formats!.split(',') as LogFormat[];
  for (const f of formats) if (!LOG_FORMATS.includes(f)) throw new Error(`unknown format ${f}`);
  const t0 = performance.now();
  const truth = writeLogs(messages(Math.ceil(wanted / 20)), dir, { rotations: 1 });
  // The generator writes far fewer Exim, Sendmail and Exchange lines for the same mail: their logs
  // are repeated (an Exchange log's `#` header once) to about the Postfix log's size, so every format
  // is measured at about N lines.
  const lineCount = (b: Buffer): number => {
    let n = 0;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n += 1;
    return n;
  };
  const postfixLines = lineCount(fs.readFileSync(truth.files.postfix[0]!));
  for (const format of ['exim', 'sendmail', 'exchange'] as const) {
    const file = truth.files[format][0]!;
    const text = fs.readFileSync(file);
    let headerEnd = 0;
    while (format === 'exchange' && text[headerEnd] === 0x23) headerEnd = text.indexOf(10, headerEnd) + 1;
    const body = text.subarray(headerEnd);
    const times = Math.max(1, Math.round(postfixLines / Math.max(1, lineCount(body))));
    const st = fs.statSync(file);
    fs.writeFileSync(file, Buffer.concat([text.subarray(0, headerEnd), ...Array<Buffer>(times).fill(body)]));
    fs.utimesSync(file, st.atime, st.mtime);
  }
  process.stderr.write(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const results: Array<Record<string, unknown>> = [];
  const child = (args: string[]): Record<string, unknown> =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, import.meta.filename, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }).trim(),
    ) as Record<string, unknown>;
  try {
    for (const format of formats) {
      const target =
        values.database === 'postgres'
          ? `spamcase_logs_bench_${process.pid}_${format}`
          : path.join(dir, `${format}.sqlite`);
      if (values.database === 'postgres') await adminQuery(`CREATE DATABASE ${target}`);
      try {
        const file = truth.files[format][0]!;
        const common = [
          '--database',
          values.database!,
          '--target',
          target,
          '--format',
          format,
          '--home',
          path.join(dir, `home-${format}`),
        ];
        const stored = child(['--file', file, ...common]);
        const matched = child(['--match', ...common]);
        results.push({ ...stored, ...matched });
      } finally {
        if (values.database === 'postgres') await adminQuery(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const f = (n: unknown) => Number(n).toLocaleString('en-US');
  process.stderr.write(
    [
      `| format | lines | MB | baseline lines/s | parse lines/s | store lines/s (wall) | store lines per CPU-s | attempts | peak RSS store (MB) | match s (wall) | match CPU s | peak RSS match (MB) |`,
      `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
      ...results.map(
        (r) =>
          `| ${String(r.format)} | ${f(r.lines)} | ${f(r.megabytes)} | ${f(r.baselineLinesPerS)} | ${f(r.parseLinesPerS)} | ${f(r.storeLinesPerS)} | ${f(r.storeLinesPerCpuS)} | ${f(r.attempts)} | ${f((r.peakRssMb as { store: number }).store)} | ${(Number(r.matchMs) / 1000).toFixed(1)} | ${(Number(r.matchCpuMs) / 1000).toFixed(1)} | ${f(r.matchPeakRssMb)} |`,
      ),
      `database ${values.database}; target: store >= 200,000 lines/s: ${results.map((r) => `${String(r.format)} ${r.targetMet ? 'met' : 'missed'}`).join(', ')}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
      '',
    ].join('\n'),
  );
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

if (values.match) {
  const db = openTarget(values.target!);
  const c = (await db.knex('cases').where({ slug: 'bench' }).first('id')) as { id: number };
  const b = performance.now();
  const cpu0 = process.cpuUsage();
  const totals = await matchAttempts(db.knex, Number(c.id), path.join(dataRoot(), 'cases', 'bench', 'store'));
  const matchMs = performance.now() - b;
  const cpu = process.cpuUsage(cpu0);
  await db.close();
  process.stdout.write(
    `${JSON.stringify({ matchMs: Math.round(matchMs), matchCpuMs: Math.round((cpu.user + cpu.system) / 1000), matchUnmatched: totals.unmatched, matchPeakRssMb: rssMb() })}\n`,
  );
  process.exit(0);
}
const file = values.file!;
const format = values.format as LogFormat;
const bytes = fs.statSync(file).size;
// The store first, before this process reads the text itself: its peak RSS is then its own (it streams the file).
const db = openTarget(values.target!);
await migrateToLatest(db.knex);
const ctx: Context = { db, dataRoot: dataRoot(), clock: () => new Date(), actor: 'bench' };
const c = await createCase(ctx, { slug: 'bench', title: 'bench', parties: [{ name: 'LPN', batesPrefix: 'LPN' }] });
let b = performance.now();
const cpu0 = process.cpuUsage();
const stored = await acquireLogFile(ctx, file, {
  caseId: c.id,
  caseSlug: 'bench',
  partyId: c.parties[0]!.id,
  partyName: 'LPN',
  server: 'mx1',
  timeZone: 'Europe/Paris',
  format,
});
const storeMs = performance.now() - b;
const storeCpu = process.cpuUsage(cpu0);
const rssAfterStore = rssMb();
await db.close();

const text = fs.readFileSync(file);
const rate = (lines: number, ms: number): number => Math.round(lines / (ms / 1000));

b = performance.now();
const base = readLines(text, { read: () => true }, () => undefined);
const baselineMs = performance.now() - b;
const rssAfterBaseline = rssMb();

b = performance.now();
let emitted = 0;
readLines(text, lineReader(format, new ZoneClock('Europe/Paris'), Date.UTC(2006, 0, 1)), () => (emitted += 1));
const parseMs = performance.now() - b;
const rssAfterParse = rssMb();

const result = {
  lines: base.lines,
  megabytes: Math.round(bytes / 1e6),
  attempts: stored.attempts,
  database: values.database,
  format,
  baselineLinesPerS: rate(base.lines, baselineMs),
  parseLinesPerS: rate(base.lines, parseMs),
  storeLinesPerS: rate(base.lines, storeMs),
  storeCpuMs: Math.round((storeCpu.user + storeCpu.system) / 1000),
  storeLinesPerCpuS: rate(base.lines, (storeCpu.user + storeCpu.system) / 1000),
  storeWallMs: Math.round(storeMs),
  parseRatio: Number((parseMs / baselineMs).toFixed(2)),
  storeRatio: Number((storeMs / baselineMs).toFixed(2)),
  peakRssMb: { store: rssAfterStore, baseline: rssAfterBaseline, parse: rssAfterParse },
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  targetMet: rate(base.lines, storeMs) >= 200_000,
};
void emitted;
process.stdout.write(`${JSON.stringify(result)}\n`);
