/**
 * Hostile text on the pages and in the staff CSV, over HTTP on both databases: a subject with
 * U+202E (it would read "Invoice exe.png") and a From display name in RFC 2047 encoded words. The
 * pages never carry the raw control character: it is shown as a marked U+202E inside <bdi>, the value
 * flagged, and the value as written (\u{202E}, the encoded words) one click away.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ingest } from '../../server/usecases/ingest.ts';
import { indexCase } from '../../server/usecases/search.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { Client, makeUser, withServer } from './client.ts';
import { RLO_MESSAGE } from '../search/messages.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { changeDefendants } from '../../server/usecases/defendants.ts';
import { saveSearch } from '../../server/labels/labels.ts';
import { hostileCase } from '../fixtures/hostile/case.ts';
import { HIDDEN_PROBE, HOSTILE_ADDRESS } from '../fixtures/hostile/messages.ts';

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

/** A page without what a reader never sees: hidden form fields and data-* attributes (values for forms and tests). */
function shownPart(html: string): string {
  return html.replace(/<input type="hidden"[^>]*>/g, '').replace(/ data-[a-z-]+="[^"]*"/g, '');
}

const flagged = (marked: string) =>
  new RegExp(
    `<bdi class="msg"><span class="hidden-flag"[^>]*>⚠</span> ${marked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  );
const mark = (cp: string, name: string) => `<span class="hidden-char" title="U+${cp} ${name}">U+${cp}</span>`;
const RLO = mark('202E', 'RIGHT-TO-LEFT OVERRIDE');

storageTest(
  'a hostile case: every page and staff CSV marks and flags hidden characters, the raw value one click away',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await hostileCase(ctx, 'h');
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      const pages = [
        '/',
        '/cases/h',
        '/cases/h/items',
        '/cases/h/items?q=invoice',
        '/cases/h/items?q=bell',
        '/cases/h/items/LPN-0000001',
        '/cases/h/items/LPN-0000002',
        '/cases/h/acquisitions',
        '/cases/h/rejections',
        '/cases/h/custody',
        '/cases/h/accounts',
        `/cases/h/accounts/${encodeURIComponent(HOSTILE_ADDRESS)}`,
        '/cases/h/ips',
        '/cases/h/defendants',
        '/cases/h/subpoena',
        '/cases/h/campaigns',
        '/cases/h/campaigns/1',
        '/cases/h/campaigns/2',
        '/cases/h/damages',
        '/cases/h/exports',
        '/cases/h/parties',
        '/cases/h/tags',
      ];
      const html: Record<string, string> = {};
      for (const url of pages) {
        const p = await c.page(url);
        assert.equal(p.status, 200, url);
        const bad = HIDDEN_PROBE.exec(shownPart(p.html));
        assert.equal(
          bad,
          null,
          `${url}: a hidden character reaches the page: ${bad ? JSON.stringify(shownPart(p.html).slice(bad.index - 120, bad.index + 40)) : ''}`,
        );
        html[url] = p.html;
      }
      const account = `${RLO}txt.exe@spam.example`;
      for (const url of ['/cases/h', '/cases/h/accounts', '/cases/h/defendants', '/cases/h/items/LPN-0000002'])
        assert.match(html[url]!, flagged(account), `${url}: the address is marked and flagged`);
      const accountPage = html[`/cases/h/accounts/${encodeURIComponent(HOSTILE_ADDRESS)}`]!;
      assert.ok(
        accountPage.includes('<title>⟦U+202E⟧txt.exe@spam.example · '),
        'the window title carries the plain marker',
      );
      assert.ok(
        accountPage.includes('<code>\\u{202E}txt.exe@spam.example</code>'),
        'the address as written, one click away',
      );

      // The second item: the From display name in ISO-8859-1 decoded, the subject's three charsets
      // decoded with BEL and ESC marked, the Received line, recipient and file name marked.
      const item = html['/cases/h/items/LPN-0000002']!;
      const subject = /<dd id="subject">([\s\S]*?)<\/dd>/.exec(item)![1]!;
      assert.ok(
        subject.includes(
          `Bell${mark('0007', 'control character')} and ESC${mark('001B', 'control character')}[31m caféПривет`,
        ),
        subject,
      );
      assert.ok(
        subject.includes('<code>Bell&#92;u{7} and ESC&#92;u{1B}[31m caféПривет</code>'),
        'the subject as written',
      );
      const from = /<dd id="from">([\s\S]*?)<\/dd>/.exec(item)![1]!;
      assert.ok(from.includes(`Renée &lt;${account}&gt;`), from);
      assert.ok(
        item.includes(
          `from ${mark('2066', 'LEFT-TO-RIGHT ISOLATE')}gro.knab${mark('2069', 'POP DIRECTIONAL ISOLATE')}.example`,
        ),
        'the Received line marked',
      );
      // The hostile HELO and reverse DNS are not host names, so the hop shows none: the line as written carries them.
      assert.ok(
        /<code>from \\u\{2066\}gro\.knab\\u\{2069\}\.example \(r\\u\{200B\}dns\\u\{202E\}\.example/.test(item),
        'the Received line as written',
      );
      assert.ok(item.includes(`ali${mark('200B', 'ZERO WIDTH SPACE')}ce@laposte.net`), 'the recipient marked');
      assert.ok(
        item.includes(`second${RLO}lme.eml`) && item.includes('<code>second\\u{202E}lme.eml</code>'),
        'the file name, marked and as written',
      );

      const first = html['/cases/h/items/LPN-0000001']!;
      assert.ok(first.includes(`invoice${RLO}fdp.exe`), 'the attachment name marked');
      assert.ok(
        first.includes(`Zoë ${RLO}Vendeuse &lt;zoe@example.org&gt;`),
        'the UTF-8 display name decoded and marked',
      );
      assert.match(first, flagged(`Sender wrote ${RLO}gnp.exe</bdi></p>`), 'the note');

      const rejections = html['/cases/h/rejections']!;
      assert.ok(
        rejections.includes(`notes${mark('2067', 'RIGHT-TO-LEFT ISOLATE')}txt.exe`),
        'the rejected file name marked',
      );
      assert.ok(rejections.includes('<code>notes\\u{2067}txt.exe\\u{2069}</code>'), 'and as written');
      assert.ok(
        html['/cases/h/custody']!.includes('Sender wrote ⟦U+202E⟧gnp.exe'),
        'the custody sentence quotes the note marked',
      );
      const found = html['/cases/h/items?q=bell']!;
      assert.ok(
        found.includes(`<mark><bdi class="msg">Bell</bdi></mark><bdi class="msg"><span class="hidden-flag"`),
        'the highlighted subject flagged',
      );
      assert.ok(
        found.includes(`${mark('0007', 'control character')} and ESC`),
        'the subject marked around the highlight',
      );
      assert.ok(
        found.includes(`Café crème ${mark('0007', 'control character')}`),
        'the ISO-8859-1 body snippet decoded and marked',
      );

      // The sanitized HTML body (shown on request, in its sandboxed frame): markers in the text, no script.
      const body = await (await c.get('/cases/h/items/LPN-0000003/body.html')).text();
      assert.ok(body.includes('Pay ⟦U+202E⟧now'), body);
      assert.equal(HIDDEN_PROBE.exec(body), null);
      assert.ok(!/<script|onerror/i.test(body));

      // Staff CSVs: the bytes hold markers, never the characters.
      const csvs: Record<string, string> = {};
      for (const url of [
        'items.csv',
        'accounts.csv',
        'ips.csv',
        'campaigns.csv',
        'acquisitions.csv',
        'rejections.csv',
        'labels.csv',
        'subpoena/accounts.csv',
      ]) {
        const res = await c.get(`/cases/h/${url}`);
        assert.equal(res.status, 200, url);
        const bytes = Buffer.from(await res.arrayBuffer());
        const text = bytes.toString('utf8');
        assert.equal(HIDDEN_PROBE.exec(text), null, `${url}: no hidden character in the bytes`);
        csvs[url] = text;
      }
      assert.ok(csvs['items.csv']!.includes('⟦U+202E⟧txt.exe@spam.example'));
      assert.ok(csvs['items.csv']!.includes('Invoice ⟦U+202E⟧gnp.exe'));
      assert.ok(csvs['items.csv']!.includes('Bell⟦U+0007⟧ and ESC⟦U+001B⟧[31m caféПривет'));
      assert.ok(csvs['accounts.csv']!.includes('⟦U+202E⟧txt.exe@spam.example'));
      assert.ok(csvs['rejections.csv']!.includes('notes⟦U+2067⟧txt.exe⟦U+2069⟧'));
      assert.ok(csvs['labels.csv']!.includes('Sender wrote ⟦U+202E⟧gnp.exe'), csvs['labels.csv']);
    });
    // Names staff give refuse what tag names refuse: a defendant or a saved search named with an override.
    const c = await getCase(ctx.db.knex, 'h');
    await assert.rejects(
      changeDefendants(ctx, { case: 'h', action: 'create', name: 'Doe \u202E1', members: ['91.121.5.77'] }),
      /may not contain control, direction or invisible characters/,
    );
    await assert.rejects(
      saveSearch(ctx, c, 'mine \u2067x', { q: 'x' }),
      /may not contain control, direction or invisible/,
    );
  },
);
