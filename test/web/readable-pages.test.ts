/**
 * Pages readable by legal staff (issue 22, item 4): an upload's breakdown into new items, exact
 * duplicates and rejected with their shares; an acquisition named by the file the user uploaded
 * (hostile names shown safely, never the server's temporary path) with its custodian and notes;
 * dates in the case's time zone with UTC on hover; money in the page's language and the rule set's
 * currency (CSV left exact); the chart's y-axis and its outlying dates set apart.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { deliveriesChart } from '../../server/web/chart.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { spamcase } from '../helpers/cli.ts';
import { Client, makeUser, multipart, withServer } from './client.ts';

/** A small real message with a known Date header. */
function eml(n: number, date: string): Buffer {
  return Buffer.from(
    [
      `From: Seller ${n} <seller${n}@hotmail.com>`,
      'To: jean.dupont@laposte.net',
      `Subject: Offer number ${n}`,
      `Date: ${date}`,
      `Message-ID: <offer-${n}@spam.example>`,
      '',
      `Buy now, offer ${n}.`,
      '',
    ].join('\r\n'),
  );
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3, 4, 5]);
const HOSTILE_NAME = `facture\u202Elme.exe\u0007${'x'.repeat(400)}.eml`;

/** The HTML of one table row, by its data-kind. */
function row(html: string, kind: string): string {
  const m = new RegExp(`<tr[^>]*data-kind="${kind}"[^>]*>([\\s\\S]*?)</tr>`).exec(html);
  assert.ok(m, `the breakdown has a ${kind} row`);
  return m[1]!;
}

