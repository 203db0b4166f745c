/**
 * The reader thread's work alone, for comparing commits: reads and analyzes every sample of a
 * folder (sources, headers, keys, attribution, campaign fingerprint) without a database, and prints
 * one JSON line with wall and CPU time. `node --import tsx test/bench/analysis-child.ts <folder>`
 */
import { analyzeInline } from '../../server/ingest/analyzed-source.ts';

const folder = process.argv[2];
if (!folder) throw new Error('usage: analysis-child.ts <folder>');
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let samples = 0;
for await (const e of analyzeInline(folder, { envelopeRecipient: null, unwrapForwards: false }))
  if (e.type === 'sample') samples++;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ samples, ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
