import assert from 'node:assert/strict';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { indexCase } from '../../server/usecases/search.ts';
import {
  deliveriesPerDay,
  listAcquisitions,
  listItems,
  type ItemListOptions,
  type ItemRow,
} from '../../server/report/lists.ts';
import { caseReport } from '../../server/report/counts.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

async function allPages(
  knex: Parameters<typeof listItems>[0],
  caseId: number,
  opts: ItemListOptions,
): Promise<ItemRow[]> {
  const rows: ItemRow[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await listItems(knex, caseId, { ...opts, after, limit: 37 });
    assert.ok(page.rows.length <= 37);
    rows.push(...page.rows);
    after = page.next;
    pages += 1;
    assert.ok(pages < 1000, 'paging ends');
  } while (after);
  return rows;
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

storageTest(
  'keyset paging visits every item exactly once, in order, for every sort and direction; filters and searches find what they should',
  async ({ ctx }) => {
    const corpus = tempDir();
    const truth = await generateCorpus({ out: corpus, messages: 400, seed: 7, layout: 'mixed' });
    await createCase(ctx, {
      slug: 'lists',
      title: 'Lists',
      parties: [
        { name: 'Laposte.net', batesPrefix: 'LPN' },
        { name: 'MSN', batesPrefix: 'MSN' },
      ],
    });
    await ingest(ctx, { caseSlug: 'lists', party: 'MSN', method: 'trap', paths: [corpus], threaded: false });
    const report = await caseReport(ctx.db.knex, 'lists');
    assert.equal(report.items, truth.items);
    const caseId = Number(((await ctx.db.knex('cases').where({ slug: 'lists' }).first('id')) as { id: number }).id);
    const knex = ctx.db.knex;

    const byBates = await allPages(knex, caseId, {});
    assert.equal(byBates.length, truth.items);
    assert.deepEqual(
      byBates.map((r) => r.bates),
      byBates.map((r) => r.bates).sort(),
    );
    assert.equal(new Set(byBates.map((r) => r.sha256)).size, truth.items);
    const desc = await allPages(knex, caseId, { order: 'desc' });
    assert.deepEqual(
      desc.map((r) => r.bates),
      byBates.map((r) => r.bates).reverse(),
    );

    for (const order of ['asc', 'desc'] as const) {
      const bySize = await allPages(knex, caseId, { sort: 'size', order });
      assert.equal(new Set(bySize.map((r) => r.bates)).size, truth.items, `size ${order}: every item once`);
      for (let i = 1; i < bySize.length; i++)
        assert.ok((order === 'asc' ? 1 : -1) * cmp(bySize[i]!.size, bySize[i - 1]!.size) >= 0);
      const byDate = await allPages(knex, caseId, { sort: 'date', order });
      assert.equal(new Set(byDate.map((r) => r.bates)).size, truth.items, `date ${order}: every item once`);
      const dated = byDate.filter((r) => r.date !== null).map((r) => r.date!);
      assert.deepEqual(
        dated,
        [...dated].sort((a, b) => (order === 'asc' ? cmp(a, b) : cmp(b, a))),
      );
    }

    const prefix = byBates[120]!.bates.slice(0, -1);
    const found = await allPages(knex, caseId, { search: prefix });
    assert.deepEqual(
      found.map((r) => r.bates),
      byBates.filter((r) => r.bates.startsWith(prefix)).map((r) => r.bates),
    );
    assert.deepEqual(
      (await listItems(knex, caseId, { search: byBates[77]!.sha256 })).rows.map((r) => r.bates),
      [byBates[77]!.bates],
    );
    // A word of a subject (full-text search, docs/SEARCH.md): every item whose subject has that word is found.
    await indexCase(ctx, 'lists');
    const subject = byBates.find((r) => r.subject && /[a-z]{5,}/i.test(r.subject))!.subject!;
    const word = /[a-z]{5,}/i.exec(subject)![0].toUpperCase();
    const hasWord = (text: string | null) =>
      (text ?? '')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .includes(word.toLowerCase());
    const bySubject = new Set((await allPages(knex, caseId, { search: `subject:${word}` })).map((r) => r.bates));
    assert.deepEqual(
      [...bySubject],
      byBates.filter((r) => hasWord(r.subject)).map((r) => r.bates),
    );
    const anywhere = new Set((await allPages(knex, caseId, { search: word })).map((r) => r.bates));
    for (const b of bySubject) assert.ok(anywhere.has(b), `${b} found by the word without a field`);
    await assert.rejects(
      listItems(knex, caseId, { search: '%_\\' }),
      { code: 'INVALID_INPUT', field: 'search' },
      'LIKE wildcards are no words: nothing to look for',
    );
    assert.equal((await allPages(knex, caseId, { party: 'MSN' })).length, truth.items);
    assert.equal((await allPages(knex, caseId, { party: 'LPN' })).length, 0);
    await assert.rejects(listItems(knex, caseId, { after: 'not-a-cursor' }), { code: 'INVALID_INPUT' });

    const perDay = await deliveriesPerDay(knex, caseId);
    assert.equal(perDay.days.reduce((s, d) => s + d.deliveries, 0) + perDay.undated, truth.deliveries);
    const acq = await listAcquisitions(knex, caseId);
    assert.equal(acq.rows.length, 1);
    assert.equal(acq.rows[0]!.samples, truth.samples);
  },
  { timeout: 300_000 },
);