storageTest(
  'an upload through the form: the breakdown with shares, the browser file names shown safely with custodian and notes, dates in the case time zone with UTC on hover',
  async ({ ctx, env }) => {
    await makeUser(ctx, 'edith', 'editor');
    await makeUser(ctx, 'vic', 'viewer');
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('edith');

      // A case with a time zone, from the new-case form; an unknown zone is refused with a clear error.
      await c.page('/cases/new');
      const form = { slug: 'readable', title: 'Readable', parties: 'Laposte.net:LPN', jurisdiction: '' };
      const bad = await c.post('/cases', { ...form, time_zone: 'Mars/Olympus_Mons' });
      assert.equal(bad.status, 400);
      const badHtml = await bad.text();
      assert.match(badHtml, /time_zone is not a time zone this server knows: &quot;Mars\/Olympus_Mons&quot;/);
      assert.match(badHtml, /value="Mars\/Olympus_Mons"/, 'the form keeps what was typed');
      await c.page('/cases/new');
      assert.equal((await c.post('/cases', { ...form, time_zone: 'europe/paris' })).status, 303);
      assert.equal((await getCase(ctx.db.knex, 'readable')).timeZone, 'Europe/Paris', 'written as Intl writes it');
      await addMember(ctx, await getCase(ctx.db.knex, 'readable'), 'vic');

      // Four files: two new messages (one under a hostile name), an exact copy of the first, a JPEG.
      await c.page('/cases/readable/upload');
      const upload = multipart(
        c.csrf!,
        {
          party: 'LPN',
          method: 'trap',
          custodian: 'Service abuse Laposte (J. Dupont)',
          notes: 'Piège n°3 <b>mars</b>\u202E2005',
        },
        [
          { name: 'Réclamation mars.eml', data: eml(1, 'Tue, 01 Mar 2005 12:00:00 +0000') },
          { name: 'C:\\Users\\jean\\Desktop\\copie.eml', data: eml(1, 'Tue, 01 Mar 2005 12:00:00 +0000') },
          { name: HOSTILE_NAME, data: eml(2, 'Wed, 02 Mar 2005 23:30:00 +0000'), encoded: true },
          { name: '../../photo.eml', data: JPEG },
        ],
      );
      const res = await c.request('POST', '/cases/readable/uploads', {
        body: upload.body,
        headers: { 'content-type': upload.type },
      });
      assert.equal(res.status, 303, await res.text());
      const jobUrl = res.headers.get('location')!;
      await server.web.jobs.idle();

      // Notes are bounded in characters, whatever their bytes: 2,001 of them are refused, nothing kept.
      await c.page('/cases/readable/upload');
      const tooLong = multipart(c.csrf!, { party: 'LPN', notes: '漢'.repeat(2001) }, [
        { name: 'late.eml', data: eml(9, 'Tue, 01 Mar 2005 12:00:00 +0000') },
      ]);
      const refusedUpload = await c.request('POST', '/cases/readable/uploads', {
        body: tooLong.body,
        headers: { 'content-type': tooLong.type },
      });
      assert.equal(refusedUpload.status, 400);
      assert.match(await refusedUpload.text(), /notes has at most 2000 characters/);

      // The result: new items / exact duplicates / rejected, a total, each with its share.
      let html = (await c.page(jobUrl)).html;
      assert.match(row(html, 'new'), /<td class="num">2<\/td><td class="num">50%<\/td>/);
      assert.match(row(html, 'duplicates'), /<td class="num">1<\/td><td class="num">25%<\/td>/);
      assert.match(row(html, 'rejected'), /<td class="num">1<\/td><td class="num">25%<\/td>/);
      assert.match(row(html, 'total'), /<td class="num">4<\/td><td class="num">100%<\/td>/);
      const api = (await (await c.get(`/api${jobUrl}`)).json()) as { newItems: number; exactDuplicates: number };
      assert.deepEqual([api.newItems, api.exactDuplicates], [2, 1]);
      assert.match(
        html,
        /<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">/,
      );

      // The upload list has the breakdown too.
      html = (await c.page('/cases/readable/upload')).html;
      assert.match(
        html,
        /<td class="num">3<\/td><td class="num">2<\/td><td class="num">1<\/td><td class="num">1<\/td><\/tr>/,
      );

      // The acquisitions: the browser's names (no folder, no server path), custodian and notes.
      html = (await c.page('/cases/readable/acquisitions')).html;
      assert.ok(html.includes('Réclamation mars.eml'), 'a UTF-8 name arrives whole');
      assert.ok(html.includes('copie.eml') && !html.includes('Desktop'), 'only the last part of a path');
      assert.ok(!html.includes(ctx.dataRoot) && !html.includes('/uploads/'), "never the server's temporary path");
      assert.ok(!html.includes('\u202E') && !html.includes('\u0007'), 'no raw control reaches the page');
      assert.match(html, /<span class="hidden-char" title="U\+202E RIGHT-TO-LEFT OVERRIDE">U\+202E<\/span>/);
      assert.match(html, /<span class="hidden-char" title="U\+0007 control character">U\+0007<\/span>/);
      assert.match(html, /<bdi class="msg">[^<]*Service abuse Laposte \(J\. Dupont\)<\/bdi>/);
      assert.ok(html.includes('Piège n°3 &lt;b&gt;mars&lt;/b&gt;'), 'notes are text, never markup');
      const rows = (await ctx.db
        .knex('acquisitions')
        .orderBy('id')
        .select('file_name', 'custodian', 'notes')) as Array<{
        file_name: string;
        custodian: string;
        notes: string;
      }>;
      assert.deepEqual(
        rows.map((r) => r.file_name),
        ['Réclamation mars.eml', 'copie.eml', rows[2]!.file_name, 'photo.eml'],
      );
      const long = [...rows[2]!.file_name];
      assert.equal(long.length, 255, 'a very long name is cut to 255 characters');
      assert.ok(rows[2]!.file_name.startsWith('facture\u202Elme.exe\u0007') && rows[2]!.file_name.endsWith('xx.eml'));
      assert.ok(rows[2]!.file_name.includes('…'));
      assert.deepEqual([...new Set(rows.map((r) => r.custodian))], ['Service abuse Laposte (J. Dupont)']);

      // The item's provenance names both uploaded files its bytes came in, not the server's copies.
      html = (await c.page('/cases/readable/items/LPN-0000001')).html;
      assert.match(html, /<span data-file-name><bdi class="msg">Réclamation mars\.eml<\/bdi><\/span>/);
      assert.match(html, /<span data-file-name><bdi class="msg">copie\.eml<\/bdi><\/span>/);
      assert.ok(!html.includes(ctx.dataRoot));

      // In the custody log: the name, custodian and notes; the facts never show the temporary path.
      const c0 = await getCase(ctx.db.knex, 'readable');
      const started = (await listCustodyEvents(ctx.db.knex, c0.id, 'readable')).filter(
        (e) => e.action === 'acquisition-started',
      );
      assert.equal(started.length, 4);
      assert.equal(started[0]!.details.fileName, 'Réclamation mars.eml');
      assert.equal(started[0]!.details.custodian, 'Service abuse Laposte (J. Dupont)');
      assert.equal(started[0]!.details.notes, 'Piège n°3 <b>mars</b>\u202E2005');
      html = (await c.page('/cases/readable/custody')).html;
      const facts = html.replace(/<details>[\s\S]*?<\/details>/g, '');
      assert.ok(facts.includes('file name: <bdi class="msg">Réclamation mars.eml</bdi>'));
      assert.ok(!facts.includes(ctx.dataRoot), 'the facts name the file, the hashed JSON keeps the path');

      // Dates: in the case's zone and the page's language, the UTC instant on hover.
      // (ICU puts a space or a narrow no-break space before PM, depending on its version.)
      html = (await c.page('/cases/readable/items')).html;
      assert.match(
        html,
        /<time datetime="2005-03-01T12:00:00\.000Z" title="2005-03-01 12:00:00 UTC">Mar 1, 2005, 1:00:00[ \u202f]PM GMT\+1<\/time>/,
        'the Date header in Paris time, UTC in the title',
      );
      assert.match((await c.page('/cases/readable')).html, /Dates shown in Europe\/Paris \(UTC on hover\)/);
      await c.post('/settings/language', { lang: 'fr', back: '/' });
      html = (await c.page('/cases/readable/items')).html;
      assert.ok(
        html.includes(
          '<time datetime="2005-03-01T12:00:00.000Z" title="2005-03-01 12:00:00 UTC">1 mars 2005, 13:00:00 UTC+1</time>',
        ),
      );
      html = (await c.page(jobUrl)).html;
      assert.match(row(html, 'new'), /<td class="num">50[\u00a0\u202f]%<\/td>/, 'a French percentage');
      assert.match(html, /Nouveaux éléments/);
      await c.post('/settings/language', { lang: 'en', back: '/' });

      // An editor changes the zone (a custody event); a viewer cannot; an unknown zone is refused.
      const viewer = new Client(server.url);
      await viewer.signIn('vic');
      await viewer.page('/cases/readable/settings');
      assert.equal((await viewer.post('/cases/readable/settings', { time_zone: 'UTC' })).status, 403);
      await c.page('/cases/readable/settings');
      const refused = await c.post('/cases/readable/settings', { time_zone: 'Nowhere/Land' });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /time_zone is not a time zone this server knows/);
      assert.equal((await c.post('/cases/readable/settings', { time_zone: 'America/New_York' })).status, 303);
      html = (await c.page('/cases/readable/items')).html;
      assert.match(
        html,
        /<time datetime="2005-03-01T12:00:00\.000Z" title="2005-03-01 12:00:00 UTC">Mar 1, 2005, 7:00:00[ \u202f]AM EST<\/time>/,
      );
      const set = (await listCustodyEvents(ctx.db.knex, c0.id, 'readable')).filter((e) => e.action === 'time-zone-set');
      assert.deepEqual(
        set.map((e) => e.details),
        [{ timeZone: 'America/New_York', previous: 'Europe/Paris' }],
      );

      // The CLI: --time-zone at creation and with case set, an unknown zone refused (exit 2 names the flag).
      const made = spamcase(
        env,
        'case',
        'create',
        'cli-tz',
        '--title',
        'T',
        '--party',
        'P:P',
        '--time-zone',
        'Asia/Tokyo',
      );
      assert.equal(made.code, 0, made.stderr);
      assert.equal((await getCase(ctx.db.knex, 'cli-tz')).timeZone, 'Asia/Tokyo');
      const wrong = spamcase(env, 'case', 'set', '--case', 'cli-tz', '--time-zone', 'Asia/Atlantis');
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /--time-zone is not a time zone this server knows: "Asia\/Atlantis"/);
      assert.equal(spamcase(env, 'case', 'set', '--case', 'cli-tz', '--time-zone', 'UTC').code, 0);
      assert.equal((await getCase(ctx.db.knex, 'cli-tz')).timeZone, 'UTC');
    });
  },
  { timeout: 300_000 },
);

