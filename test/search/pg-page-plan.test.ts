/**
 * PostgreSQL's page of a full-text search (docs/SEARCH.md, "Page plans on PostgreSQL"): a search that
 * finds few items reads only those items' rows, whatever plan the statistics would give `ORDER BY
 * item_id LIMIT n` (at 1,000,000 messages, a walk of the case's item index that read every row for a
 * search finding nothing: 4.5 s). The statements the search really ran are replayed under EXPLAIN
 * ANALYZE, in one transaction as they ran, and the rows each plan read from search_docs are summed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Knex } from 'knex';
import { getCase } from '../../server/cases/cases.ts';
import { parseSearch } from '../../server/search/query.ts';
import { countMatches, matchingIds } from '../../server/search/search.ts';
import { indexCase } from '../../server/usecases/search.ts';
import { ingestedCase } from '../export/helpers.ts';
import { createTestEnv, PG_ADMIN_URL, pgAvailable } from '../helpers/databases.ts';

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

function rowsRead(node: PlanNode): number {
  const own =
    node['Relation Name'] === 'search_docs'
      ? ((node['Actual Rows'] ?? 0) +
          (node['Rows Removed by Filter'] ?? 0) +
          (node['Rows Removed by Index Recheck'] ?? 0)) *
        (node['Actual Loops'] ?? 1)
      : 0;
  return own + (node.Plans ?? []).reduce((sum, p) => sum + rowsRead(p), 0);
}

/** Runs `run`, then replays every statement it sent, in one transaction, with each SELECT explained and analysed. */
async function searchDocsRowsRead(knex: Knex, run: () => Promise<unknown>): Promise<number> {
  const sent: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => sent.push({ sql: q.sql, bindings: q.bindings ?? [] });
  knex.on('query', listener);
  try {
    await run();
  } finally {
    knex.removeListener('query', listener);
  }
  let read = 0;
  await knex.transaction(async (trx) => {
    for (const q of sent) {
      const sql = q.sql.replace(/\$\d+/g, '?');
      const bindings = q.bindings as Knex.RawBinding[];
      if (/^\s*set local/i.test(sql)) await trx.raw(sql, bindings);
      else if (/^\s*select/i.test(sql)) {
        const res = (await trx.raw(`explain (analyze, format json) ${sql}`, bindings)) as {
          rows: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
        };
        read += rowsRead(res.rows[0]!['QUERY PLAN'][0]!.Plan);
      }
    }
  });
  return read;
}

