/**
 * In a real browser (Debian's chromium, playwright-core): the defendants page of a case whose
 * suggestions come from the generated operator case. A person confirms a suggestion, sees each
 * reason's strength, then undoes the defendant with its Remove button; both acts are custody events.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { makeUser, TEST_PASSWORD } from '../web/client.ts';
import { startServer } from '../../server/web/server.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { listDefendants, suggestDefendants } from '../../server/attribution/defendants.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { generateOperatorCorpus } from '../corpus/generate.ts';

const CHROMIUM = '/usr/bin/chromium';

test(
  'in a browser: confirm a suggested defendant, then undo it with its Remove button',
  { timeout: 180_000, skip: !fs.existsSync(CHROMIUM) && !process.env.CI ? 'no chromium at /usr/bin/chromium' : false },
  async () => {
    const { env, cleanup } = await createTestEnv('sqlite');
    const ctx = env.ctx;
    const out = path.join(tempDir('spamcase-e2e-ops-'), 'corpus');
    const truth = await generateOperatorCorpus({ out, seed: 7, operators: 8 });
    await createCase(ctx, {
      slug: 'ops',
      title: 'Laposte.net v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await setPartyTrust(ctx, 'ops', 'LPN', { relays: truth.partyTrust });
    await ingest(ctx, { caseSlug: 'ops', method: 'trap', paths: [path.join(out, 'trap')] });
    await makeUser(ctx, 'paralegal', 'editor');
    const c = await getCase(ctx.db.knex, 'ops');
    await addMember(ctx, c, 'paralegal');
    const first = (await suggestDefendants(ctx.db.knex, c.id)).groups[0]!;
    const server = await startServer(ctx, { host: '127.0.0.1', port: 0, log: () => undefined });
    const origin = server.url.replace(/\/$/, '');
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
      const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
      await page.goto(`${origin}/login`);
      await page.getByLabel('User name').fill('paralegal');
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${origin}/`);

      await page.goto(`${origin}/cases/ops/defendants`);
      const suggestion = page.locator('#suggestions > li').first();
      // Each reason with its strength.
      assert.match(
        (await suggestion.locator('li').first().textContent()) ?? '',
        /^(strong|medium): shared originating IP /,
      );
      await suggestion.getByRole('button', { name: 'Create a defendant from this group' }).click();
      await page.waitForURL(`${origin}/cases/ops/defendants`);
      const row = page.locator('#defendants tbody tr', { hasText: 'Doe 1' });
      await row.waitFor();
      assert.deepEqual((await listDefendants(ctx.db.knex, c.id))[0]!.accounts, first.accounts);

      await row.getByRole('button', { name: /Remove defendant Doe 1/ }).click();
      await page.waitForURL(`${origin}/cases/ops/defendants`);
      await page.getByText('No defendants yet').waitFor();
      assert.deepEqual(await listDefendants(ctx.db.knex, c.id), []);
      // The group is suggested again.
      assert.match(
        (await page.locator('#suggestions > li').first().textContent()) ?? '',
        new RegExp(first.accounts[0]!.replace('.', '\\.')),
      );
      const actions = (await listCustodyEvents(ctx.db.knex, c.id, 'ops')).map((e) => e.action);
      assert.deepEqual(actions.slice(-2), ['defendant-created', 'defendant-removed']);
    } finally {
      await browser?.close();
      await server.close();
      await cleanup();
    }
  },
);