storageTest(
  'damages are shown as money in the page language and the rule set currency; the CSV stays exact',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await createCase(ctx, { slug: 'money', title: 'Money', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    const dir = tempDir();
    for (let i = 1; i <= 12; i++)
      fs.writeFileSync(path.join(dir, `m${i}.eml`), eml(i, `Tue, 0${1 + (i % 9)} Mar 2005 10:00:00 +0000`));
    await ingest(ctx, { caseSlug: 'money', method: 'trap', paths: [dir], threaded: false });
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      await c.page('/cases/money/damages');
      assert.equal((await c.post('/cases/money/damages/rules', { rules: 'fr-cpce-r10-1' })).status, 303);
      const cell = (html: string, col: string) => {
        const m = new RegExp(`data-total="${col}" data-amount="(\\d+\\.\\d\\d)">([^<]*)<`).exec(html);
        assert.ok(m, `the ${col} total is on the page`);
        return { exact: m[1]!, shown: m[2]! };
      };
      let html = (await c.page('/cases/money/damages')).html;
      const en = cell(html, 'claimed');
      assert.match(en.shown, /^€\d{1,3}(,\d{3})*\.\d\d$/, 'en: €450,800.00');
      assert.equal(en.shown.replace(/[€,]/g, ''), en.exact);
      const csv = await (await c.get('/cases/money/damages.csv')).text();
      assert.ok(csv.includes(en.exact) && !csv.includes('€'), 'the CSV keeps the plain decimal');
      await c.post('/settings/language', { lang: 'fr', back: '/' });
      html = (await c.page('/cases/money/damages')).html;
      const fr = cell(html, 'claimed');
      assert.match(fr.shown, /^\d{1,3}(\u202f\d{3})*,\d\d\u00a0€$/, 'fr: 450 800,00 €');
      assert.equal(fr.shown.replace(/[\u202f\u00a0€]/g, '').replace(',', '.'), en.exact);
      assert.equal((await c.post('/cases/money/damages/rules', { rules: 'us-can-spam-isp' })).status, 303);
      html = (await c.page('/cases/money/damages')).html;
      assert.match(
        cell(html, 'claimed').shown,
        /^\d{1,3}(\u202f\d{3})*,\d\d\u00a0\$US$/,
        'fr, dollars: 450 800,00 $US',
      );
      await c.post('/settings/language', { lang: 'en', back: '/' });
      assert.match(cell((await c.page('/cases/money/damages')).html, 'claimed').shown, /^\$\d{1,3}(,\d{3})*\.\d\d$/);
    });
  },
);

