/**
 * In a real browser: an editor changes a party's trusted relays on the Parties page, follows the
 * re-attribution to its end on the job page (it refreshes itself, no script), and finds the new
 * trust on the page and the `attributed` event in the custody log.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { noChromium, withSignedInPage } from '../helpers/browser.ts';
import { makeUser, TEST_PASSWORD } from '../web/client.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { setPartyTrust } from '../../server/attribution/party-trust.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { generateCorpus } from '../corpus/generate.ts';

test(
  'in a browser: change a party trust and see the re-attribution finish',
  { timeout: 180_000, skip: noChromium },
  async () => {
    const { env, cleanup } = await createTestEnv('sqlite');
    const ctx = env.ctx;
    const out = path.join(tempDir('spamcase-e2e-trust-'), 'corpus');
    const truth = await generateCorpus({ out, messages: 40, seed: 3, layout: 'eml' });
    await createCase(ctx, {
      slug: 'trust',
      title: 'Laposte.net v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await setPartyTrust(ctx, 'trust', 'LPN', { relays: ['laposte.net'] });
    await ingest(ctx, { caseSlug: 'trust', method: 'trap', paths: [path.join(out, 'trap')], threaded: false });
    await makeUser(ctx, 'paralegal', 'editor');
    const c = await getCase(ctx.db.knex, 'trust');
    await addMember(ctx, c, 'paralegal');
    try {
      await withSignedInPage(ctx, 'paralegal', TEST_PASSWORD, async (page, origin) => {
        await page.goto(`${origin}/cases/trust`);
        await page.getByRole('link', { name: 'Parties' }).click();
        const relays = page.getByLabel('Trusted relays');
        assert.equal(await relays.inputValue(), 'laposte.net');

        // Hostile input first: refused with its reason, the form keeps what was typed.
        await relays.fill('laposte.net\n0.0.0.0/0');
        await page.getByRole('button', { name: 'Save and re-attribute' }).click();
        assert.match((await page.locator('#trust-error').textContent()) ?? '', /too wide/);
        assert.equal(await page.getByLabel('Trusted relays').inputValue(), 'laposte.net\n0.0.0.0/0');

        await page.getByLabel('Trusted relays').fill('laposte.net\n65.54.0.0/16');
        await page.getByLabel('Trusted authserv-ids').fill('mx.laposte.net');
        await page.getByRole('button', { name: 'Save and re-attribute' }).click();
        await page.waitForURL(/\/cases\/trust\/parties\/jobs\/\d+$/);
        // The job page refreshes itself until the job is done.
        await page.locator('#attribution-status[data-status="done"]').waitFor({ timeout: 120_000 });
        assert.match((await page.locator('#attribution-summary').textContent()) ?? '', new RegExp(String(truth.items)));
        await page.locator('#attribution-custody a').click();
        await page.waitForURL(/\/custody#event-\d+$/);
        const seq = Number(/#event-(\d+)$/.exec(page.url())![1]);
        const row = page.locator(`#event-${seq}`);
        assert.match((await row.textContent()) ?? '', /attributed/);
        assert.match((await row.textContent()) ?? '', /web:paralegal/);

        await page.goto(`${origin}/cases/trust/parties`);
        assert.equal(await page.getByLabel('Trusted relays').inputValue(), 'laposte.net\n65.54.0.0/16');
        assert.equal(await page.locator('#attribution-stale').count(), 0);
        const events = await listCustodyEvents(ctx.db.knex, c.id, 'trust');
        assert.deepEqual(
          events.slice(-2).map((e) => e.action),
          ['trust-changed', 'attributed'],
        );
      });
    } finally {
      await cleanup();
    }
  },
);
