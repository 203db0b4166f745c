/**
 * One timed step of `npm run bench` on the ingested case `bench`, in its own process so its peak RSS
 * is its own: `measure-child.ts report | campaigns | pdf <out.pdf>`. Uses the data root and database
 * of the environment (SPAMCASE_HOME, DATABASE_URL), like the CLI. Prints one JSON line.
 *   report     caseReport (the counts of `spamcase report`)
 *   campaigns  updateCampaigns: every signature of the case clustered again (`spamcase campaigns update`)
 *   pdf        writeSummaryPdf in English: gathering the figures, rendering, writing (`spamcase pdf`)
 *   search     the full-text index built (or brought up to date: items/s), then SEARCH_QUERIES each run
 *              as the items page runs it (count, first page of 50, snippets), 1 warm-up + 5 timed runs:
 *              p50 / p95 / max over all timed runs (docs/SEARCH.md)
 */
import { loadConfig } from '../../server/config.ts';
import { openContext } from '../../server/context.ts';
import { getCase } from '../../server/cases/cases.ts';
import { caseReport } from '../../server/report/counts.ts';
import { updateCampaigns } from '../../server/campaigns/update.ts';
import { writeSummaryPdf } from '../../server/pdf/write.ts';
import { indexCase } from '../../server/usecases/search.ts';
import { itemPage } from '../../server/report/lists.ts';

/** The searches timed: common and rare words, phrases, prefixes, OR / NOT, fields, a word found nowhere. */
export const SEARCH_QUERIES = [
  'free',
  'money',
  'click here',
  '"click here"',
  'remov*',
  'free OR money',
  'money -free',
  'subject:free',
  'from:hotmail.com',
  'to:example',
  'body:unsubscribe',
  '"credit card"',
  'mortgage rate',
  '(viagra OR cialis) pharmacy',
  'zzzqqxnothing',
];

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
      phases: u.phases,
      cpu: u.cpu,
    };
  } else if (mode === 'pdf' && out) {
    const w = await writeSummaryPdf(ctx, 'bench', { lang: 'en', out });
    result = { bytes: w.bytes, pages: w.pages };
  } else if (mode === 'search') {
    const c = await getCase(ctx.db.knex, 'bench');
    const t = process.hrtime.bigint();
    const built = await indexCase(ctx, 'bench');
    const buildMs = Number(process.hrtime.bigint() - t) / 1e6;
    const runs: number[] = [];
    const perQuery: Record<string, { total: number; p50: number; max: number }> = {};
    for (const q of SEARCH_QUERIES) {
      const own: number[] = [];
      let total = 0;
      for (let i = 0; i < 6; i++) {
        const t1 = process.hrtime.bigint();
        total = (await itemPage(ctx.db.knex, c.id, { search: q, limit: 50 })).total;
        if (i > 0) own.push(Number(process.hrtime.bigint() - t1) / 1e6);
      }
      own.sort((a, b) => a - b);
      perQuery[q] = { total, p50: own[Math.floor(own.length / 2)]!, max: own[own.length - 1]! };
      runs.push(...own);
    }
    runs.sort((a, b) => a - b);
    const pct = (p: number) => runs[Math.min(runs.length - 1, Math.ceil((p / 100) * runs.length) - 1)]!;
    result = {
      indexed: built.indexed,
      added: built.added,
      buildMs,
      itemsPerS: built.added > 0 ? built.added / (buildMs / 1000) : null,
      p50: pct(50),
      p95: pct(95),
      max: runs[runs.length - 1],
      perQuery,
    };
  } else throw new Error('usage: measure-child.ts report | campaigns | search | pdf <out.pdf>');
} finally {
  await ctx.db.close();
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, ...result })}\n`);