test(
  'PostgreSQL: a search page reads the rows of the items it finds, not the case [pg]',
  { timeout: 240_000 },
  async (t) => {
    if (!(await pgAvailable())) {
      if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI never skips it`);
      t.skip(`PostgreSQL not reachable at ${PG_ADMIN_URL} (set SPAMCASE_TEST_PG_URL)`);
      return;
    }
    const { env, cleanup } = await createTestEnv('pg');
    try {
      const { ctx } = env;
      const knex = ctx.db.knex;
      await ingestedCase(ctx, 'plan', 300, 11);
      await indexCase(ctx, 'plan');
      const caseId = (await getCase(knex, 'plan')).id;
      const indexed = Number(((await knex('search_docs').count({ n: '*' }).first()) as { n: string }).n);
      assert.ok(indexed >= 300, `the case is indexed (${indexed} items)`);
      // The build refreshed the planner's statistics (ANALYZE sets reltuples; a table never analysed has -1).
      const stats = (await knex.raw("select reltuples from pg_class where oid = 'search_docs'::regclass")) as {
        rows: Array<{ reltuples: number }>;
      };
      assert.equal(Number(stats.rows[0]!.reltuples), indexed, 'the index build analysed search_docs');

      // A rare word: one of the first item's subject words found in at most five items.
      const subjects = (await knex('items as i')
        .join('messages as m', 'm.id', 'i.message_id')
        .where('i.case_id', caseId)
        .whereNotNull('m.subject')
        .orderBy('i.id')
        .limit(40)
        .pluck('m.subject')) as string[];
      let rare: string | null = null;
      let rareCount = 0;
      for (const word of subjects.flatMap((s) => s.split(/[^A-Za-z]+/)).filter((w) => w.length >= 5)) {
        const n = await countMatches(knex, caseId, parseSearch(word));
        if (n >= 1 && n <= 5) {
          rare = word;
          rareCount = n;
          break;
        }
      }
      assert.ok(rare, 'a word of the corpus is found in one to five items');
      const common = parseSearch('a* OR e* OR i* OR o*');
      const commonCount = await countMatches(knex, caseId, common);
      assert.ok(commonCount > 100, `the common search finds most of the case (${commonCount})`);

      // Every plan gives the same pages: first, next, and in descending order.
      for (const search of ['zzzqqxnothing', rare, 'a* OR e* OR i* OR o*']) {
        const tree = parseSearch(search);
        for (const [after, desc] of [
          [0, false],
          [0, true],
        ] as const) {
          const pages = [];
          for (const plan of ['auto', 'few', 'walk'] as const) {
            const first = await matchingIds(knex, caseId, tree, {}, after, 8, desc, plan);
            const next = first.length ? await matchingIds(knex, caseId, tree, {}, first.at(-1)!, 8, desc, plan) : [];
            pages.push([first, next]);
          }
          assert.deepEqual(pages[1], pages[0], `${search}: 'few' gives the pages of 'auto'`);
          assert.deepEqual(pages[2], pages[0], `${search}: 'walk' gives the pages of 'auto'`);
          const [first, next] = pages[0]!;
          const all = [...first!, ...next!];
          assert.deepEqual(
            all,
            [...all].sort((a, b) => (desc ? b - a : a - b)),
            `${search}: ids in order`,
          );
          assert.equal(new Set(all).size, all.length, `${search}: no id twice across pages`);
        }
      }

      // What each plan reads. A search that finds nothing reads no row; a walk (the plan the statistics
      // chose at a million) reads them all, which is what this test exists to catch.
      const nothing = parseSearch('zzzqqxnothing');
      assert.equal(await searchDocsRowsRead(knex, () => matchingIds(knex, caseId, nothing, {}, 0, 51)), 0);
      assert.ok(
        (await searchDocsRowsRead(knex, () => matchingIds(knex, caseId, nothing, {}, 0, 51, false, 'walk'))) >= indexed,
        'the walk reads every row of the case',
      );
      const rareRead = await searchDocsRowsRead(knex, () => matchingIds(knex, caseId, parseSearch(rare!), {}, 0, 51));
      assert.ok(rareRead <= rareCount, `the rare word reads ${rareRead} rows for ${rareCount} items found`);

      // A field search is answered by that field's own index: the subject word searched in the
      // recipients reads only the rows it finds, not every row with the word in another field.
      const inRecipients = parseSearch(`to:${rare}`);
      const found = await countMatches(knex, caseId, inRecipients);
      assert.ok(found < rareCount, `${rare} is found in other fields than the recipients (${found} < ${rareCount})`);
      const fieldRead = await searchDocsRowsRead(knex, () => matchingIds(knex, caseId, inRecipients, {}, 0, 51));
      assert.ok(fieldRead <= found, `to:${rare} reads ${fieldRead} rows for ${found} items found`);

      // The capped count of a field or NOT search reads the GIN bitmap's rows, not rows until the cap:
      // left to the planner it read 125,473 tsvectors for subject:free at a million messages.
      const countRead = await searchDocsRowsRead(knex, async () => {
        assert.equal(await countMatches(knex, caseId, inRecipients, {}, 10_000), found);
      });
      assert.ok(countRead <= found, `the capped count of to:${rare} reads ${countRead} rows for ${found} found`);
      const notRare = parseSearch(`${rare} -zzzqqxnothing`);
      const notRead = await searchDocsRowsRead(knex, async () => {
        assert.equal(await countMatches(knex, caseId, notRare, {}, 10_000), rareCount);
      });
      assert.ok(notRead <= rareCount, `the capped count of ${rare} -zzzqqxnothing reads ${notRead} rows`);
    } finally {
      await cleanup();
    }
  },
);
