/**
 * One measured ingest for `npm run bench`: a fresh data root (SPAMCASE_HOME), one case, one ingest
 * of the folder, the report. Prints one JSON line with timings, peak RSS and the counts.
 */
import { loadConfig } from '../../server/config.ts';
import { openContext } from '../../server/context.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { ThreadCpuMeter } from './thread-cpu.ts';

const folder = process.argv[2];
if (!folder) throw new Error('usage: ingest-child.ts <folder> [--no-campaigns]');
// --no-campaigns: no fingerprints and no clustering, to measure what campaigns add to ingest.
const campaigns = process.argv[3] !== '--no-campaigns';
const ctx = await openContext(loadConfig(), 'bench');
await createCase(ctx, { slug: 'bench', title: 'Benchmark', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const meter = new ThreadCpuMeter();
const [summary] = await ingest(ctx, {
  caseSlug: 'bench',
  method: 'trap',
  paths: [folder],
  campaigns,
  onProgress: (p) => {
    if (process.stderr.isTTY)
      process.stderr.write(
        `\r  ingest: ${p.samples} samples, ${Math.round(p.samples / (p.elapsedMs / 1000))} msg/s   `,
      );
  },
});
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
// CPU time of every thread of this process (reader thread included): steadier than wall time on a busy machine.
const cpu = process.cpuUsage(cpu0);
const threads = meter.stop();
const cpuMs = (cpu.user + cpu.system) / 1000;
if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
const report = await caseReport(ctx.db.knex, 'bench');
await ctx.db.close();
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs, threads, samples: summary?.samples ?? 0, bytes: summary?.sourceBytes ?? 0, maxRssKb: process.resourceUsage().maxRSS, report })}\n`,
);
