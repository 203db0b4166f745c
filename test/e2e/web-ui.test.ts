/**
 * End to end in a real browser: Debian's chromium driven by playwright-core. Signs in, creates a
 * case, uploads a ZIP of real spam (SpamAssassin corpus) with a hostile HTML message in it, watches
 * the counts arrive, opens the hostile message (scripts, handlers, meta refresh, remote images, a
 * form: none may run, no request may leave the page), downloads the raw .eml. Screenshots of each
 * step go to test-artifacts/e2e/ (gitignored). Then opens the top account, builds a signed bundle,
 * downloads it and verifies it by uploading it back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { corpusFiles, stripMboxFromLine } from '../mail/headers/load-samples.ts';
import { makeUser, TEST_PASSWORD } from '../web/client.ts';
import { startServer } from '../../server/web/server.ts';
import { caseReport } from '../../server/report/counts.ts';
import { listAccounts } from '../../server/attribution/queries.ts';
import { listExports } from '../../server/export/bundle.ts';
import { getCase } from '../../server/cases/cases.ts';
import { trialKeys } from '../export/helpers.ts';
import crypto from 'node:crypto';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e');
const HOSTILE = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'web', 'hostile-html.eml'));

test(
  'in a browser: sign in, create a case, upload real spam, watch counts, open hostile HTML safely, download the raw .eml, open an account, build, download and verify a bundle',
  { timeout: 300_000, skip: !fs.existsSync(CHROMIUM) && !process.env.CI ? 'no chromium at /usr/bin/chromium' : false },
  async () => {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const { env, cleanup } = await createTestEnv('sqlite');
    const ctx = env.ctx;
    await makeUser(ctx, 'paralegal', 'editor');
    const server = await startServer(ctx, {
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
      exportConfig: { signing: trialKeys(), organization: 'E2E Org', tsaUrl: null },
    });
    const origin = server.url.replace(/\/$/, '');
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const context = await browser.newContext({ acceptDownloads: true, locale: 'en-US' });
      const leftThePage: string[] = [];
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`)) await route.continue();
        else {
          leftThePage.push(url);
          await route.abort();
        }
      });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const shot = async (name: string) =>
        page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

      // 1. Sign in.
      await page.goto(`${origin}/`);
      assert.match(page.url(), /\/login\?next=/);
      await page.getByLabel('User name').fill('paralegal');
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await shot('01-sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${origin}/`);
      await shot('02-cases');

      // 2. Create a case.
      await page.getByRole('link', { name: 'New case' }).click();
      await page.getByLabel('Title (e.g. Laposte.net and MSN v. Doe)').fill('Laposte.net and MSN v. Doe');
      await page.getByLabel('Short name').fill('laposte-msn');
      await page.getByLabel('Parties (plaintiffs), one per line').fill('Laposte.net:LPN\nMSN:MSN');
      await page.getByLabel('Jurisdiction (optional)').fill('Tribunal de grande instance de Paris');
      await shot('03-new-case');
      await page.getByRole('button', { name: 'Create the case' }).click();
      await page.waitForURL(`${origin}/cases/laposte-msn`);
      await shot('04-empty-dashboard');

      // 3. Upload a ZIP of real spam with the hostile message in it.
      const files = corpusFiles('spam-2').slice(0, 400);
      const zipPath = path.join(tempDir(), 'harvest.zip');
      fs.writeFileSync(
        zipPath,
        buildZip([
          ...files.map((f) => ({ name: `trap/${path.basename(f)}.eml`, data: stripMboxFromLine(fs.readFileSync(f)) })),
          { name: 'trap/hostile.eml', data: HOSTILE },
          { name: 'trap/readme.pdf', data: Buffer.from('%PDF-1.4 not mail') },
        ]),
      );
      await page.getByRole('link', { name: 'Upload' }).click();
      await page.getByLabel('Party harvesting this evidence').selectOption('Laposte.net');
      await page.getByLabel('Files').setInputFiles(zipPath);
      await shot('05-upload-form');
      await page.getByRole('button', { name: 'Upload and ingest' }).click();
      await page.waitForURL(/\/cases\/laposte-msn\/uploads\/\d+$/);

      // 4. Watch the counts arrive (updated by progress.js from the job's JSON).
      const seen: number[] = [];
      const deadline = Date.now() + 120_000;
      for (;;) {
        const done = (await page.locator('#job').getAttribute('data-status')) === 'done';
        const n = Number((await page.locator('#job-samples').textContent())!.replace(/\D/g, ''));
        if (seen[seen.length - 1] !== n) seen.push(n);
        if (done) break;
        assert.ok(Date.now() < deadline, 'the upload finished in time');
        await page.waitForTimeout(100);
      }
      await shot('06-upload-done');
      const report = await caseReport(ctx.db.knex, 'laposte-msn');
      assert.equal(report.samples, 401);
      assert.equal(seen[seen.length - 1], 401, `the page shows the final count (seen: ${seen.join(' → ')})`);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, 'counts only grow');
      assert.match((await page.locator('#job-rejections').textContent()) ?? '', /readme\.pdf/);
      await page.getByRole('link', { name: "See the case's counts" }).click();
      await page.waitForURL(`${origin}/cases/laposte-msn`);
      const samplesCell = (await page.locator('[data-count="samples"]').textContent())!.replace(/\D/g, '');
      assert.equal(Number(samplesCell), report.samples);
      assert.equal(
        Number((await page.locator('[data-count="deliveries"]').textContent())!.replace(/\D/g, '')),
        report.deliveries,
      );
      assert.equal((await page.locator('figure.chart svg rect').count()) > 0, true, 'deliveries-per-day chart drawn');
      await shot('07-dashboard');

      // 5. Find and open the hostile message; show its HTML.
      await page.getByRole('link', { name: 'Items', exact: true }).click();
      // The items page has several Apply buttons now (filters, columns, tagging a result): submit the search itself.
      await page.getByLabel('Search').fill('subject:"claim now"');
      await page.getByLabel('Search').press('Enter');
      await page.waitForURL(/[?&]q=/);
      await shot('08-items-search');
      const link = page.locator('table.list tbody tr td a').first();
      const bates = (await link.textContent())!.trim();
      await link.click();
      await page.waitForURL(new RegExp(`/items/${bates}$`));
      await shot('09-message');
      const titleBefore = await page.title();
      await page.getByRole('link', { name: 'Show the HTML body' }).click();
      const frameEl = page.locator('iframe.mailframe');
      await frameEl.waitFor();
      assert.equal(await frameEl.getAttribute('sandbox'), '');
      await page.frameLocator('iframe.mailframe').getByText('Congratulations!').waitFor();
      await page.waitForTimeout(1500); // give a meta refresh, onload or onerror every chance to fire
      await shot('10-html-body');
      await frameEl.screenshot({ path: path.join(ARTIFACTS, '10b-html-frame.png') });
      assert.equal(await page.title(), titleBefore, 'no script changed the page');
      assert.doesNotMatch(await page.title(), /PWNED/);
      assert.match(page.url(), new RegExp(`/items/${bates}\\?html=1$`), 'no refresh or navigation happened');
      const frame = page.frames().find((f) => f.url().includes('/body.html'));
      assert.ok(frame, 'the body frame is still our sanitized document');
      assert.equal(
        await page
          .frameLocator('iframe.mailframe')
          .locator('form, input, script, meta[http-equiv], base, iframe, svg')
          .count(),
        0,
      );
      assert.deepEqual(leftThePage, [], 'no request left the page');
      assert.deepEqual(dialogs, []);

      // Remote images only when asked, and then only images.
      await page.getByRole('link', { name: 'Load remote images' }).click();
      await page.frameLocator('iframe.mailframe').getByText('Congratulations!').waitFor();
      await page.waitForTimeout(1000);
      await shot('11-html-with-images');
      const requested: string[] = leftThePage.slice();
      assert.ok(
        requested.length > 0 && requested.every((u) => u.startsWith('http://images.spam.example/')),
        `only the image was requested: ${requested.join(', ')}`,
      );
      assert.doesNotMatch(await page.title(), /PWNED/);

      // 6. Download the raw .eml: byte for byte the evidence.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download the original (.eml)' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), `${bates}.eml`);
      const saved = path.join(ARTIFACTS, `${bates}.eml`);
      await download.saveAs(saved);
      assert.ok(fs.readFileSync(saved).equals(HOSTILE));

      // 7. Custody log shows the chain verified.
      await page.getByRole('link', { name: 'Custody log' }).click();
      assert.match((await page.locator('p.ok').textContent()) ?? '', /Chain verified/);
      await shot('12-custody');

      // 8. Open the top account from the accounts list.
      const kase = await getCase(ctx.db.knex, 'laposte-msn');
      const topAccount = (await listAccounts(ctx.db.knex, kase.id, { limit: 1 })).rows[0]!;
      await page.getByRole('link', { name: 'Accounts', exact: true }).click();
      await shot('13-accounts');
      await page.locator('#accounts tbody tr td a').first().click();
      await page.locator('#account-title').waitFor();
      assert.equal((await page.locator('#account-title').textContent())!.trim(), topAccount.address);
      assert.equal(
        Number((await page.locator('[data-count="deliveries"]').textContent())!.replace(/\D/g, '')),
        topAccount.deliveries,
      );
      await shot('14-account');

      // 9. Build a signed bundle; the job page refreshes itself until it is done; download it.
      await page.getByRole('link', { name: 'Exports', exact: true }).click();
      await page.getByRole('button', { name: 'Build an evidence bundle' }).click();
      await page.waitForURL(/\/exports\/jobs\/\d+$/);
      await page.locator('#export-status[data-status="done"]').waitFor({ timeout: 120_000 });
      await shot('15-bundle-built');
      const [recorded] = await listExports(ctx.db.knex, kase.id);
      assert.equal((await page.locator('#export-sha256').textContent())!.trim(), recorded!.sha256);
      const [bundleDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('#export-download').click(),
      ]);
      const bundlePath = path.join(ARTIFACTS, bundleDownload.suggestedFilename());
      await bundleDownload.saveAs(bundlePath);
      assert.equal(crypto.createHash('sha256').update(fs.readFileSync(bundlePath)).digest('hex'), recorded!.sha256);

      // 10. Verify it by uploading it back.
      await page.getByRole('link', { name: 'Back to the exports' }).click();
      await page.getByLabel('Bundle (.zip)').setInputFiles(bundlePath);
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('#verification').waitFor();
      assert.match((await page.locator('#ver-title').textContent()) ?? '', /: verified$/);
      assert.match((await page.locator('#verification').textContent()) ?? '', /recorded in case laposte-msn/);
      await shot('16-bundle-verified');
      assert.deepEqual(
        (leftThePage as string[]).filter((u) => !u.startsWith('http://images.spam.example/')),
        [],
        'no request left the page',
      );
      await context.close();
    } finally {
      await browser?.close();
      await server.close();
      await cleanup();
    }
  },
);
