/**
 * ARF reports and forwards through ingest: the inner message is the sample and is counted; the
 * report is kept (byte for byte, re-hashed by fsck) as acquisition evidence, linked from the sample.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { readBlob } from '../../server/store/pack-store.ts';
import { storeDir } from '../../server/context.ts';
import { storageTest } from '../helpers/databases.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/sources');

storageTest('an ARF report counts its inner message once and keeps the report as evidence', async ({ ctx }) => {
  await createCase(ctx, { slug: 'arf', title: 'ARF', parties: [{ name: 'MSN Hotmail', batesPrefix: 'MSN' }] });
  const report = path.join(FIXTURES, 'arf-report.eml');
  const [s] = await ingest(ctx, { caseSlug: 'arf', method: 'report', paths: [report] });
  assert.equal(s!.samples, 1);
  assert.equal(s!.wrappers, 1);
  const r = await caseReport(ctx.db.knex, 'arf');
  assert.equal(r.wrappers, 1);
  assert.equal(r.items, 1);
  const wrapper = (await ctx.db.knex('wrappers').first()) as {
    id: number;
    kind: string;
    sha256: string;
    pack: string;
    pack_offset: number;
    size: number;
  };
  assert.equal(wrapper.kind, 'arf');
  const reportBytes = fs.readFileSync(report);
  assert.equal(wrapper.sha256, crypto.createHash('sha256').update(reportBytes).digest('hex'));
  assert.deepEqual(
    readBlob(storeDir(ctx, 'arf'), {
      pack: wrapper.pack,
      offset: Number(wrapper.pack_offset),
      size: Number(wrapper.size),
    }),
    reportBytes,
  );
  const sample = (await ctx.db.knex('samples').first('wrapper_id', 'locator')) as {
    wrapper_id: number;
    locator: string;
  };
  assert.equal(Number(sample.wrapper_id), Number(wrapper.id));
  assert.equal(sample.locator, 'arf-report.eml/rfc822[1]');
  const check = await fsck(ctx, 'arf');
  assert.deepEqual(check.problems, []);
  assert.equal(check.wrappersChecked, 1);
});

storageTest(
  'a forwarded spam is unwrapped for a user report, and kept whole when harvested by a trap',
  async ({ ctx }) => {
    await createCase(ctx, { slug: 'fwd', title: 'Forwards', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    const forward = path.join(FIXTURES, 'forward-as-attachment.eml');
    const [asReport] = await ingest(ctx, { caseSlug: 'fwd', method: 'report', paths: [forward] });
    assert.deepEqual([asReport!.samples, asReport!.wrappers], [2, 1], 'the forward carries two attached spams');
    const [asTrap] = await ingest(ctx, { caseSlug: 'fwd', method: 'trap', paths: [forward] });
    assert.deepEqual([asTrap!.samples, asTrap!.wrappers, asTrap!.newItems], [1, 0, 1]);
    const r = await caseReport(ctx.db.knex, 'fwd');
    assert.equal(r.items, 3, 'the two inner spams and the forward itself are different bytes');
  },
);
