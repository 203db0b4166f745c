import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { indexCase } from '../../server/usecases/search.ts';
import { itemPage, listItems } from '../../server/report/lists.ts';
import { searchIndexStatus } from '../../server/search/build.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { MESSAGES } from './messages.ts';

const bates = (n: number) => `MSN-${String(n).padStart(7, '0')}`;

storageTest(
  'full-text search: one query language on both databases, over subject, sender, recipients and decoded body',
  async ({ ctx }) => {
    const dir = tempDir();
    for (const [name, text] of Object.entries(MESSAGES)) fs.writeFileSync(path.join(dir, name), text);
    await createCase(ctx, {
      slug: 'fts',
      title: 'Search',
      parties: [
        { name: 'MSN', batesPrefix: 'MSN' },
        { name: 'AOL', batesPrefix: 'AOL' },
      ],
    });
    for (const name of Object.keys(MESSAGES))
      await ingest(ctx, {
        caseSlug: 'fts',
        party: 'MSN',
        method: 'trap',
        paths: [path.join(dir, name)],
        threaded: false,
      });
    const knex = ctx.db.knex;
    const caseId = Number(((await knex('cases').where({ slug: 'fts' }).first('id')) as { id: number }).id);

    // Ingested before the index was built: nothing is searchable yet, and the status says so.
    assert.deepEqual(await searchIndexStatus(knex, caseId), { indexed: 0, remaining: 5 });
    // A build stopped after its first batch resumes at its high-water mark, indexing nothing twice.
    const stop = new AbortController();
    await indexCase(ctx, 'fts', { batchSize: 2, onProgress: () => stop.abort(), signal: stop.signal });
    assert.deepEqual(await searchIndexStatus(knex, caseId), { indexed: 2, remaining: 3 });
    const done = await indexCase(ctx, 'fts', { batchSize: 2 });
    assert.deepEqual(done, { indexed: 5, remaining: 0, added: 3 });
    assert.equal((await indexCase(ctx, 'fts')).added, 0, 'a second build finds nothing to add');

    const found = async (search: string, opts: { party?: string } = {}) =>
      (await listItems(knex, caseId, { search, ...opts })).rows.map((r) => r.bates);
    const cases: Array<[string, number[]]> = [
      ['viagra', [1]],
      ['VIAGRA', [1]],
      ['resume', [2]],
      ['Résumé', [2]],
      ['cafe', [2]],
      ['pharm*', [1, 5]],
      ['"click here"', [1]],
      ['"here click"', [5]],
      ['viagra OR cialis', [1, 2]],
      ['buy -cialis', [1, 5]],
      ['buy NOT cialis', [1, 5]],
      ['buy NOT (cialis OR nothing)', [1]],
      ['(viagra OR cialis) save', [2]],
      ['from:hotmail.com', [1]],
      ['from:"bob spammer"', [1]],
      ['from:zoe', [2]],
      ['from:vendeuse', [2]],
      ['to:alice', [1, 3, 5]],
      ['to:alice@laposte.net -pharm*', [3]],
      ['subject:choosers', [3]],
      ['body:choosers', [3]],
      ['subject:buy', []],
      ['Choosers, &', [3]],
      ['邮件', [4]],
      ['发票', [4]],
      ['script OR alert', [] /* script content is not text */],
      ['nowhere', []],
    ];
    for (const [search, want] of cases) assert.deepEqual(await found(search), want.map(bates), search);
    assert.deepEqual(await found('buy', { party: 'MSN' }), [1, 2, 5].map(bates));
    assert.deepEqual(await found('buy', { party: 'AOL' }), []);

    // Hostile searches are words or a clear refusal, never a database error.
    for (const s of ['a" OR b', 'NEAR(a b)', "'; drop table items; --", 'body:*', '*', '^x', 'x:y:z', '"""', '\\']) {
      try {
        await found(s);
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'INVALID_INPUT', s);
      }
    }
    await assert.rejects(found('NOT viagra'), { code: 'INVALID_INPUT', field: 'search' });

    // The page: total found, previous / next across pages, snippets with the matched words marked.
    const p1 = await itemPage(knex, caseId, { search: 'buy OR viagra OR choosers', limit: 2 });
    assert.equal(p1.total, 4);
    assert.deepEqual(
      p1.rows.map((r) => r.bates),
      [1, 2].map(bates),
    );
    assert.equal(p1.prev, null);
    const p2 = await itemPage(knex, caseId, { search: 'buy OR viagra OR choosers', limit: 2, after: p1.next });
    assert.deepEqual(
      p2.rows.map((r) => r.bates),
      [3, 5].map(bates),
    );
    assert.equal(p2.next, null);
    const back = await itemPage(knex, caseId, { search: 'buy OR viagra OR choosers', limit: 2, before: p2.prev });
    assert.deepEqual(
      back.rows.map((r) => r.bates),
      [1, 2].map(bates),
    );
    assert.equal(back.prev, null);
    const s2 = p1.fullText!.snippets[bates(2)]!;
    assert.deepEqual(s2.body, [
      { text: 'Buy', hit: true },
      { text: ' Cialis & save café', hit: false },
    ]);
    assert.deepEqual(p1.fullText!.snippets[bates(1)]!.subject, [
      { text: 'Cheap ', hit: false },
      { text: 'Viagra', hit: true },
      { text: ' now', hit: false },
    ]);
    assert.deepEqual(p1.fullText!.index, { indexed: 5, remaining: 0 });
    const desc = await itemPage(knex, caseId, { search: 'buy', order: 'desc' });
    assert.deepEqual(
      desc.rows.map((r) => r.bates),
      [5, 2, 1].map(bates),
    );

    // Lists without a full-text search count too, and page backwards.
    const all1 = await itemPage(knex, caseId, { limit: 3 });
    assert.equal(all1.total, 5);
    const all2 = await itemPage(knex, caseId, { limit: 3, after: all1.next });
    assert.deepEqual(
      all2.rows.map((r) => r.bates),
      [4, 5].map(bates),
    );
    const all0 = await itemPage(knex, caseId, { limit: 3, before: all2.prev });
    assert.deepEqual(
      all0.rows.map((r) => r.bates),
      [1, 2, 3].map(bates),
    );
    assert.equal(all0.prev, null);
    for (const sort of ['date', 'size'] as const) {
      const a = await itemPage(knex, caseId, { sort, limit: 2 });
      const b = await itemPage(knex, caseId, { sort, limit: 2, after: a.next });
      const c = await itemPage(knex, caseId, { sort, limit: 2, before: b.prev });
      assert.deepEqual(c.rows, a.rows, `${sort}: previous of the second page is the first`);
    }
  },
  { timeout: 120_000 },
);