test('the chart: a y-axis with round ticks, outlying days set apart, every delivery in a bar or in the list', () => {
  const days = [
    { day: '1970-01-01', deliveries: 2 },
    ...Array.from({ length: 24 }, (_, i) => ({
      day: `${2003 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-15`,
      deliveries: 10 + i,
    })),
    { day: '2005-06-01', deliveries: 40 },
    { day: '2099-12-31', deliveries: 1 },
  ];
  const chart = deliveriesChart(days);
  assert.equal(chart.first, '2003-01-15');
  assert.equal(chart.last, '2005-06-01');
  assert.deepEqual(
    chart.outliers.map((o) => o.day),
    ['1970-01-01', '2099-12-31'],
  );
  assert.equal(chart.outlierDeliveries, 3);
  const total = days.reduce((s, d) => s + d.deliveries, 0);
  assert.equal(chart.bars.reduce((s, b) => s + b.value, 0) + chart.outlierDeliveries, total);
  assert.deepEqual(
    chart.ticks.map((t) => t.value),
    [0, 10, 20, 30, 40],
  );
  assert.equal(chart.ticks[0]!.y, chart.height, 'zero on the baseline');
  assert.ok(
    chart.bars.every((b) => b.x >= chart.axisWidth),
    'the bars right of the axis',
  );
  const tallest = chart.bars.find((b) => b.value === chart.max)!;
  assert.equal(tallest.y, chart.ticks[chart.ticks.length - 1]!.y, 'the highest bar reaches its tick');
  // A wide but real spread is not cut: nothing is set apart.
  const spread = deliveriesChart(Array.from({ length: 10 }, (_, i) => ({ day: `${1996 + i}-06-01`, deliveries: 5 })));
  assert.deepEqual(spread.outliers, []);
  assert.equal(spread.first, '1996-06-01');
});

storageTest(
  'the dashboard sets a forged 1970 and 2099 apart from real 2004 mail, with a labelled y-axis',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await createCase(ctx, { slug: 'chart', title: 'Chart', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    const dir = tempDir();
    const dates = [
      ...Array.from(
        { length: 20 },
        (_, i) => `${String(1 + (i % 28)).padStart(2, '0')} ${['Jan', 'Apr', 'Jul', 'Oct'][i % 4]} 2004 10:00:00 +0000`,
      ),
      '01 Jan 1970 00:00:00 +0000',
      '31 Dec 2099 12:00:00 +0000',
    ];
    dates.forEach((d, i) => fs.writeFileSync(path.join(dir, `m${i}.eml`), eml(100 + i, d)));
    await ingest(ctx, { caseSlug: 'chart', method: 'trap', paths: [dir], threaded: false });
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      const html = (await c.page('/cases/chart')).html;
      assert.match(html, /<g class="y-axis" data-axis="y">/);
      assert.match(html, /data-tick="0">0</);
      const outliers = /<div class="chart-outliers" id="chart-outliers">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
      assert.match(outliers, /Set apart from the chart, far outside the main span \(deliveries: 2; days: 2\)/);
      assert.match(outliers, /data-outlier-day="1970-01-01"/);
      assert.match(outliers, /data-outlier-day="2099-12-31"/);
      const period = /<p class="asof" id="dashboard-period">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
      assert.match(period, /Most are dated from 2004-\d\d-\d\d to 2004-\d\d-\d\d: 2 deliveries on 2 days far outside/);
      assert.match(
        html,
        /<text x="56" y="175" font-size="11" fill="#444">2004-01-01<\/text>/,
        'the x-axis starts in 2004',
      );
    });
  },
);
