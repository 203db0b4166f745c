/**
 * Bates numbers are assigned once, in stable order (first acquisition, then position), per party
 * prefix; later ingests continue the sequence and re-ingesting renumbers nothing. A failed export
 * (store damaged, no signing key) leaves no file that looks complete.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { storeDir } from '../../server/context.ts';
import { exportBundle } from '../../server/export/bundle.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { packDir } from '../../server/store/pack-store.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { trialKeys } from './helpers.ts';

storageTest(
  'Bates numbers follow first acquisition then position, per party, and later ingests continue the sequence',
  async ({ ctx }) => {
    const a = path.join(tempDir('spamcase-bates-'), 'a');
    const b = path.join(tempDir('spamcase-bates-'), 'b');
    await generateCorpus({ out: a, messages: 30, seed: 21, layout: 'eml' });
    await generateCorpus({ out: b, messages: 30, seed: 22, layout: 'eml' });
    const c = path.join(tempDir('spamcase-bates-'), 'c');
    await generateCorpus({ out: c, messages: 30, seed: 24, layout: 'eml' });
    await createCase(ctx, {
      slug: 'bates',
      title: 'Bates',
      parties: [
        { name: 'Laposte.net', batesPrefix: 'LPN' },
        { name: 'MSN', batesPrefix: 'MSN' },
      ],
    });
    const knex = ctx.db.knex;
    const [first] = await ingest(ctx, {
      caseSlug: 'bates',
      party: 'Laposte.net',
      method: 'trap',
      paths: [path.join(a, 'trap')],
      threaded: false,
    });
    const afterFirst = (await knex('items').orderBy('id').select('id', 'bates', 'first_acquisition_id')) as Array<{
      id: number;
      bates: string;
      first_acquisition_id: number;
    }>;
    assert.equal(afterFirst.length, first!.newItems);
    assert.deepEqual(
      afterFirst.map((r) => r.bates),
      afterFirst.map((_, i) => `LPN-${String(i + 1).padStart(7, '0')}`),
    );
    // Position: the items of the first acquisition are numbered in the order of its sorted files.
    const locators = (await knex('samples')
      .where({ exact_duplicate: false })
      .orderBy('item_id')
      .pluck('locator')) as string[];
    assert.deepEqual(locators, [...locators].sort());

    const [msn] = await ingest(ctx, {
      caseSlug: 'bates',
      party: 'MSN',
      method: 'feed',
      paths: [path.join(b, 'trap')],
      threaded: false,
    });
    const [second] = await ingest(ctx, {
      caseSlug: 'bates',
      party: 'Laposte.net',
      method: 'report',
      paths: [path.join(b, 'trap')],
      threaded: false,
    });
    assert.equal(
      second!.newItems,
      0,
      'the same bytes brought by another party are exact duplicates: their Bates number stays MSN',
    );
    const [third] = await ingest(ctx, {
      caseSlug: 'bates',
      party: 'Laposte.net',
      method: 'trap',
      paths: [path.join(c, 'trap')],
      threaded: false,
    });
    const lpn = (await knex('items').where('bates', 'like', 'LPN-%').orderBy('id').pluck('bates')) as string[];
    assert.equal(lpn.length, first!.newItems + third!.newItems);
    assert.deepEqual(
      lpn,
      lpn.map((_, i) => `LPN-${String(i + 1).padStart(7, '0')}`),
      'the second Laposte.net acquisition continues at the next number',
    );
    const msnBates = (await knex('items').where('bates', 'like', 'MSN-%').orderBy('id').pluck('bates')) as string[];
    assert.equal(msnBates.length, msn!.newItems);
    assert.equal(msnBates[0], 'MSN-0000001');

    // Re-ingesting changes no number.
    const before = (await knex('items').orderBy('id').select('id', 'bates')) as unknown[];
    await ingest(ctx, {
      caseSlug: 'bates',
      party: 'Laposte.net',
      method: 'trap',
      paths: [path.join(a, 'trap')],
      threaded: false,
    });
    assert.deepEqual(await knex('items').orderBy('id').select('id', 'bates'), before);
  },
);

storageTest(
  'an export that fails (damaged store, no signing key) leaves no file and records nothing',
  async ({ ctx }) => {
    const corpus = path.join(tempDir('spamcase-fail-'), 'c');
    await generateCorpus({ out: corpus, messages: 20, seed: 23, layout: 'eml' });
    await createCase(ctx, { slug: 'fail', title: 'Fail', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    await ingest(ctx, { caseSlug: 'fail', method: 'trap', paths: [path.join(corpus, 'trap')], threaded: false });
    const dir = tempDir('spamcase-fail-out-');
    const out = path.join(dir, 'bundle.zip');
    await assert.rejects(
      exportBundle(ctx, 'fail', {
        out,
        signing: { cert: path.join(dir, 'none.pem'), key: path.join(dir, 'none.key') },
        organization: 'Org',
      }),
      /cannot read signing key .*keys init/,
    );
    assert.deepEqual(fs.readdirSync(dir), []);

    const keys = trialKeys();
    const item = (await ctx.db.knex('items').where({ bates: 'LPN-0000007' }).first()) as {
      pack: string;
      pack_offset: number | string;
    };
    const pack = path.join(packDir(storeDir(ctx, 'fail')), item.pack);
    fs.chmodSync(pack, 0o644);
    const fd = fs.openSync(pack, 'r+');
    fs.writeSync(fd, Buffer.from('#'), 0, 1, Number(item.pack_offset) + 3);
    fs.closeSync(fd);
    await assert.rejects(
      exportBundle(ctx, 'fail', { out, signing: keys, organization: 'Org' }),
      /item LPN-0000007: stored bytes hash to .* the index says/,
    );
    assert.deepEqual(fs.readdirSync(dir), [], 'no partial, spool or bundle file is left');
    assert.equal(Number(((await ctx.db.knex('exports').count({ n: '*' }).first()) as { n: number | string }).n), 0);
    assert.equal(((await ctx.db.knex('custody_events').where({ action: 'exported' })) as unknown[]).length, 0);

    // An existing file is never overwritten.
    fs.writeFileSync(out, 'earlier bundle');
    await assert.rejects(exportBundle(ctx, 'fail', { out, signing: keys, organization: 'Org' }), /already exists/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'earlier bundle');
  },
);
