import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FIXTURES, collect, outline, rejections, samples, tempDir } from './helpers.ts';
import { buildZip } from './zip-writer.ts';
import type { ZipMember } from './zip-writer.ts';

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const eml = (subject: string, body = 'spam body'): string =>
  `From: bulk@spam.example\nSubject: ${subject}\n\n${body}\n`;

function writeZip(name: string, members: ZipMember[]): string {
  const path = join(tempDir(), name);
  writeFileSync(path, buildZip(members));
  return path;
}

describe('ZIP archives', () => {
  it("reads members in archive order: folders, a gzip'd mbox, a nested ZIP (made by Info-ZIP)", async () => {
    const events = await collect(join(FIXTURES, 'mail-export.zip'));
    assert.deepEqual(outline(events), [
      'sample mail-export.zip!inbox/b.eml',
      'file mail-export.zip!inbox/b.eml',
      'sample mail-export.zip!inbox/a.eml',
      'file mail-export.zip!inbox/a.eml',
      'sample mail-export.zip!boxes/old.mbox.gz#1',
      'sample mail-export.zip!boxes/old.mbox.gz#2',
      'file mail-export.zip!boxes/old.mbox.gz',
      'sample mail-export.zip!inner.zip!deep/x.eml',
      'file mail-export.zip!inner.zip!deep/x.eml',
      'file mail-export.zip!inner.zip',
      'file mail-export.zip',
    ]);
    const depths = events.flatMap((e) => (e.type === 'file' ? [[e.locator, e.depth]] : []));
    assert.deepEqual(
      depths.map(([, depth]) => depth),
      [1, 1, 1, 2, 1, 0],
    );
    const mbox = samples(events).filter((e) => e.locator.includes('old.mbox.gz'));
    assert.deepEqual(
      mbox.map((e) => [e.envelopeSender, e.bytes.toString()]),
      [
        ['x@spam.example', 'Subject: old1\n\none\n'],
        ['y@spam.example', 'Subject: old2\n\ntwo\n'],
      ],
    );
    const raw = readFileSync(join(FIXTURES, 'mail-export.zip'));
    assert.deepEqual(events.at(-1), {
      type: 'file',
      locator: 'mail-export.zip',
      depth: 0,
      size: raw.length,
      sha256: sha256(raw),
    });
    const member = events.find((e) => e.type === 'file' && e.locator === 'mail-export.zip!inbox/a.eml');
    assert.equal(member?.type === 'file' && member.sha256, sha256('From: a@spam.example\nSubject: a\n\nbody a\n'));
  });

  it('rejects entries with unsafe paths and ingests the others', async () => {
    const path = writeZip('traversal.zip', [
      { name: '../evil.eml', data: eml('evil') },
      { name: '/etc/passwd', data: 'root:x:0:0:root:/root:/bin/bash\n' },
      { name: 'C:\\Windows\\evil.eml', data: eml('drive') },
      { name: 'ok\\..\\..\\evil.eml', data: eml('backslash traversal') },
      { name: 'dir/../../evil.eml', data: eml('inner traversal') },
      { name: 'good/spam.eml', data: eml('good') },
      { name: 'good/', data: '' },
    ]);
    const events = await collect(path);
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason]),
      [
        ['traversal.zip!../evil.eml', 'unsafe path in archive: ../evil.eml'],
        ['traversal.zip!/etc/passwd', 'unsafe path in archive: /etc/passwd'],
        ['traversal.zip!C:\\Windows\\evil.eml', 'unsafe path in archive: C:\\Windows\\evil.eml'],
        ['traversal.zip!ok\\..\\..\\evil.eml', 'unsafe path in archive: ok\\..\\..\\evil.eml'],
        ['traversal.zip!dir/../../evil.eml', 'unsafe path in archive: dir/../../evil.eml'],
      ],
    );
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['traversal.zip!good/spam.eml'],
    );
  });

  it('rejects a nested archive beyond maxArchiveDepth (a gzip layer counts too)', async () => {
    const events = await collect(join(FIXTURES, 'mail-export.zip'), {
      unwrapForwards: false,
      limits: { maxArchiveDepth: 1 },
    });
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason]),
      [
        ['mail-export.zip!boxes/old.mbox.gz', 'archive nested deeper than 1 levels (maxArchiveDepth)'],
        ['mail-export.zip!inner.zip', 'archive nested deeper than 1 levels (maxArchiveDepth)'],
      ],
    );
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['mail-export.zip!inbox/b.eml', 'mail-export.zip!inbox/a.eml'],
    );
    assert.equal(events.at(-1)?.locator, 'mail-export.zip');
  });

  it('names duplicate member names by occurrence', async () => {
    const path = writeZip('dups.zip', [
      { name: 'a.eml', data: eml('1') },
      { name: 'a.eml', data: eml('2') },
    ]);
    assert.deepEqual(
      samples(await collect(path)).map((e) => e.locator),
      ['dups.zip!a.eml', 'dups.zip!a.eml[2]'],
    );
  });

  it('reads a ZIP larger than the whole-read size from the same descriptor after hashing it', async () => {
    const big = Buffer.concat([
      Buffer.from('Subject: big attachment\n\n'),
      Buffer.from(randomBytes(6 * 1024 * 1024).toString('base64')),
    ]);
    const path = writeZip('big.zip', [
      { name: 'big.eml', data: big, method: 'store' },
      { name: 'small.eml', data: eml('small') },
    ]);
    const events = await collect(path);
    assert.deepEqual(outline(events), [
      'sample big.zip!big.eml',
      'file big.zip!big.eml',
      'sample big.zip!small.eml',
      'file big.zip!small.eml',
      'file big.zip',
    ]);
    assert.deepEqual(samples(events)[0]?.bytes, big);
    const raw = readFileSync(path);
    assert.deepEqual(events.at(-1), {
      type: 'file',
      locator: 'big.zip',
      depth: 0,
      size: raw.length,
      sha256: sha256(raw),
    });
  });
});

