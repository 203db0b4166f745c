/**
 * Pieces of the benchmark harness (test/bench/all.ts): running one measure in its own process while
 * sampling the peak RSS of its whole process tree, the table of results, and the comparison of two
 * results files. Not a test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { processTree } from '../helpers/proc-tree.ts';

/** Resident pages of one process, from /proc (0 when it has gone). */
function rssKb(pid: number): number {
  try {
    const statm = fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return (Number(statm[1]) * 4096) / 1024;
  } catch {
    return 0;
  }
}

/** Samples the summed RSS of a process tree every 200 ms; `peakKb` is the highest sum seen. */
export class TreeRss {
  peakKb = 0;
  private timer: NodeJS.Timeout;
  constructor(readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 200);
    this.timer.unref(); // a failed step that never calls stop() must not keep the harness alive
    this.sample();
  }
  sample(): void {
    const kb = processTree(this.pid).reduce((s, p) => s + rssKb(p), 0);
    if (kb > this.peakKb) this.peakKb = kb;
  }
  stop(): number {
    clearInterval(this.timer);
    return this.peakKb;
  }
}

export interface ChildResult<T> {
  json: T;
  wallMs: number;
  /** Peak of the summed RSS of the child and its descendants, sampled every 200 ms. */
  treePeakKb: number;
}

/**
 * Runs a command, stderr shown, stdout read for its last JSON line (the children print one line;
 * only the last 64 KiB of stdout is kept). Rejects on a non-zero exit. `input` is written to its
 * standard input, which is then closed; `stdinOpen` leaves it open for the caller (`onSpawn`).
 */
export function runChild<T = Record<string, unknown>>(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { input?: string; stdinOpen?: boolean; onSpawn?: (c: ChildProcess) => void } = {},
): Promise<ChildResult<T>> {
  const t0 = performance.now();
  const child = spawn(cmd, args, {
    env,
    stdio: [opts.input === undefined && !opts.stdinOpen ? 'ignore' : 'pipe', 'pipe', 'inherit'],
  });
  const rss = new TreeRss(child.pid!);
  opts.onSpawn?.(child);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  let tail = '';
  child.stdout!.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-65536)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const treePeakKb = rss.stop();
      const wallMs = performance.now() - t0;
      if (code !== 0)
        return reject(
          new Error(
            `${path.basename(args[2] ?? cmd)} ${args.slice(3).join(' ')} failed (${code ?? signal}): ${tail.slice(-2000)}`,
          ),
        );
      // The children print one JSON line; the CLI's --json prints one indented document.
      const text = tail.trim();
      const line = text
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      try {
        resolve({
          json: JSON.parse(text.startsWith('[') || text.startsWith('{') ? text : (line ?? '{}')) as T,
          wallMs,
          treePeakKb,
        });
      } catch (e) {
        reject(new Error(`${args[2] ?? cmd}: output is not JSON: ${String(e)}`));
      }
    });
  });
}

export interface Row {
  /** Stable key, for comparing runs: e.g. "ingest.msgPerS", "http./cases/bench/accounts.p95". */
  id: string;
  what: string;
  unit: string;
  value: number | null;
  baseline?: { what: string; value: number };
  /** Cost of the figure over the cost of the baseline (time or latency): 1 is as fast as the baseline. */
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
}

export interface Results {
  format: 'spamcase-bench/1';
  startedAt: string;
  finishedAt: string;
  git: { sha: string; dirty: boolean; branch: string };
  machine: { cpus: number; memGb: number; loadAvgStart: number[]; loadAvgEnd: number[] };
  options: Record<string, unknown>;
  corpus: Record<string, unknown>;
  rows: Row[];
  /** Each child's own JSON output, by step: everything the rows were computed from. */
  raw: Record<string, unknown>;
}

const fmtNum = (v: number | null, unit: string): string => {
  if (v === null || !Number.isFinite(v)) return '-';
  if (unit === 'exact') return v === 0 ? 'exact' : `${v} differ`;
  if (unit === 'count') return v.toLocaleString('en-US');
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`.trim();
};

/** The table printed at the end of a run (markdown, so it can be pasted into docs/BENCHMARKS.md). */
export function formatTable(rows: Row[]): string {
  const lines = [
    '| what | figure | baseline (same run) | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const base = r.baseline
      ? `${fmtNum(r.baseline.value, r.unit === 'exact' ? '' : r.unit)} (${r.baseline.what})`
      : '-';
    const ratio =
      r.ratio !== undefined && Number.isFinite(r.ratio) ? `${r.ratio.toFixed(r.ratio >= 10 ? 1 : 2)}x` : '-';
    const met = r.met === undefined ? '-' : r.met ? 'met' : 'MISSED';
    lines.push(
      `| ${r.what}${r.note ? ` (${r.note})` : ''} | ${fmtNum(r.value, r.unit)} | ${base} | ${ratio} | ${r.target ?? '-'} | ${met} |`,
    );
  }
  return lines.join('\n');
}

/** Two results files side by side, row by row (by id): `npm run bench -- --compare A.json B.json`. */
export function formatComparison(a: Results, b: Results): string {
  const label = (r: Results) =>
    `${r.git.sha}${r.git.dirty ? '+' : ''} ${String(r.options.database)} ${String(r.options.messages)}`;
  const lines = [
    `A: ${label(a)} (${a.startedAt}, load ${a.machine.loadAvgStart.map((x) => x.toFixed(1)).join(' ')})`,
    `B: ${label(b)} (${b.startedAt}, load ${b.machine.loadAvgStart.map((x) => x.toFixed(1)).join(' ')})`,
    '',
    '| what | A | B | B / A | A ratio to baseline | B ratio to baseline | target | A met | B met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const byId = new Map(b.rows.map((r) => [r.id, r]));
  const seen = new Set<string>();
  const ratio = (r?: Row) => (r?.ratio !== undefined && Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '-');
  const met = (r?: Row) => (r?.met === undefined ? '-' : r.met ? 'met' : 'MISSED');
  for (const ra of [...a.rows, ...b.rows.filter((r) => !a.rows.some((x) => x.id === r.id))]) {
    if (seen.has(ra.id)) continue;
    seen.add(ra.id);
    const inA = a.rows.find((r) => r.id === ra.id);
    const rb = byId.get(ra.id);
    const change =
      inA?.value && rb?.value !== undefined && rb.value !== null ? `${(rb.value / inA.value).toFixed(2)}` : '-';
    lines.push(
      `| ${ra.what} | ${fmtNum(inA?.value ?? null, ra.unit)} | ${fmtNum(rb?.value ?? null, ra.unit)} | ${change} | ${ratio(inA)} | ${ratio(rb)} | ${ra.target ?? '-'} | ${met(inA)} | ${met(rb)} |`,
    );
  }
  return lines.join('\n');
}
