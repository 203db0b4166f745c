import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isSpamcaseError } from '../../../server/errors.ts';
import { readSource } from '../../../server/ingest/sources/index.ts';
import { compareCodePoints } from '../../../server/ingest/sources/directory-walk.ts';
import { collect, outline, rejections, samples, tempDir } from './helpers.ts';

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

describe('directory input', () => {
  it("walks recursively, each directory in byte order of names, file event after the file's samples", async () => {
    const root = tempDir();
    mkdirSync(join(root, 'b', 'nested'), { recursive: true });
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'b', 'nested', 'z.eml'), 'Subject: z\n\nz\n');
    writeFileSync(join(root, 'b', 'B.eml'), 'Subject: B\n\nB\n');
    writeFileSync(join(root, 'a', 'x.eml'), 'Subject: x\n\nx\n');
    writeFileSync(join(root, 'a.eml'), 'Subject: a\n\na\n');
    writeFileSync(join(root, 'Z.eml'), 'Subject: Z\n\nZ\n');
    const events = await collect(root);
    assert.deepEqual(outline(events), [
      'sample Z.eml',
      'file Z.eml', // 'Z' (0x5a) sorts before 'a' (0x61)
      'sample a/x.eml',
      'file a/x.eml', // 'a' before 'a.eml'
      'sample a.eml',
      'file a.eml',
      'sample b/B.eml',
      'file b/B.eml', // 'B.eml' before 'nested'
      'sample b/nested/z.eml',
      'file b/nested/z.eml',
    ]);
    const file = events.find((e) => e.type === 'file' && e.locator === 'a.eml');
    assert.deepEqual(file, { type: 'file', locator: 'a.eml', depth: 0, size: 14, sha256: sha256('Subject: a\n\na\n') });
    const sample = samples(events).find((e) => e.locator === 'a.eml');
    assert.equal(sample?.bytes.toString(), 'Subject: a\n\na\n');
    assert.equal(sample?.envelopeSender, null);
    assert.equal(sample?.wrapperLocator, null);
  });

  it('orders names by UTF-8 bytes, not UTF-16 code units', () => {
    const names = ['\u{1F600}.eml', '\uFF21.eml', 'a.eml'];
    assert.deepEqual([...names].sort(compareCodePoints), ['a.eml', '\uFF21.eml', '\u{1F600}.eml']);
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...names].sort(compareCodePoints), byBytes);
  });

  it('reads a maildir: cur, new and tmp', async () => {
    const root = tempDir();
    const maildir = join(root, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    writeFileSync(join(maildir, 'cur', '1133430000.M1P1.host:2,S'), 'Subject: seen\n\n1\n');
    writeFileSync(join(maildir, 'new', '1133430001.M2P1.host'), 'Subject: new\n\n2\n');
    writeFileSync(join(maildir, 'tmp', '1133430002.M3P1.host'), 'Subject: in delivery\n\n3\n');
    const events = await collect(maildir);
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['cur/1133430000.M1P1.host:2,S', 'new/1133430001.M2P1.host', 'tmp/1133430002.M3P1.host'],
    );
  });

  it('rejects what cannot be read (dangling symlink, symlink, FIFO) and goes on', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'good.eml'), 'Subject: good\n\ngood\n');
    symlinkSync(join(root, 'missing.eml'), join(root, 'dangling.eml'));
    symlinkSync(join(root, 'good.eml'), join(root, 'link.eml'));
    execFileSync('mkfifo', [join(root, 'pipe.eml')]);
    const events = await collect(root);
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason]),
      [
        ['dangling.eml', 'symbolic link not followed'],
        ['link.eml', 'symbolic link not followed'],
        ['pipe.eml', 'not a regular file (FIFO)'],
      ],
    );
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['good.eml'],
    );
  });

  it('rejects an empty file but still records it as read', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'empty.eml'), '');
    const events = await collect(root);
    assert.deepEqual(events, [
      { type: 'rejected', locator: 'empty.eml', reason: 'empty file', size: 0, sha256: sha256('') },
      { type: 'file', locator: 'empty.eml', depth: 0, size: 0, sha256: sha256('') },
    ]);
  });

  it('closes a streamed (large) file once: the small files opened after it are not disturbed', async () => {
    // Regression: an fs.ReadStream closed its descriptor again, asynchronously, after we had
    // closed it and the next file had been given the same number (EBADF on a later file).
    const root = tempDir();
    writeFileSync(
      join(root, 'a-large.eml'),
      Buffer.concat([Buffer.from('Subject: large\n\n'), Buffer.alloc(9 * 1024 * 1024, 'x')]),
    );
    for (let i = 0; i < 40; i++)
      writeFileSync(join(root, `b-${String(i).padStart(2, '0')}.eml`), `Subject: ${i}\n\nsmall ${i}\n`);
    writeFileSync(
      join(root, 'c-large.eml'),
      Buffer.concat([Buffer.from('Subject: large 2\n\n'), Buffer.alloc(9 * 1024 * 1024, 'y')]),
    );
    for (let i = 0; i < 40; i++)
      writeFileSync(join(root, `d-${String(i).padStart(2, '0')}.eml`), `Subject: d${i}\n\nsmall ${i}\n`);
    const events = await collect(root);
    assert.deepEqual(rejections(events), []);
    assert.equal(samples(events).length, 82);
  });

  it('percent-encodes locator separators in names', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'odd#1!x[2]%.eml'), 'Subject: odd\n\nodd\n');
    const events = await collect(root);
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['odd%231%21x%5B2%5D%25.eml'],
    );
  });
});

describe('single file input', () => {
  it('uses the basename as locator', async () => {
    const root = tempDir();
    const path = join(root, 'one.eml');
    writeFileSync(path, 'Subject: one\n\n1\n');
    assert.deepEqual(outline(await collect(path)), ['sample one.eml', 'file one.eml']);
  });

  it('rejects a message larger than maxMessageBytes, with its hash', async () => {
    const root = tempDir();
    const path = join(root, 'big.eml');
    const bytes = `Subject: big\n\n${'x'.repeat(200)}\n`;
    writeFileSync(path, bytes);
    const events = await collect(path, { unwrapForwards: false, limits: { maxMessageBytes: 100 } });
    assert.deepEqual(events, [
      {
        type: 'rejected',
        locator: 'big.eml',
        reason: 'message larger than 100 bytes (maxMessageBytes)',
        size: bytes.length,
        sha256: sha256(bytes),
      },
      { type: 'file', locator: 'big.eml', depth: 0, size: bytes.length, sha256: sha256(bytes) },
    ]);
  });

  it('throws INPUT_UNREADABLE for a path that does not exist', async () => {
    await assert.rejects(
      async () => {
        for await (const _event of readSource('/nonexistent/spamcase/input', { unwrapForwards: false })) {
          /* none */
        }
      },
      (err: unknown) => isSpamcaseError(err, 'INPUT_UNREADABLE'),
    );
  });
});
