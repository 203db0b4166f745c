/**
 * One timed step of `npm run bench` on the ingested case `bench`, in its own process so its peak RSS
 * is its own: `measure-child.ts report | campaigns | pdf <out.pdf>`. Uses the data root and database
 * of the environment (SPAMCASE_HOME, DATABASE_URL), like the CLI. Prints one JSON line.
 *   report     caseReport (the counts of `spamcase report`)
 *   campaigns  updateCampaigns: every signature of the case clustered again (`spamcase campaigns update`)
 *   pdf        writeSummaryPdf in English: gathering the figures, rendering, writing (`spamcase pdf`)
 */
import { loadConfig } from '../../server/config.ts';
import { openContext } from '../../server/context.ts';
import { getCase } from '../../server/cases/cases.ts';
import { caseReport } from '../../server/report/counts.ts';
import { updateCampaigns } from '../../server/campaigns/update.ts';
import { writeSummaryPdf } from '../../server/pdf/write.ts';

const [mode, out] = process.argv.slice(2);
const ctx = await openContext(loadConfig(), 'bench');
let result: Record<string, unknown>;
const t0 = process.hrtime.bigint();
try {
  if (mode === 'report') {
    const r = await caseReport(ctx.db.knex, 'bench');
    result = {
      samples: r.samples,
      items: r.items,
      messages: r.messages,
      deliveries: r.deliveries,
      accounts: r.accounts,
    };
  } else if (mode === 'campaigns') {
    const c = await getCase(ctx.db.knex, 'bench');
    const u = await updateCampaigns(ctx, c.id, 'bench');
    result = {
      messages: u.messages,
      messagesAdded: u.messagesAdded,
      newCampaigns: u.newCampaigns,
      merges: u.merges.length,
    };
  } else if (mode === 'pdf' && out) {
    const w = await writeSummaryPdf(ctx, 'bench', { lang: 'en', out });
    result = { bytes: w.bytes, pages: w.pages };
  } else throw new Error('usage: measure-child.ts report | campaigns | pdf <out.pdf>');
} finally {
  await ctx.db.close();
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, ...result })}\n`);
