/**
 * Hostile text on the pages and in the staff CSV, over HTTP on both databases: a subject with
 * U+202E (it would read "Invoice exe.png") and a From display name in RFC 2047 encoded words. The
 * pages never carry the raw control character: it is shown as a marked U+202E inside <bdi>, the value
 * flagged, and the value as written (\u{202E}, the encoded words) one click away.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { indexCase } from '../../server/usecases/search.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { Client, makeUser, withServer } from './client.ts';
import { RLO_MESSAGE } from '../search/messages.ts';

storageTest(
  'hostile text: encoded display names decoded, U+202E neutralized and flagged, the raw value one click away',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'rlo.eml'), RLO_MESSAGE);
    await createCase(ctx, { slug: 'rlo', title: 'RLO', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    await ingest(ctx, { caseSlug: 'rlo', party: 'Laposte.net', method: 'trap', paths: [dir], threaded: false });
    await indexCase(ctx, 'rlo');
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      const marker = '<span class="hidden-char" title="U+202E RIGHT-TO-LEFT OVERRIDE">U+202E</span>';
      const item = await c.page('/cases/rlo/items/LPN-0000001');
      assert.equal(item.status, 200);
      assert.ok(!item.html.includes('\u202E'), 'the page never carries the override itself');
      assert.ok(!item.html.includes('\u200B'), 'nor the zero-width space of the body');
      const subject = /<dd id="subject">([\s\S]*?)<\/dd>/.exec(item.html)![1]!;
      assert.ok(subject.includes(`<bdi class="msg"><span class="hidden-flag"`), 'flagged and isolated');
      assert.ok(subject.includes(`Invoice ${marker}gnp.exe`));
      assert.ok(subject.includes('<code>Invoice &#92;u{202E}gnp.exe</code>'), 'as written, one click away');
      const from = /<dd id="from">([\s\S]*?)<\/dd>/.exec(item.html)![1]!;
      assert.ok(from.includes(`Zoë ${marker}Vendeuse &lt;zoe@example.org&gt;`), 'display name decoded');
      // The header table shows the decoded value and, one click away, the field as written.
      assert.match(item.html, /<code>=\?utf-8\?B\?[A-Za-z0-9+/=]+\?= &lt;zoe@example.org&gt;<\/code>/);
      assert.ok(item.html.includes('U+200B ZERO WIDTH SPACE'), 'the body text marks its zero-width space');

      for (const url of ['/cases/rlo/items', '/cases/rlo/items?q=invoice']) {
        const list = await c.page(url);
        assert.ok(!list.html.includes('\u202E'), url);
        assert.ok(list.html.includes(marker), url);
      }
      const csv = await (await c.get('/cases/rlo/items.csv')).text();
      assert.ok(csv.includes('Invoice ⟦U+202E⟧gnp.exe'), 'the staff CSV marks it');
      assert.ok(!csv.includes('\u202E'));
    });
  },
);
