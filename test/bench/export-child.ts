/**
 * One measured export or verify for the export benchmark. Usage:
 *   export-child.ts export <case> <out.zip>   |   export-child.ts verify <bundle.zip> <cert.pem>
 * Prints one JSON line with the time, peak RSS and what was done.
 */
import { loadConfig } from '../../server/config.ts';
import { openContext } from '../../server/context.ts';
import { exportBundle } from '../../server/export/bundle.ts';
import { verifyBundle } from '../../server/export/verify.ts';

const [mode, a, b] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
let result: Record<string, unknown>;
if (mode === 'export') {
  const config = loadConfig();
  const ctx = await openContext(config, 'bench');
  const r = await exportBundle(ctx, a!, { out: b!, signing: config.signing, organization: 'Benchmark' });
  await ctx.db.close();
  result = { items: r.items, bytes: r.bytes, payloadBytes: r.payloadBytes };
} else if (mode === 'verify') {
  const r = await verifyBundle(a!, { cert: b });
  if (!r.ok) throw new Error(`bundle did not verify: ${JSON.stringify(r.problems.slice(0, 5))}`);
  result = { items: r.items, ok: r.ok };
} else throw new Error('usage: export-child.ts export <case> <out.zip> | verify <bundle.zip> <cert.pem>');
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, ...result })}\n`);
