/**
 * `npm run bench:cli -- [--runs N]`: how long a CLI command takes from process start to exit, on a
 * data root holding one small case (SQLite). Three ways of starting, alternated run by run so
 * machine load falls on each alike, each with its median and best of N (default 10):
 *   node -e 0        the baseline: Node itself starting and exiting
 *   compiled         `node bin/spamcase.js ...` with dist/ current: what `npx spamcase` runs after install
 *   tsx              `node --import tsx server/cli/main.ts ...`: what every start did before dist/
 * for `case list` (opens the database, reads one case) and `--help` (touches no database).
 * Wall time and, through GNU time, CPU time (user+sys). Target: `case list` compiled under 300 ms.
 * Builds dist/ first when it is not current (not timed).
 * A benchmark, not a test: prints a table and one JSON line; docs/BENCHMARKS.md holds the figures.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compiledModule } from '../../scripts/compiled.js';
import { PROJECT_ROOT } from '../../server/config.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');

if (!compiledModule('server/cli/main.ts')) {
  console.log('dist/ is missing or older than the sources: npm run build (not timed)');
  execFileSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-cli-start-'));
const env = { ...process.env, SPAMCASE_HOME: home, DATABASE_URL: '' };
const bin = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');
const tsxMain = path.join(PROJECT_ROOT, 'server', 'cli', 'main.ts');
execFileSync(process.execPath, [bin, 'case', 'create', 'small', '--title', 'Small', '--party', 'Laposte.net:LPN'], {
  env,
  stdio: 'ignore',
});

const ways: Array<{ name: string; command: string[] }> = [
  { name: 'node -e 0 (baseline)', command: ['-e', '0'] },
  { name: 'compiled: case list', command: [bin, 'case', 'list'] },
  { name: 'tsx: case list', command: ['--import', 'tsx', tsxMain, 'case', 'list'] },
  { name: 'compiled: --help', command: [bin, '--help'] },
  { name: 'tsx: --help', command: ['--import', 'tsx', tsxMain, '--help'] },
];
const times = new Map<string, number[]>(ways.map((w) => [w.name, []]));
// CPU time (user + system) of each run through GNU time when it is installed: unlike wall time it
// hardly moves with the load of other work on the machine.
const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const cpuFile = path.join(home, 'cpu.txt');
const cpu = new Map<string, number[]>(ways.map((w) => [w.name, []]));
const loadStart = os.loadavg()[0]!;
for (let r = 0; r < runs; r++) {
  for (const w of ways) {
    const started = process.hrtime.bigint();
    if (gnuTime) {
      execFileSync(gnuTime, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...w.command], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [user, sys] = fs.readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
      cpu.get(w.name)!.push((user! + sys!) * 1000);
    } else execFileSync(process.execPath, w.command, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    times.get(w.name)!.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
fs.rmSync(home, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const result = ways.map((w) => {
  const t = times.get(w.name)!;
  const c = cpu.get(w.name)!;
  return { what: w.name, medianMs: median(t), bestMs: Math.min(...t), cpuMedianMs: c.length ? median(c) : null };
});
const baseline = result[0]!.medianMs;
console.log(
  `CLI start, ${runs} runs each, alternated; ${os.cpus().length} cores, load average ${loadStart.toFixed(2)} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end`,
);
console.log('| what | wall median ms | wall best ms | median / node -e 0 | CPU median ms (user+sys) |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of result) {
  const cpuText = r.cpuMedianMs === null ? '-' : r.cpuMedianMs.toFixed(0);
  const ratio = (r.medianMs / baseline).toFixed(1);
  console.log(`| ${r.what} | ${r.medianMs.toFixed(0)} | ${r.bestMs.toFixed(0)} | ${ratio}x | ${cpuText} |`);
}
const list = result.find((r) => r.what === 'compiled: case list')!;
console.log(`target: compiled case list under 300 ms: ${list.medianMs < 300 ? 'met' : 'MISSED'} (median)`);
console.log(JSON.stringify({ format: 'spamcase-bench-cli/1', runs, loadAvg: [loadStart, os.loadavg()[0]], result }));
