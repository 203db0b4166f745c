/**
 * Baseline for `npm run bench`: read every file under a folder and SHA-256 it, in one Node process,
 * in the same sorted walk order ingest uses. Prints one JSON line.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = process.argv[2];
if (!root) throw new Error('usage: read-hash.ts <folder>');
let files = 0;
let bytes = 0;
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const walk = (dir: string) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.isFile() && entry.name !== 'truth.json') {
      const data = fs.readFileSync(full);
      crypto.createHash('sha256').update(data).digest('hex');
      files += 1;
      bytes += data.length;
    }
  }
};
walk(root);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`${JSON.stringify({ files, bytes, ms, cpuMs, maxRssKb: process.resourceUsage().maxRSS })}\n`);
