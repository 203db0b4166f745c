/**
 * A log is read a megabyte at a time, never held whole (issue 24, memory flat): lines cut between
 * chunks, a line of several megabytes with no end in sight, a gzip'd copy and a damaged gzip. The
 * stored attempts must be the ones the pure reader (`readLines`) finds in the whole text at once,
 * and the stored raw log byte for byte the file.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createCase } from '../../server/cases/cases.ts';
import { storeDir } from '../../server/context.ts';
import { readLines } from '../../server/logs/acquire.ts';
import type { Attempt } from '../../server/logs/attempt.ts';
import { ZoneClock } from '../../server/logs/log-time.ts';
import { PostfixReader } from '../../server/logs/postfix.ts';
import { readBlob } from '../../server/store/pack-store.ts';
import { ingestLogs } from '../../server/usecases/logs.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

const YEAR_END = '2005-12-31';

/** About 3.5 MB of Postfix lines: a refusal and a delivery per message, with a 2.5 MB line among them. */
function postfixLog(): Buffer {
  const out: string[] = [];
  for (let i = 0; i < 12_000; i++) {
    const q = (0x10000 + i).toString(16).toUpperCase();
    const t = `Dec  1 10:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
    out.push(
      `${t} mx1 postfix/smtpd[${1000 + i}]: NOQUEUE: reject: RCPT from unknown[82.120.5.${i % 250}]: 550 5.1.1 <n${i}@laposte.net>: Recipient address rejected: User unknown in local recipient table; from=<s${i}@hotmail.com> to=<n${i}@laposte.net> proto=ESMTP helo=<pc${i}>`,
      `${t} mx1 postfix/cleanup[2${i}]: ${q}: message-id=<m${i}@phx.gbl>`,
      `${t} mx1 postfix/qmgr[3]: ${q}: from=<s${i}@hotmail.com>, size=1234, nrcpt=1 (queue active)`,
      `${t} mx1 postfix/lmtp[4${i}]: ${q}: to=<r${i}@laposte.net>, relay=store[10.0.0.1]:24, delay=1, status=sent (250 ok)`,
    );
    // A line of 2.5 MB (garbage a broken program wrote) with a multi-byte character at the cut.
    if (i === 6000) out.push(`${t} mx1 junk: ${'é'.repeat(1_250_000)}`);
  }
  return Buffer.from(`${out.join('\n')}\n`, 'utf8');
}

function expected(text: Buffer): { attempts: Attempt[]; lines: number; unknownLines: number; longLines: number } {
  const attempts: Attempt[] = [];
  const totals = readLines(
    text,
    new PostfixReader(new ZoneClock('Europe/Paris'), Date.parse(`${YEAR_END}T23:59:59Z`)),
    (a) => attempts.push(a),
  );
  return { attempts, ...totals };
}

storageTest(
  'store: a log read a megabyte at a time gives the attempts of the whole text, plain and gzip',
  async ({ ctx }) => {
    const dir = tempDir();
    const text = postfixLog();
    assert.ok(text.length > 3 * 1024 * 1024);
    const want = expected(text);
    assert.equal(want.longLines, 1);
    const plain = path.join(dir, 'maillog.1');
    const gz = path.join(dir, 'maillog.2.gz');
    fs.writeFileSync(plain, text);
    fs.writeFileSync(gz, zlib.gzipSync(text));
    await createCase(ctx, { slug: 'c', title: 'c', parties: [{ name: 'LPN', batesPrefix: 'LPN' }] });
    for (const [file, server] of [
      [plain, 'mx1'],
      [gz, 'mx2'],
    ] as const) {
      const r = await ingestLogs(ctx, { case: 'c', server, tz: 'Europe/Paris', yearEnd: YEAR_END, paths: [file] });
      const summary = r.files[0]!;
      assert.deepEqual(
        { lines: summary.lines, unknownLines: summary.unknownLines, longLines: summary.longLines },
        { lines: want.lines, unknownLines: want.unknownLines, longLines: want.longLines },
      );
      assert.equal(summary.attempts, want.attempts.length);
      const bytes = fs.readFileSync(file);
      assert.equal(summary.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
      const row = (await ctx.db.knex('log_files').where({ id: summary.logFileId }).first()) as {
        pack: string;
        pack_offset: number | string;
        size: number | string;
        content_sha256: string;
      };
      assert.equal(row.content_sha256, crypto.createHash('sha256').update(text).digest('hex'));
      const stored = readBlob(storeDir(ctx, 'c'), {
        pack: row.pack,
        offset: Number(row.pack_offset),
        size: Number(row.size),
      });
      assert.ok(stored.equals(bytes), `${file}: the stored log is the file byte for byte`);
      const rows = (await ctx.db
        .knex('attempts')
        .where({ log_file_id: summary.logFileId })
        .orderBy('id')
        .select('line', 'at', 'recipient', 'result', 'message_id', 'sender')) as Array<{
        line: number | string;
        at: string;
        recipient: string;
        result: string;
        message_id: string | null;
        sender: string | null;
      }>;
      assert.deepEqual(
        rows.map((x) => [Number(x.line), x.at, x.recipient, x.result, x.message_id, x.sender]),
        want.attempts.map((a) => [a.line, a.at, a.recipient, a.result, a.messageId, a.sender]),
      );
    }
  },
);

storageTest('store: a damaged gzip log is refused with a clear error and leaves nothing stored', async ({ ctx }) => {
  const dir = tempDir();
  const file = path.join(dir, 'maillog.3.gz');
  const gz = zlib.gzipSync(postfixLog());
  // Cut in the middle, and a byte of the deflate stream changed.
  const broken = Buffer.from(gz.subarray(0, gz.length >> 1));
  const at = broken.length >> 1;
  broken[at] = broken[at]! ^ 0xff;
  fs.writeFileSync(file, broken);
  await createCase(ctx, { slug: 'c', title: 'c', parties: [{ name: 'LPN', batesPrefix: 'LPN' }] });
  await assert.rejects(
    ingestLogs(ctx, { case: 'c', server: 'mx1', tz: 'Europe/Paris', yearEnd: YEAR_END, paths: [file] }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INPUT_UNREADABLE');
      assert.match(err.message, /gzip/);
      return true;
    },
  );
  assert.equal(Number(((await ctx.db.knex('log_files').count({ n: '*' })) as Array<{ n: number }>)[0]!.n), 0);
  assert.equal(Number(((await ctx.db.knex('attempts').count({ n: '*' })) as Array<{ n: number }>)[0]!.n), 0);
  assert.equal(Number(((await ctx.db.knex('acquisitions').count({ n: '*' })) as Array<{ n: number }>)[0]!.n), 0);
});
