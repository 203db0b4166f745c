/**
 * The counts, exactly, on a generated corpus whose truth is known by construction: exact duplicates,
 * re-harvested deliveries, multi-recipient messages, missing and reused Message-IDs, mbox quoting,
 * across a folder of .eml files, an mbox and a maildir. On SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

async function corpus() {
  const out = path.join(tempDir('spamcase-corpus-'), 'corpus');
  const truth = await generateCorpus({ out, messages: 400, seed: 7, layout: 'mixed' });
  return { out, truth, paths: ['trap', 'reports.mbox', 'maildir'].map((p) => path.join(out, p)) };
}

storageTest(
  'ingesting a folder, an mbox and a maildir gives the known-truth counts',
  async ({ ctx }) => {
    const { truth, paths } = await corpus();
    await createCase(ctx, {
      slug: 'truth',
      title: 'Known truth',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const summaries = await ingest(ctx, { caseSlug: 'truth', method: 'trap', paths });
    assert.equal(summaries.length, 3);
    const r = await caseReport(ctx.db.knex, 'truth');
    assert.deepEqual(
      {
        samples: r.samples,
        items: r.items,
        exactDuplicates: r.exactDuplicates,
        messages: r.messages,
        deliveries: r.deliveries,
        accounts: r.accounts,
        firstDate: r.firstDate,
        lastDate: r.lastDate,
      },
      {
        samples: truth.samples,
        items: truth.items,
        exactDuplicates: truth.exactDuplicates,
        messages: truth.messages,
        deliveries: truth.deliveries,
        accounts: truth.accounts,
        firstDate: truth.firstDate,
        lastDate: truth.lastDate,
      },
    );
    assert.equal(r.rejected, 0);
    assert.equal(r.parseErrors, 0);
    assert.equal(r.deliveriesWithUnknownRecipient, 0);
    assert.deepEqual(r.parties, [
      {
        name: 'Laposte.net',
        batesPrefix: 'LPN',
        samples: truth.samples,
        items: truth.items,
        deliveries: truth.deliveries,
      },
    ]);
    const bates = (await ctx.db.knex('items').orderBy('bates').pluck('bates')) as string[];
    assert.equal(bates[0], 'LPN-0000001');
    assert.equal(bates.at(-1), `LPN-${String(truth.items).padStart(7, '0')}`);

    const check = await fsck(ctx, 'truth');
    assert.deepEqual(check.problems, []);
    assert.equal(check.itemsChecked, truth.items);
  },
  { timeout: 300_000 },
);

storageTest(
  'ingesting the same inputs twice changes no count except the acquisition log',
  async ({ ctx }) => {
    const { paths } = await corpus();
    await createCase(ctx, { slug: 'twice', title: 'Twice', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    await ingest(ctx, { caseSlug: 'twice', method: 'trap', paths });
    const first = await caseReport(ctx.db.knex, 'twice');
    const again = await ingest(ctx, { caseSlug: 'twice', method: 'trap', paths });
    const second = await caseReport(ctx.db.knex, 'twice');
    assert.deepEqual({ ...second, acquisitions: 0 }, { ...first, acquisitions: 0 });
    assert.equal(second.acquisitions, first.acquisitions + 3);
    assert.deepEqual(
      again.map((s) => s.samples),
      [0, 0, 0],
    );
    assert.equal(
      again.reduce((n, s) => n + s.alreadyRecorded, 0),
      first.samples,
    );
    const actions = (await ctx.db.knex('custody_events').orderBy('seq').pluck('action')) as string[];
    // Campaigns are clustered once after the first ingest; the second finds nothing new and records nothing.
    const acquisitions = Array(3).fill(['acquisition-started', 'acquired']).flat() as string[];
    assert.deepEqual(actions, ['case-created', ...acquisitions, 'campaigns-clustered', ...acquisitions]);
  },
  { timeout: 300_000 },
);

storageTest(
  'two parties harvesting the same delivery: each party counts it, the case counts it once',
  async ({ ctx }) => {
    const { truth, paths } = await corpus();
    await createCase(ctx, {
      slug: 'joint',
      title: 'Joint',
      parties: [
        { name: 'Laposte.net', batesPrefix: 'LPN' },
        { name: 'MSN Hotmail', batesPrefix: 'MSN' },
      ],
    });
    await ingest(ctx, { caseSlug: 'joint', party: 'Laposte.net', method: 'trap', paths });
    await ingest(ctx, { caseSlug: 'joint', party: 'MSN', method: 'feed', paths: [paths[0]!] });
    const r = await caseReport(ctx.db.knex, 'joint');
    assert.equal(r.items, truth.items, 'no new items: every byte string was already in the case');
    assert.equal(r.deliveries, truth.deliveries);
    const [lpn, msn] = r.parties;
    assert.equal(lpn!.deliveries, truth.deliveries);
    assert.ok(msn!.samples > 0 && msn!.deliveries > 0 && msn!.deliveries <= truth.deliveries);
    assert.equal(r.samples, truth.samples + msn!.samples);
    const msnBates = await ctx.db.knex('items').where('bates', 'like', 'MSN-%').count({ n: '*' }).first();
    assert.equal(Number(msnBates?.n), 0, 'items keep the Bates number of the party that brought them first');
  },
  { timeout: 300_000 },
);
