/**
 * Per-item lookups must find each item by its key. Without statistics SQLite's planner preferred a
 * case index for "case_id = ? AND item_id IN (...)" and read the whole case per call: 2.4 s per 500
 * items at a million messages, which made export run at 1.2 MB/s. This test records the SELECTs each
 * lookup issues on a real ingested case and asks SQLite how it runs them: no plan may search a table
 * by case_id alone. (PostgreSQL plans from its own statistics; these are SQLite's.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Knex } from 'knex';
import { itemAttributions } from '../../server/attribution/queries.ts';
import { itemDkim, itemDkimDetail } from '../../server/attribution/dkim/case-dkim.ts';
import { itemCampaigns } from '../../server/campaigns/queries.ts';
import { getCase } from '../../server/cases/cases.ts';
import { buildSearchIndex } from '../../server/search/build.ts';
import { networkDeliveries } from '../../server/attribution/subpoena.ts';
import { storeDir } from '../../server/context.ts';
import { itemPage } from '../../server/report/lists.ts';
import { ingestedCase } from '../export/helpers.ts';
import { createTestEnv } from '../helpers/databases.ts';

async function plansOf(knex: Knex, run: () => Promise<unknown>): Promise<string[]> {
  const sqls: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings: unknown[] }) => {
    if (/^\s*select/i.test(q.sql)) sqls.push({ sql: q.sql, bindings: q.bindings });
  };
  knex.on('query', listener);
  try {
    await run();
  } finally {
    knex.removeListener('query', listener);
  }
  assert.ok(sqls.length > 0, 'the lookup ran at least one query');
  const plans: string[] = [];
  for (const q of sqls) {
    const rows = (await knex.raw(`explain query plan ${q.sql}`, q.bindings as Knex.RawBinding[])) as Array<{
      detail: string;
    }>;
    plans.push(`${q.sql}\n  ${rows.map((r) => r.detail).join('\n  ')}`);
  }
  return plans;
}

test('per-item lookups search each item by its key, never the case by a case index [sqlite]', async () => {
  const { env, cleanup } = await createTestEnv('sqlite');
  const { ctx } = env;
  try {
    await ingestedCase(ctx, 'plans', 60, 9);
    const c = await getCase(ctx.db.knex, 'plans');
    const ids = (
      (await ctx.db.knex('items').where({ case_id: c.id }).orderBy('id').limit(20).pluck('id')) as Array<
        number | string
      >
    ).map(Number);
    const lookups: Array<[string, () => Promise<unknown>]> = [
      ['itemAttributions', () => itemAttributions(ctx.db.knex, c.id, ids)],
      ['itemDkim', () => itemDkim(ctx.db.knex, c.id, ids)],
      ['itemDkimDetail', () => itemDkimDetail(ctx.db.knex, c.id, ids[0]!)],
      ['itemCampaigns', () => itemCampaigns(ctx.db.knex, c.id, ids)],
    ];
    for (const [name, run] of lookups) {
      for (const plan of await plansOf(ctx.db.knex, run)) {
        if (!/item_attributions|dkim_results|campaign_members/.test(plan.split('\n')[0]!)) continue;
        assert.doesNotMatch(plan, /USING (COVERING )?INDEX \S+ \(case_id=\?\)/, `${name}: ${plan}`);
      }
    }
    // The full-text index build reads the items above its mark a batch at a time: from the mark by
    // the primary key, never by sorting the case (9.4 s a batch at 1.5 million items).
    await ctx.db.knex('search_state').where({ case_id: c.id }).update({ indexed_through: 0, indexed_items: 0 });
    await ctx.db.knex('search_texts').where({ case_id: c.id }).del();
    await ctx.db.knex('search_fts').delete();
    const itemPlans = (await plansOf(ctx.db.knex, () => buildSearchIndex(ctx, c.id, 'plans'))).filter((p) =>
      /\bfrom [`"]?items[`"]?/i.test(p.split('\n')[0]!),
    );
    assert.ok(itemPlans.length > 0);
    for (const plan of itemPlans) {
      assert.doesNotMatch(plan, /USING (COVERING )?INDEX \S+ \(case_id=\?\)/, `buildSearchIndex: ${plan}`);
      assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY/, `buildSearchIndex: ${plan}`);
    }
    // A search's page of items is read by id, whatever the search (300 ms a search at 1.5 million items).
    const subject = (await ctx.db.knex('messages').whereNotNull('subject').first('subject')) as { subject: string };
    const word = /[A-Za-z]{3,}/.exec(subject.subject)![0];
    const pagePlans = (await plansOf(ctx.db.knex, () => itemPage(ctx.db.knex, c.id, { search: word }))).filter((p) =>
      /\bfrom [`"]?items[`"]?/i.test(p.split('\n')[0]!),
    );
    assert.ok(pagePlans.length > 0, `the page of "${word}" read its items`);
    for (const plan of pagePlans)
      assert.doesNotMatch(plan, /USING (COVERING )?INDEX \S+ \(case_id=\?\)/, `itemPage: ${plan}`);
    // The subpoena list of the bundle pages through the attributed items by id the same way.
    const subpoenaPlans = (
      await plansOf(ctx.db.knex, () => networkDeliveries(ctx.db.knex, c.id, storeDir(ctx, 'plans')))
    ).filter((p) => /\bfrom [`"]?(items|deliveries)[`"]?/i.test(p.split('\n')[0]!));
    assert.ok(subpoenaPlans.length > 0);
    for (const plan of subpoenaPlans) {
      assert.doesNotMatch(plan, /USING (COVERING )?INDEX \S+ \(case_id=\?\)/, `networkDeliveries: ${plan}`);
      assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY/, `networkDeliveries: ${plan}`);
      assert.doesNotMatch(plan, /\n {2}SCAN /, `networkDeliveries reads no table whole: ${plan}`);
    }
  } finally {
    await cleanup();
  }
});
