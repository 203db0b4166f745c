/**
 * In a real browser (Debian chromium, playwright-core), on a case of hostile messages
 * (test/fixtures/hostile): (a) a subject with U+202E reads as the marker, not as "...exe.png", is
 * flagged, and its value as written is one click away; a From display name in RFC 2047 encoded
 * words is decoded; markup in subjects, names and HTML bodies stays text and no script runs;
 * (b) switched to French from the page's own language menu, the main pages of the case show no
 * English string of the catalogue (the check of test/web/catalogue-check.ts), and switching
 * language keeps the page. Screenshots go to test-artifacts/e2e-hostile/ (gitignored).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createTestEnv } from '../helpers/databases.ts';
import { launchChromium, noChromium, signInPage } from '../helpers/browser.ts';
import { makeUser, TEST_PASSWORD } from '../web/client.ts';
import { englishPhrases, englishShown, pageText } from '../web/catalogue-check.ts';
import { startServer, type RunningServer } from '../../server/web/server.ts';
import { addMember } from '../../server/cases/members.ts';
import { getCase } from '../../server/cases/cases.ts';
import { hostileCase } from '../fixtures/hostile/case.ts';
import { HIDDEN_PROBE, HOSTILE_ADDRESS } from '../fixtures/hostile/messages.ts';

const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e-hostile');

async function withHostileServer(fn: (origin: string, page: Page, dialogs: string[]) => Promise<void>): Promise<void> {
  const { env, cleanup } = await createTestEnv('sqlite');
  const ctx = env.ctx;
  await makeUser(ctx, 'paralegal', 'editor');
  await hostileCase(ctx, 'h');
  await addMember(ctx, await getCase(ctx.db.knex, 'h'), 'paralegal');
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer(ctx, { host: '127.0.0.1', port: 0, log: () => undefined });
    browser = await launchChromium();
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const origin = server.url.replace(/\/$/, '');
    await signInPage(page, origin, 'paralegal', TEST_PASSWORD);
    await fn(origin, page, dialogs);
  } finally {
    await browser?.close();
    await server?.close();
    await cleanup();
  }
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

fs.rmSync(ARTIFACTS, { recursive: true, force: true });
fs.mkdirSync(ARTIFACTS, { recursive: true });

test(
  'in a browser: hostile text is neutralized and flagged, the raw value one click away, and no script runs',
  { timeout: 180_000, skip: noChromium },
  async () => {
    await withHostileServer(async (origin, page, dialogs) => {
      await page.goto(`${origin}/cases/h/items/LPN-0000001`);
      const subject = page.locator('#subject');
      // What the reader sees: the marker where the override was, in reading order, flagged.
      assert.equal(await subject.locator('bdi.msg').innerText(), '⚠ Invoice U+202Egnp.exe');
      assert.ok(!((await subject.textContent()) ?? '').includes('\u202E'), 'the override is nowhere in the page text');
      assert.match(
        (await subject.locator('.hidden-flag').getAttribute('title')) ?? '',
        /U\+202E RIGHT-TO-LEFT OVERRIDE/,
      );
      assert.ok(await subject.locator('.hidden-flag').isVisible());
      // Laid out left to right: "gnp.exe" is to the right of "Invoice" (an override would put it first).
      const box = await subject.locator('.hidden-char').boundingBox();
      const start = await subject.locator('bdi.msg').boundingBox();
      assert.ok(box && start && box.x > start.x + 20, 'the marker sits after "Invoice"');
      // The value as written, one click away.
      const raw = subject.locator('details.raw code');
      assert.equal(await raw.isVisible(), false);
      await shot(page, 'item-subject');
      await subject.locator('details.raw summary').click();
      assert.equal(await raw.isVisible(), true);
      assert.equal(await raw.innerText(), 'Invoice \\u{202E}gnp.exe');
      await shot(page, 'item-subject-as-written');

      // The From display name, encoded words decoded, its override marked; the header as written is the encoded word.
      assert.equal(await page.locator('#from bdi.msg').innerText(), '⚠ Zoë U+202EVendeuse <zoe@example.org>');
      const fromRow = page.locator('table.headers tr', { has: page.locator('th', { hasText: /^From$/ }) });
      await fromRow.locator('details.raw summary').click();
      assert.match(
        await fromRow.locator('details.raw code').innerText(),
        /^=\?utf-8\?B\?[A-Za-z0-9+/=]+\?= <zoe@example\.org>$/,
      );

      // The second item: the address and the harvested file name flagged.
      await page.goto(`${origin}/cases/h/items/LPN-0000002`);
      assert.match(
        await page.locator('#attribution dd a bdi.msg').first().innerText(),
        /^⚠ U\+202Etxt\.exe@spam\.example$/,
      );
      await shot(page, 'item-received');

      // Markup and scripts: shown as text, never run, in the list, the item and the HTML view.
      await page.goto(`${origin}/cases/h/items`);
      const row = page.locator('#items tr', { hasText: 'LPN-0000003' });
      assert.match(await row.innerText(), /<img src=x onerror=alert\(1\)> Bill U\+2067cod\.exeU\+2069/);
      await shot(page, 'items');
      await page.goto(`${origin}/cases/h/items/LPN-0000003?html=1`);
      assert.match(await page.locator('#from').innerText(), /<script>alert\('from'\)<\/script>/);
      await page.locator('iframe.mailframe').waitFor();
      await page.waitForTimeout(500);
      await shot(page, 'item-html');

      await page.goto(`${origin}/cases/h/accounts`);
      assert.ok((await page.locator('main').innerText()).includes('U+202Etxt.exe@spam.example'));
      assert.ok(
        !(await page.content()).replace(/ data-[a-z-]+="[^"]*"|<input type="hidden"[^>]*>/g, '').match(HIDDEN_PROBE),
      );
      await page.goto(`${origin}/cases/h/accounts/${encodeURIComponent(HOSTILE_ADDRESS)}`);
      assert.equal(await page.title(), '⟦U+202E⟧txt.exe@spam.example · Hostile v. Doe · spamcase');
      await shot(page, 'account');
      assert.deepEqual(dialogs, [], 'no script ran');
    });
  },
);

test(
  'in a browser: switched to French, the main pages of a case show no English catalogue string, and switching keeps the page',
  { timeout: 240_000, skip: noChromium },
  async () => {
    await withHostileServer(async (origin, page, dialogs) => {
      const switchTo = async (lang: 'en' | 'fr') => {
        const here = page.url();
        await page.locator('#lang-select').selectOption(lang);
        await page.locator('form[action="/settings/language"] button[type="submit"]').click();
        await page.waitForLoadState('load');
        assert.equal(page.url(), here, `switching to ${lang} stays on ${here}`);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
      };
      await page.goto(`${origin}/cases/h/items?q=invoice`);
      await switchTo('fr');
      const base = '/cases/h';
      const pages = [
        '/',
        base,
        `${base}/items`,
        `${base}/items?q=invoice`,
        `${base}/items/LPN-0000001`,
        `${base}/items/LPN-0000002`,
        `${base}/accounts`,
        `${base}/accounts/${encodeURIComponent(HOSTILE_ADDRESS)}`,
        `${base}/ips`,
        `${base}/campaigns`,
        `${base}/campaigns/1`,
        `${base}/defendants`,
        `${base}/subpoena`,
        `${base}/damages`,
        `${base}/exports`,
        `${base}/custody`,
        `${base}/acquisitions`,
        `${base}/rejections`,
        `${base}/parties`,
        `${base}/tags`,
        `${base}/upload`,
      ];
      const phrases = englishPhrases();
      const failures: string[] = [];
      for (const [i, p] of pages.entries()) {
        const res = await page.goto(`${origin}${p}`);
        assert.equal(res?.status(), 200, p);
        assert.equal(await page.getAttribute('html', 'lang'), 'fr', p);
        const html = await page.content();
        const shown = englishShown(pageText(html), phrases);
        for (const m of html.matchAll(/<span lang="en" data-untranslated="1">([^<]*)</g))
          shown.push(`untranslated reason: "${m[1]}"`);
        if (shown.length > 0) failures.push(`${p}\n    ${shown.join('\n    ')}`);
        await shot(
          page,
          `fr-${String(i).padStart(2, '0')}-${p.replace(/^\/cases\/h\/?/, '').replace(/[^a-z0-9]+/gi, '-') || 'dashboard'}`,
        );
      }
      // The flag speaks French too.
      await page.goto(`${origin}${base}/items/LPN-0000001`);
      assert.doesNotMatch(
        (await page.locator('#subject .hidden-flag').getAttribute('aria-label')) ?? '',
        /Hidden or direction/,
      );
      // And back to English from a page with a search in its address: the same page, in English.
      await page.goto(`${origin}${base}/items?q=${encodeURIComponent('invoice OR "bell, &"')}&limit=25`);
      await switchTo('en');
      assert.ok((await page.locator('main').innerText()).length > 0);
      assert.deepEqual(failures, [], `English on French pages:\n${failures.join('\n')}`);
      assert.deepEqual(dialogs, [], 'no script ran');
    });
  },
);
