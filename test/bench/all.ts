/**
 * `npm run bench [-- --messages N]`: every benchmark in turn, each in its own process with the
 * same arguments (npm appends them to the last command of a `&&` chain only).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = ['ingest-bench.ts', 'export-bench.ts'];
const args = process.argv.slice(2);
for (const bench of BENCHES) {
  const script = fileURLToPath(new URL(bench, import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
