/**
 * In a real browser (issue 22, item 4): an editor uploads real .eml files through the form with a
 * custodian and notes, the job page comes back by itself with the breakdown (new items, exact
 * duplicates, rejected, each with its share), the acquisitions page names the files as the browser
 * sent them with the custodian and notes, and a date there carries its UTC instant as its title.
 * Screenshots go to test-artifacts/e2e-readable/ (gitignored).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { noChromium, withSignedInPage } from '../helpers/browser.ts';
import { makeUser, TEST_PASSWORD } from '../web/client.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';

const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e-readable');
const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'web', 'hostile-html.eml');

test(
  'in a browser: upload .eml files with custodian and notes, read the breakdown, find the file names and UTC titles',
  { timeout: 180_000, skip: noChromium },
  async () => {
    const { env, cleanup } = await createTestEnv('sqlite');
    const ctx = env.ctx;
    await createCase(ctx, {
      slug: 'readable',
      title: 'Laposte.net v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
      timeZone: 'Europe/Paris',
    });
    await makeUser(ctx, 'paralegal', 'editor');
    await addMember(ctx, await getCase(ctx.db.knex, 'readable'), 'paralegal');
    // Real files as a user has them: a message, the same message under another name, a photo misnamed .eml.
    const dir = tempDir('spamcase-e2e-readable-');
    const files = ['Réclamation mars 2005.eml', 'copie du signalement.eml', 'photo.eml'].map((n) => path.join(dir, n));
    fs.copyFileSync(FIXTURE, files[0]!);
    fs.copyFileSync(FIXTURE, files[1]!);
    fs.writeFileSync(files[2]!, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]));
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    try {
      await withSignedInPage(ctx, 'paralegal', TEST_PASSWORD, async (page, origin) => {
        await page.goto(`${origin}/cases/readable`);
        await page.getByRole('link', { name: 'Upload', exact: true }).click();
        await page.getByLabel('How it was harvested').selectOption('trap');
        await page.getByLabel('Custodian (optional)').fill('Service abuse Laposte.net');
        await page.getByLabel('Notes (optional)').fill('Signalements du 1er au 3 mars, boîte jean.dupont');
        await page.getByLabel('Files').setInputFiles(files);
        await page.getByRole('button', { name: 'Upload and ingest' }).click();
        await page.waitForURL(/\/cases\/readable\/uploads\/\d+$/);
        // The page polls the job and loads itself again with the breakdown once it is done.
        const breakdown = page.locator('#job-breakdown');
        await breakdown.waitFor({ timeout: 120_000 });
        await page.screenshot({ path: path.join(ARTIFACTS, 'upload-result.png'), fullPage: true });
        const cells = async (kind: string) =>
          (await breakdown.locator(`tr[data-kind="${kind}"] td`).allTextContents()).map((s) => s.trim());
        assert.deepEqual(await cells('new'), ['1', '33.3%']);
        assert.deepEqual(await cells('duplicates'), ['1', '33.3%']);
        assert.deepEqual(await cells('rejected'), ['1', '33.3%']);
        assert.deepEqual(await cells('total'), ['3', '100%']);

        await page.getByRole('link', { name: 'Acquisitions', exact: true }).click();
        await page.waitForURL(/\/cases\/readable\/acquisitions$/);
        await page.screenshot({ path: path.join(ARTIFACTS, 'acquisitions.png'), fullPage: true });
        const names = await page.locator('[data-file-name]').allTextContents();
        assert.deepEqual(names.sort(), ['Réclamation mars 2005.eml', 'copie du signalement.eml', 'photo.eml'].sort());
        const body = (await page.locator('main').textContent()) ?? '';
        assert.ok(body.includes('Service abuse Laposte.net'));
        assert.ok(body.includes('Signalements du 1er au 3 mars, boîte jean.dupont'));
        assert.ok(!body.includes(ctx.dataRoot) && !body.includes('uploads/'), "never the server's temporary path");
        const time = page.locator('main table time').first();
        const datetime = (await time.getAttribute('datetime'))!;
        assert.match(datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        const iso = new Date(datetime).toISOString();
        assert.equal(await time.getAttribute('title'), `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`);
        assert.match((await time.textContent()) ?? '', /GMT\+1|GMT\+2/, 'shown in Paris time');
      });
    } finally {
      await cleanup();
    }
  },
);
