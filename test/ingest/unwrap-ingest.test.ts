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

storageTest(
  'a spam that only looks like a bounce stays counted as itself in a bounce acquisition; a real DSN is unwrapped',
  async ({ ctx }) => {
    await createCase(ctx, { slug: 'bnc', title: 'Bounces', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    const fake = path.join(FIXTURES, 'fake-bounce.eml');
    const [s] = await ingest(ctx, { caseSlug: 'bnc', method: 'bounce', paths: [fake] });
    assert.deepEqual([s!.samples, s!.wrappers, s!.newItems], [1, 0, 1]);
    const r = await caseReport(ctx.db.knex, 'bnc');
    // The outer message is the one counted: its own date and recipient, not the embedded 2001 message.
    assert.equal(r.firstDate?.slice(0, 10), '2005-12-14');
    assert.equal(r.lastDate?.slice(0, 10), '2005-12-14');
    assert.deepEqual(await ctx.db.knex('deliveries').pluck('recipient'), ['trap7@laposte.example']);
    const [dsn] = await ingest(ctx, {
      caseSlug: 'bnc',
      method: 'bounce',
      paths: [path.join(FIXTURES, 'dsn-bounce.eml')],
    });
    assert.deepEqual([dsn!.samples, dsn!.wrappers], [1, 1], 'a structural DSN gives the returned message');
    const [forward] = await ingest(ctx, {
      caseSlug: 'bnc',
      method: 'bounce',
      paths: [path.join(FIXTURES, 'forward-as-attachment.eml')],
    });
    assert.deepEqual([forward!.samples, forward!.wrappers], [1, 0], 'a bounce acquisition does not unwrap forwards');
  },
);

storageTest(
  'a folder with JSON, HTML and YAML files rejects each with its reason and counts only the email',
  async ({ ctx }) => {
    await createCase(ctx, { slug: 'mixed', title: 'Mixed', parties: [{ name: 'AOL', batesPrefix: 'AOL' }] });
    const dir = fs.mkdtempSync(path.join(ctx.dataRoot, 'mixed-'));
    fs.writeFileSync(path.join(dir, 'a.json'), '{"id": 1, "from": "x@y.example", "subject": "hi"}\n');
    fs.writeFileSync(path.join(dir, 'b.json'), '[\n  {"From": "x@y.example"}\n]\n');
    fs.writeFileSync(path.join(dir, 'c.html'), '<html><body>Buy now</body></html>\n');
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'name: trap export\ncount: 3\n');
    fs.copyFileSync(path.join(FIXTURES, 'fake-bounce.eml'), path.join(dir, 'e.eml'));
    const [s] = await ingest(ctx, { caseSlug: 'mixed', method: 'trap', paths: [dir] });
    assert.deepEqual([s!.samples, s!.rejected], [1, 4]);
    const r = await caseReport(ctx.db.knex, 'mixed');
    assert.deepEqual([r.items, r.parseErrors, r.rejected], [1, 0, 4]);
    const reasons = (await ctx.db.knex('rejections').orderBy('locator').select('locator', 'reason')) as {
      locator: string;
      reason: string;
    }[];
    assert.deepEqual(
      reasons.map((x) => [x.locator.replace(/^.*\//, ''), x.reason]),
      [
        ['a.json', 'not an email: looks like JSON'],
        ['b.json', 'not an email: looks like JSON'],
        ['c.html', 'not an email: looks like HTML or XML'],
        [
          'd.yaml',
          'not an email: no message header field (From, Date, Subject, Received, Message-ID...) in its header section',
        ],
      ],
    );
  },
);
