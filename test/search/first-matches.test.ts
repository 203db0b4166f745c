/**
 * The items page reads a search's first matches once (SQLite): the capped count and every page that
 * lies within them come from that one read. Checked against reading the index for each page, for every
 * cap, cursor, direction and page size over a real case, and by counting the FTS5 statements a page sends.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { indexCase } from '../../server/usecases/search.ts';
import { itemPage } from '../../server/report/lists.ts';
import { firstMatches, matchingIds } from '../../server/search/search.ts';
import { parseSearch } from '../../server/search/query.ts';
import { createTestEnv, tempDir } from '../helpers/databases.ts';

/** 40 messages: every one has "offer"; every third "removal", every fifth "removed" (a prefix `remov*` finds both). */
function writeMessages(dir: string): void {
  for (let i = 1; i <= 40; i += 1) {
    const words = ['offer', i % 3 === 0 ? 'removal' : '', i % 5 === 0 ? 'removed' : ''].filter(Boolean).join(' ');
    fs.writeFileSync(
      path.join(dir, `${String(i).padStart(2, '0')}.eml`),
      `From: s${i}@example.net\r\nTo: alice@laposte.net\r\nSubject: Note ${i}\r\nMessage-ID: <${i}@first>\r\n` +
        `Date: Mon, 2 Jan 2006 10:00:00 +0000\r\n\r\nA ${words} for number ${i}.\r\n`,
    );
  }
}

test('search pages taken from the first matches equal pages read from the index [sqlite]', async () => {
  const { env, cleanup } = await createTestEnv('sqlite');
  try {
    const { ctx } = env;
    const dir = tempDir();
    writeMessages(dir);
    await createCase(ctx, { slug: 'fm', title: 'First matches', parties: [{ name: 'MSN', batesPrefix: 'MSN' }] });
    await ingest(ctx, { caseSlug: 'fm', party: 'MSN', method: 'trap', paths: [dir], threaded: false });
    await indexCase(ctx, 'fm');
    const knex = ctx.db.knex;
    const caseId = Number(((await knex('cases').where({ slug: 'fm' }).first('id')) as { id: number }).id);

    for (const search of ['remov*', 'offer', 'offer -removal']) {
      const tree = parseSearch(search);
      const all = await matchingIds(knex, caseId, tree, {}, 0, 1_000);
      assert.ok(all.length >= 8, `${search}: ${all.length} matches`);
      const cursors = [0, ...all, all.at(-1)! + 1];
      for (const cap of [0, 1, 2, 5, all.length - 1, all.length, all.length + 3]) {
        const known = (await firstMatches(knex, caseId, tree, {}, cap))!;
        assert.deepEqual(known.ids, all.slice(0, cap + 1), `${search}, cap ${cap}: the first cap + 1 matches`);
        assert.equal(known.complete, all.length <= cap);
        for (const desc of [false, true])
          for (const after of cursors)
            for (const limit of [1, 3, 7]) {
              const label = `${search}, cap ${cap}, after ${after}, limit ${limit}${desc ? ', desc' : ''}`;
              assert.deepEqual(
                await matchingIds(knex, caseId, tree, {}, after, limit, desc, 'auto', known),
                await matchingIds(knex, caseId, tree, {}, after, limit, desc),
                label,
              );
            }
      }
    }

    // The first page of a prefix search: one FTS5 statement gives its count and its rows.
    const statements: string[] = [];
    const onQuery = (q: { sql: string }) => void statements.push(q.sql);
    knex.on('query', onQuery);
    const page = await itemPage(knex, caseId, { search: 'remov*', limit: 5 });
    knex.off('query', onQuery);
    assert.equal(page.total, 19, '13 with "removal", 8 with "removed", 2 with both');
    assert.equal(page.rows.length, 5);
    assert.equal(statements.filter((s) => /search_fts match/i.test(s)).length, 1, statements.join('\n'));
    // Beyond the page's reach in the other direction the index is read again, with the same rows.
    const last = await itemPage(knex, caseId, { search: 'remov*', limit: 5, order: 'desc' });
    assert.deepEqual(
      last.rows.map((r) => r.bates),
      ['MSN-0000040', 'MSN-0000039', 'MSN-0000036', 'MSN-0000035', 'MSN-0000033'],
    );
  } finally {
    await cleanup();
  }
});