describe('ZIP bombs and damaged archives', () => {
  it('stops an entry over the compression ratio while inflating; the other entries go on', async () => {
    const path = writeZip('ratio.zip', [
      { name: 'packed.eml', data: eml('packed', 'spam '.repeat(20_000)) },
      { name: 'normal.eml', data: eml('normal') },
    ]);
    const events = await collect(path, {
      unwrapForwards: false,
      limits: { maxCompressionRatio: 5, ratioGraceBytes: 1000 },
    });
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason, e.size, e.sha256]),
      [['ratio.zip!packed.eml', 'compression ratio over 5:1 (maxCompressionRatio)', null, null]],
    );
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['ratio.zip!normal.eml'],
    );
    assert.equal(events.at(-1)?.type === 'file' && events.at(-1)?.locator, 'ratio.zip');
  });

  it('stops a real bomb (64 MiB of zeros in 64 KiB) under the default limits, and keeps a real compressible spam', async () => {
    const rows = Array.from(
      { length: 20_000 },
      (_, i) => `<tr><td>Replica watch #${(i * 7919) % 100_003}</td><td>$${(i * 37) % 997}.99</td></tr>\n`,
    );
    const htmlSpam = `From: shop@spam.example\nSubject: catalogue\nContent-Type: text/html\n\n<table>\n${rows.join('')}</table>\n`;
    const path = writeZip('bomb.zip', [
      { name: 'zeros.eml', data: Buffer.concat([Buffer.from('Subject: zeros\n\n'), Buffer.alloc(64 * 1024 * 1024)]) },
      { name: 'catalogue.eml', data: htmlSpam },
    ]);
    const events = await collect(path);
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason]),
      [['bomb.zip!zeros.eml', 'compression ratio over 200:1 (maxCompressionRatio)']],
    );
    assert.equal(samples(events)[0]?.bytes.toString(), htmlSpam);
  });

  it('stops at maxArchiveTotalBytes: the entry and the archive are rejected, what came before stays', async () => {
    const body = 'x'.repeat(400);
    const path = writeZip('total.zip', [
      { name: '1.eml', data: eml('1', body) },
      { name: '2.eml', data: eml('2', body) },
      { name: '3.eml', data: eml('3', body) },
    ]);
    const events = await collect(path, { unwrapForwards: false, limits: { maxArchiveTotalBytes: 1000 } });
    const raw = readFileSync(path);
    assert.deepEqual(outline(events), [
      'sample total.zip!1.eml',
      'file total.zip!1.eml',
      'sample total.zip!2.eml',
      'file total.zip!2.eml',
      'rejected total.zip!3.eml',
      'rejected total.zip',
      'file total.zip',
    ]);
    assert.deepEqual(
      rejections(events).map((e) => [e.reason, e.size, e.sha256]),
      [
        ['archive content over 1000 bytes (maxArchiveTotalBytes)', null, null],
        ['archive content over 1000 bytes (maxArchiveTotalBytes)', raw.length, sha256(raw)],
      ],
    );
  });

  it("stops at maxArchiveEntries, counting nested archives' entries too", async () => {
    const inner = buildZip([
      { name: 'i1.eml', data: eml('i1') },
      { name: 'i2.eml', data: eml('i2') },
    ]);
    const path = writeZip('entries.zip', [
      { name: '1.eml', data: eml('1') },
      { name: 'inner.zip', data: inner },
      { name: '3.eml', data: eml('3') },
    ]);
    const events = await collect(path, { unwrapForwards: false, limits: { maxArchiveEntries: 3 } });
    assert.deepEqual(outline(events), [
      'sample entries.zip!1.eml',
      'file entries.zip!1.eml',
      'sample entries.zip!inner.zip!i1.eml',
      'file entries.zip!inner.zip!i1.eml',
      'rejected entries.zip!inner.zip',
      'file entries.zip!inner.zip', // read completely before the limit was hit
      'rejected entries.zip',
      'file entries.zip',
    ]);
    assert.deepEqual(
      [...new Set(rejections(events).map((e) => e.reason))],
      ['more than 3 archive entries (maxArchiveEntries)'],
    );
  });

  it('rejects an encrypted entry (made by Info-ZIP with -P) and reads the other', async () => {
    const events = await collect(join(FIXTURES, 'encrypted-entry.zip'));
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason]),
      [['encrypted-entry.zip!secret.eml', 'encrypted archive entry']],
    );
    assert.deepEqual(
      samples(events).map((e) => [e.locator, e.bytes.toString()]),
      [['encrypted-entry.zip!open.eml', 'Subject: open\n\nvisible spam\n']],
    );
  });

  it('rejects a truncated ZIP without crashing, and still records the file', async () => {
    const dir = tempDir();
    const raw = readFileSync(join(FIXTURES, 'mail-export.zip'));
    const truncated = raw.subarray(0, Math.floor(raw.length / 2));
    writeFileSync(join(dir, 'truncated.zip'), truncated);
    writeFileSync(join(dir, 'garbage.zip'), Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(500)]));
    writeFileSync(join(dir, 'z.eml'), eml('after'));
    const events = await collect(dir);
    assert.deepEqual(outline(events), [
      'rejected garbage.zip',
      'file garbage.zip',
      'rejected truncated.zip',
      'file truncated.zip',
      'sample z.eml',
      'file z.eml',
    ]);
    for (const rejection of rejections(events)) assert.match(rejection.reason, /^corrupt ZIP archive: /);
    assert.equal(rejections(events)[1]?.sha256, sha256(truncated));
  });

  it('rejects members whose data does not match their header (CRC, size, deflate stream)', async () => {
    const badDeflate = buildZip([{ name: 'x.eml', data: eml('x') }]);
    const dataStart = 30 + 'x.eml'.length;
    badDeflate.fill(0xff, dataStart, dataStart + 4);
    const dir = tempDir();
    writeFileSync(
      join(dir, 'a.zip'),
      buildZip([
        { name: 'crc.eml', data: eml('crc'), headerCrc32: 12345 },
        { name: 'size.eml', data: eml('size'), headerUncompressedSize: 10 },
        { name: 'fine.eml', data: eml('fine') },
      ]),
    );
    writeFileSync(join(dir, 'b.zip'), badDeflate);
    const events = await collect(dir);
    assert.deepEqual(
      rejections(events).map((e) => e.locator),
      ['a.zip!crc.eml', 'a.zip!size.eml', 'b.zip!x.eml'],
    );
    assert.equal(rejections(events)[0]?.reason, 'corrupt archive entry: CRC-32 mismatch');
    for (const rejection of rejections(events)) assert.match(rejection.reason, /^corrupt archive entry: /);
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['a.zip!fine.eml'],
    );
  });

  it('stops a gzip bomb inside a ZIP by ratio; the member, read completely, is still recorded', async () => {
    const path = writeZip('gz.zip', [
      {
        name: 'bomb.mbox.gz',
        data: gzipSync(Buffer.concat([Buffer.from('From a@b Mon\n\n'), Buffer.alloc(8 * 1024 * 1024)])),
        method: 'store',
      },
      { name: 'ok.eml', data: eml('ok') },
    ]);
    const events = await collect(path);
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason]),
      [['gz.zip!bomb.mbox.gz', 'compression ratio over 200:1 (maxCompressionRatio)']],
    );
    assert.deepEqual(outline(events).slice(0, 2), ['rejected gz.zip!bomb.mbox.gz', 'file gz.zip!bomb.mbox.gz']);
    assert.deepEqual(
      samples(events).map((e) => e.locator),
      ['gz.zip!ok.eml'],
    );
  });
});
