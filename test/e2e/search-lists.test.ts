/**
 * In a real browser (Debian chromium, playwright-core): full-text search over items ingested before
 * the web server started (it indexes them in the background at start-up), the result count,
 * highlighted snippets of a hostile subject that must stay text, the search kept whole and URL-encoded
 * across next and previous pages ("Choosers, &"), the page size, the column chooser, and a search
 * that cannot be read shown on the page, and a subject with U+202E shown as written (not reordered).
 * Then tags the whole result of a search, saves the search, and adds a note to an item. Screenshots go
 * to test-artifacts/e2e-search/ (gitignored).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { makeUser, TEST_PASSWORD } from '../web/client.ts';
import { startServer } from '../../server/web/server.ts';
import { createCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { getCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { MESSAGES, RLO_MESSAGE } from '../search/messages.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e-search');
const CHOOSERS = 60;

test(
  'in a browser: search items, see counts and snippets, page with the search kept, choose columns and page size, tag a search result',
  { timeout: 300_000, skip: !fs.existsSync(CHROMIUM) && !process.env.CI ? 'no chromium at /usr/bin/chromium' : false },
  async () => {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const { env, cleanup } = await createTestEnv('sqlite');
    const ctx = env.ctx;
    await makeUser(ctx, 'paralegal', 'editor');
    const dir = tempDir();
    for (const [name, text] of Object.entries(MESSAGES)) fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(path.join(dir, 'z-rlo.eml'), RLO_MESSAGE);
    for (let i = 0; i < CHOOSERS; i++)
      fs.writeFileSync(
        path.join(dir, `c${String(i).padStart(3, '0')}.eml`),
        `From: Spammer <s${i}@example.net>\r\nTo: alice@laposte.net\r\nSubject: <img src=x onerror=alert(1)> Choosers, & deal ${i}\r\n` +
          `Message-ID: <c${i}@t>\r\nDate: Tue, 3 Jan 2006 10:00:00 +0000\r\n\r\nBeggars <b>choosers</b> body ${i}\r\n`,
      );
    await createCase(ctx, { slug: 'search', title: 'Search case', parties: [{ name: 'MSN', batesPrefix: 'MSN' }] });
    await addMember(ctx, await getCase(ctx.db.knex, 'search'), 'paralegal');
    await ingest(ctx, { caseSlug: 'search', party: 'MSN', method: 'trap', paths: [dir], threaded: false });
    const server = await startServer(ctx, { host: '127.0.0.1', port: 0, log: () => undefined });
    const origin = server.url.replace(/\/$/, '');
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync'],
      });
      const context = await browser.newContext({ locale: 'en-US' });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

      await page.goto(`${origin}/login`);
      await page.getByLabel('User name').fill('paralegal');
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${origin}/`);

      // The server indexes the items ingested before it started; the page says how far it is.
      await page.goto(`${origin}/cases/search/items?q=choosers`);
      for (let i = 0; i < 100 && (await page.locator('#index-progress').count()) > 0; i++) {
        await page.waitForTimeout(200);
        await page.reload();
      }
      assert.equal(await page.locator('#index-progress').count(), 0, 'the index was built at start-up');

      await page.goto(`${origin}/cases/search/items`);
      assert.match(await page.locator('#result-count').innerText(), /^66 items\./);
      await page.getByLabel('Search', { exact: true }).fill('Choosers, &');
      await page.getByLabel('Per page').selectOption('25');
      await page.getByRole('search').getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/items\?/);
      await shot('01-search-first-page');
      assert.match(await page.locator('#result-count').innerText(), /^61 items found\./);
      const rows = page.locator('#items tbody tr:not(.snippet)');
      assert.equal(await rows.count(), 25);
      const firstPage = await rows.locator('td:first-child').allInnerTexts();
      // The hostile subject is text: its tag shows as typed, the matched word is marked, nothing ran.
      const subject = rows.nth(1).locator('td').nth(3);
      assert.match(await subject.innerText(), /^<img src=x onerror=alert\(1\)> Choosers, & deal/);
      assert.equal(await subject.locator('mark').innerText(), 'Choosers');
      assert.equal(await page.locator('#items img').count(), 0);
      assert.equal(await page.locator('tr.snippet mark').first().innerText(), 'choosers');

      // Next keeps the whole search, URL-encoded (it used to run "Choosers, ").
      await page.getByRole('link', { name: 'Next page' }).click();
      await page.waitForURL(/after=/);
      assert.equal(new URL(page.url()).searchParams.get('q'), 'Choosers, &');
      assert.equal(await page.getByLabel('Search', { exact: true }).inputValue(), 'Choosers, &');
      assert.match(await page.locator('#result-count').innerText(), /^61 items found\./);
      assert.equal(await rows.count(), 25);
      const second = await rows.locator('td:first-child').allInnerTexts();
      assert.equal(new Set([...firstPage, ...second]).size, 50, 'the second page shows other items');
      await shot('02-search-second-page');
      await page.getByRole('link', { name: 'Next page' }).click();
      await page.waitForURL(/after=/);
      assert.equal(await rows.count(), 11);
      assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);
      await page.getByRole('link', { name: 'Previous page' }).click();
      await page.getByRole('link', { name: 'Previous page' }).click();
      await page.waitForURL(/before=/);
      assert.deepEqual(await rows.locator('td:first-child').allInnerTexts(), firstPage, 'back on the first page');
      assert.equal(await page.getByRole('link', { name: 'Previous page' }).count(), 0);

      // Column chooser: without size and SHA-256, kept on the next page.
      await page.getByLabel('Size', { exact: true }).uncheck();
      await page.getByLabel('SHA-256', { exact: true }).uncheck();
      await page.getByRole('search').getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/cols=/);
      const heads = () => page.locator('#items thead th').allInnerTexts();
      assert.deepEqual(await heads(), ['Bates number', 'Date', 'From', 'Subject']);
      await page.getByRole('link', { name: 'Next page' }).click();
      await page.waitForURL(/after=/);
      assert.deepEqual(await heads(), ['Bates number', 'Date', 'From', 'Subject']);
      await shot('03-columns');

      // Operators, fields, and a search that cannot be read.
      await page.getByLabel('Search', { exact: true }).fill('from:hotmail.com OR subject:resume');
      await page.getByRole('search').getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/hotmail/);
      assert.match(await page.locator('#result-count').innerText(), /^2 items found\./);
      await page.getByLabel('Search', { exact: true }).fill('NOT viagra');
      await page.getByRole('search').getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/NOT/);
      assert.match(await page.locator('#search-error').innerText(), /needs a word to look for/);
      assert.equal(await page.getByLabel('Search', { exact: true }).inputValue(), 'NOT viagra');
      await shot('04-unreadable-search');

      // A subject with U+202E reads as written, not reordered: the override shown and flagged, as written on request.
      await page.getByLabel('Search', { exact: true }).fill('subject:invoice');
      await page.getByRole('search').getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/invoice/);
      assert.match(await page.locator('#result-count').innerText(), /^1 items found\./);
      await page.locator('#items tbody a').first().click();
      await page.waitForURL(/\/items\/MSN-/);
      const subjectCell = page.locator('#subject');
      assert.equal(await subjectCell.locator('bdi.msg').first().innerText(), '⚠ Invoice U+202Egnp.exe');
      assert.ok(!(await subjectCell.evaluate((el) => el.textContent ?? '')).includes('\u202E'));
      assert.equal(await subjectCell.locator('.hidden-char').getAttribute('title'), 'U+202E RIGHT-TO-LEFT OVERRIDE');
      assert.match(await page.locator('#from').innerText(), /^⚠ Zoë U\+202EVendeuse <zoe@example.org>/);
      await subjectCell.getByText('As written').click();
      assert.equal(await subjectCell.locator('details code').innerText(), 'Invoice \\u{202E}gnp.exe');
      await shot('05-hostile-subject');

      // Tag a whole search result, save the search, find both on the tags page and in the custody log.
      await page.goto(`${origin}/cases/search/items?q=choosers&limit=25`);
      assert.match(await page.getByText('Tag all 61 results').innerText(), /61/);
      await page.getByLabel('Tag all 61 results').fill('Exhibit A');
      await page.locator('#tag-results').getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/tagged=61/);
      assert.match(await page.locator('#tagged').innerText(), /^61 items tagged \(61 found/);
      assert.equal(
        await page.getByLabel('Search', { exact: true }).inputValue(),
        'choosers',
        'back on the same search',
      );
      assert.equal(await page.locator('#items tbody .tag', { hasText: 'Exhibit A' }).count(), 25);
      await page.getByLabel('Save this search as').fill('Choosers');
      await page.locator('#save-search').getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/items\?/);
      await shot('06-tagged-search-result');
      await page.goto(`${origin}/cases/search/items`);
      await page.locator('#saved-searches').getByRole('link', { name: 'Choosers' }).click();
      await page.waitForURL(/q=choosers/);
      assert.match(await page.locator('#result-count').innerText(), /^61 items found\./);
      await page.getByRole('link', { name: 'Tags', exact: true }).click();
      await page.waitForURL(/\/tags$/);
      assert.deepEqual(await page.locator('#tags tr[data-tag="Exhibit A"] td.num').allInnerTexts(), [
        '61',
        '0',
        '0',
        '0',
      ]);
      await shot('07-tags-page');
      // A note on one item, from its page.
      await page.goto(`${origin}/cases/search/items/MSN-0000001`);
      await page.getByLabel('Add a note').fill('Ask Hotmail for the sign-up IP.');
      await page.getByRole('button', { name: 'Save the note' }).click();
      await page.waitForURL(/items\/MSN-0000001$/);
      assert.equal(await page.locator('li.note p').innerText(), 'Ask Hotmail for the sign-up IP.');
      await page.goto(`${origin}/cases/search/custody`);
      const log = await page.locator('#main').innerText();
      assert.match(log, /tagged/);
      assert.match(log, /note added/);
      await shot('08-custody-log');
      assert.deepEqual(dialogs, [], 'no script ran');
    } finally {
      await browser?.close();
      await server.close();
      await cleanup();
    }
  },
);
