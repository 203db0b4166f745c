/**
 * Hostile input end to end: every bad input gives a clear rejection or a stored item with its parse
 * error, the process never dies, and nothing stored before is lost or changed (fsck re-hashes it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { readBlob, sha256Hex } from '../../server/store/pack-store.ts';
import { storeDir } from '../../server/context.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { buildZip } from './sources/zip-writer.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

const msg = (headers: string, body = 'Buy now\n') => Buffer.from(`${headers}\n\n${body}`, 'latin1');

function hostileFolder(): string {
  const dir = tempDir('spamcase-hostile-');
  const put = (name: string, data: Buffer | string) => fs.writeFileSync(path.join(dir, name), data);
  put('photo.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]));
  put('empty.eml', '');
  put('plain-text.txt', 'Dear friend, this is not an email at all.\nJust text.\n');
  put('truncated.eml', 'From: bot1@hotmail.com\nTo: a@laposte.net\nSubject: cut');
  put('no-headers-we-need.eml', msg('X-Mailer: BulkMailer 3.1'));
  put(
    'eight-bit.eml',
    msg('From: "Ren\xe9" <bot2@hotmail.com>\nTo: b@laposte.net\nSubject: caf\xe9 cr\xe8me\nMessage-ID: <8bit@x>'),
  );
  put(
    'bogus-charset.eml',
    msg(
      'From: =?x-no-such-charset?Q?Bot?= <bot3@hotmail.com>\nTo: c@laposte.net\nSubject: =?x-no-such-charset?B?aGVsbG8=?=\nMessage-ID: <charset@x>',
    ),
  );
  put(
    'long-line.eml',
    msg(`From: bot4@hotmail.com\nTo: d@laposte.net\nSubject: ${'x'.repeat(5000)}\nMessage-ID: <long@x>`),
  );
  put('nul.eml', msg('From: bot5@hotmail.com\nTo: e@laposte.net\nSubject: a\0b\nMessage-ID: <nul@x>'));
  put(
    'huge-header.eml',
    msg(
      `From: bot6@hotmail.com\nTo: f@laposte.net\nMessage-ID: <huge@x>\n${'X-Junk: '.concat('y'.repeat(900), '\n').repeat(1300)}Subject: end`,
    ),
  );
  let nested = 'deep';
  for (let i = 0; i < 300; i++)
    nested = `--b${i}\nContent-Type: multipart/mixed; boundary="b${i + 1}"\n\n${nested}\n--b${i}--`;
  put(
    'deep-mime.eml',
    msg(
      'From: bot7@hotmail.com\nTo: g@laposte.net\nMessage-ID: <deep@x>\nContent-Type: multipart/mixed; boundary="b0"',
      nested,
    ),
  );
  put(
    'crlf.mbox',
    ['a', 'b', 'c']
      .map(
        (x) =>
          `From bot8@hotmail.com Mon Jan  2 10:00:00 2006\r\nFrom: bot8@hotmail.com\r\nTo: ${x}@laposte.net\r\nMessage-ID: <crlf-${x}@x>\r\n\r\nbody ${x}\r\n`,
      )
      .join('\r\n'),
  );
  put(
    'evil.zip',
    buildZip([
      { name: '../escape.eml', data: msg('From: bot9@hotmail.com\nMessage-ID: <escape@x>') },
      { name: '/etc/passwd', data: 'root:x:0:0' },
      { name: 'inside/ok.eml', data: msg('From: bot9@hotmail.com\nTo: h@laposte.net\nMessage-ID: <zip-ok@x>') },
    ]),
  );
  put(
    'bomb.zip',
    buildZip([
      { name: 'zeros.eml', data: Buffer.concat([Buffer.from('From: x@y\n\n'), Buffer.alloc(20 * 1024 * 1024)]) },
    ]),
  );
  fs.symlinkSync('/nonexistent/target.eml', path.join(dir, 'dangling-link.eml'));
  return dir;
}

storageTest(
  'hostile inputs are rejected or kept with their parse error, and nothing stored before is lost',
  async ({ ctx }) => {
    const corpus = path.join(tempDir('spamcase-corpus-'), 'c');
    const truth = await generateCorpus({ out: corpus, messages: 60, seed: 3, layout: 'eml' });
    await createCase(ctx, {
      slug: 'hostile',
      title: 'Hostile',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await ingest(ctx, { caseSlug: 'hostile', method: 'trap', paths: [path.join(corpus, 'trap')] });
    const before = await caseReport(ctx.db.knex, 'hostile');
    assert.equal(before.items, truth.items);
    const earlier = (await ctx.db
      .knex('items')
      .orderBy('bates')
      .limit(5)
      .select('sha256', 'pack', 'pack_offset', 'size')) as Array<{
      sha256: string;
      pack: string;
      pack_offset: number;
      size: number;
    }>;

    const [summary] = await ingest(ctx, { caseSlug: 'hostile', method: 'trap', paths: [hostileFolder()] });
    const after = await caseReport(ctx.db.knex, 'hostile');

    const rejections = (await ctx.db.knex('rejections').orderBy('locator').select('locator', 'reason')) as Array<{
      locator: string;
      reason: string;
    }>;
    const reasonOf = (locator: string) => rejections.find((r) => r.locator === locator)?.reason ?? '(not rejected)';
    assert.match(reasonOf('photo.jpg'), /JPEG/);
    assert.match(reasonOf('empty.eml'), /empty/);
    assert.match(reasonOf('plain-text.txt'), /not an email|no header/);
    assert.match(reasonOf('evil.zip!../escape.eml'), /unsafe path/);
    assert.match(reasonOf('evil.zip!/etc/passwd'), /unsafe path/);
    assert.match(reasonOf('bomb.zip!zeros.eml'), /ratio|limit/i);
    assert.match(reasonOf('dangling-link.eml'), /link/);
    assert.equal(rejections.length, 7, JSON.stringify(rejections, null, 1));

    const errors = (await ctx.db
      .knex('items as i')
      .join('samples as s', 's.item_id', 'i.id')
      .whereNotNull('i.parse_error')
      .select('s.locator', 'i.parse_error')) as Array<{ locator: string; parse_error: string }>;
    const errorOf = (locator: string) => errors.find((e) => e.locator === locator)?.parse_error ?? '(no parse error)';
    assert.match(errorOf('truncated.eml'), /no blank line/);
    assert.match(errorOf('nul.eml'), /NUL/);
    assert.match(errorOf('huge-header.eml'), /larger than 1 MiB/);
    assert.equal(errors.length, 3, JSON.stringify(errors, null, 1));

    // 8 single messages + 3 mbox entries + 1 ZIP member became samples.
    assert.equal(summary!.samples, 12);
    assert.equal(after.samples, before.samples + 12);
    assert.equal(after.items, before.items + 12);
    assert.equal(after.rejected, 7);
    assert.equal(after.parseErrors, 3);
    const subject = (await ctx.db.knex('messages').where({ header_message_id: '8bit@x' }).first('subject')) as {
      subject: string;
    };
    assert.equal(subject.subject, 'café crème');

    for (const e of earlier) {
      const bytes = readBlob(storeDir(ctx, 'hostile'), {
        pack: e.pack,
        offset: Number(e.pack_offset),
        size: Number(e.size),
      });
      assert.equal(sha256Hex(bytes), e.sha256);
    }
    const check = await fsck(ctx, 'hostile');
    assert.deepEqual(check.problems, []);
    assert.equal(check.itemsChecked, after.items);
  },
  { timeout: 300_000 },
);
