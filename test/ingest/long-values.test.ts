/**
 * Values longer than their columns (found by the mutation test on PostgreSQL, where varchar limits
 * and B-tree entry sizes are enforced): a From domain over 255 characters (no account), a ZIP member name of
 * thousands of multibyte characters, a deep folder. Each is kept bounded, readable and unique; the
 * ingest goes on and a second ingest recognizes the same samples.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { MAX_LOCATOR_LENGTH } from '../../server/mail/keys.ts';
import { buildZip } from './sources/zip-writer.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

storageTest(
  'over-long domains, member names and folders are stored bounded, and re-ingest finds them',
  async ({ ctx }) => {
    const dir = tempDir('spamcase-long-');
    const longDomain = `${'sub'.repeat(100)}.example.com`;
    fs.writeFileSync(
      path.join(dir, 'long-domain.eml'),
      `From: bot@${longDomain}\nTo: a@laposte.net\nMessage-ID: <long-domain@x>\nSubject: long\n\nbody\n`,
    );
    const names = ['é'.repeat(3000), `${'é'.repeat(3000)}2`].map((n) => `${n}.eml`);
    fs.writeFileSync(
      path.join(dir, 'names.zip'),
      buildZip(
        names.map((name, i) => ({
          name,
          data: `From: z${i}@hotmail.com\nTo: b@laposte.net\nMessage-ID: <zip-${i}@x>\n\nbody ${i}\n`,
        })),
      ),
    );
    let deep = dir;
    for (let i = 0; i < 12; i++) deep = path.join(deep, `${'d'.repeat(60)}${i}`);
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(
      path.join(deep, 'deep.eml'),
      'From: deep@hotmail.com\nTo: c@laposte.net\nMessage-ID: <deep@x>\n\nbody\n',
    );

    await createCase(ctx, {
      slug: 'long',
      title: 'Long values',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const [first] = await ingest(ctx, { caseSlug: 'long', method: 'trap', paths: [dir] });
    assert.equal(first!.samples, 4);
    const locators = ((await ctx.db.knex('samples').orderBy('id').select('locator')) as Array<{ locator: string }>).map(
      (r) => r.locator,
    );
    assert.equal(new Set(locators).size, 4);
    for (const l of locators) assert.ok(l.length <= MAX_LOCATOR_LENGTH, `${l.length} characters`);
    assert.ok(locators.some((l) => l.startsWith('names.zip!éé') && /…sha256:[0-9a-f]{64}$/.test(l)));
    // A 300-character domain is not a mailbox (RFC 1035 caps a name at 255): no account, and why.
    const attribution = (await ctx.db
      .knex('item_attributions as ia')
      .join('samples as s', 's.item_id', 'ia.item_id')
      .where('s.locator', 'long-domain.eml')
      .first('ia.account', 'ia.account_evidence')) as { account: string | null; account_evidence: string };
    assert.equal(attribution.account, null);
    assert.match(attribution.account_evidence, /no usable sender address/);
    const longest = (await ctx.db
      .knex('accounts')
      .max({ n: ctx.db.knex.raw('length(domain)') })
      .first()) as { n: number | null };
    assert.ok(Number(longest.n ?? 0) <= 255);

    const [second] = await ingest(ctx, { caseSlug: 'long', method: 'trap', paths: [dir] });
    assert.equal(second!.samples, 0);
    assert.equal(second!.alreadyRecorded, 4, 'the bounded locators match the earlier run');
    const report = await caseReport(ctx.db.knex, 'long');
    assert.equal(report.items, 4);
    assert.equal(report.deliveries, 4, 're-ingest of the same files adds no delivery');
  },
);

storageTest('a long ZIP member name of emoji is bounded whole characters, and re-ingest finds it', async ({ ctx }) => {
  // Odd-aligned astral characters: cutting the name at a fixed length would split one in two, the
  // database would store U+FFFD for the lone half, and the second ingest would record it again.
  const dir = tempDir('spamcase-emoji-');
  const name = `a${'😀'.repeat(400)}.eml`;
  fs.writeFileSync(
    path.join(dir, 'emoji.zip'),
    buildZip([{ name, data: 'From: e@hotmail.com\nTo: d@laposte.net\nMessage-ID: <emoji@x>\n\nbody\n' }]),
  );
  await createCase(ctx, { slug: 'emoji', title: 'Emoji', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const [first] = await ingest(ctx, { caseSlug: 'emoji', method: 'trap', paths: [dir] });
  assert.equal(first!.samples, 1);
  const { locator } = (await ctx.db.knex('samples').first('locator')) as { locator: string };
  assert.ok(!locator.includes('\uFFFD'), 'no replacement character stored');
  assert.ok(locator.length <= MAX_LOCATOR_LENGTH);
  const [second] = await ingest(ctx, { caseSlug: 'emoji', method: 'trap', paths: [dir] });
  assert.equal(second!.samples, 0);
  assert.equal(second!.alreadyRecorded, 1);
  assert.equal((await caseReport(ctx.db.knex, 'emoji')).samples, 1);
});
