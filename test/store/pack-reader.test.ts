/**
 * PackReader, the one reader of pack segments (export, the item view, attribution, campaigns and
 * DKIM read through it): exact bytes into the caller's buffer, one open file per segment however
 * many items, and a STORE_CORRUPT error, never a stack trace or a read outside the store, for a
 * short, missing, altered or wrongly named segment.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isSpamcaseError } from '../../server/errors.ts';
import {
  PackReader,
  PackWriter,
  packDir,
  readBlob,
  readVerifiedBlob,
  sha256Hex,
  type BlobLocation,
} from '../../server/store/pack-store.ts';
import { tempDir } from '../helpers/databases.ts';

const eml = (n: number) =>
  Buffer.from(
    `Received: from [10.0.${n % 250}.7] by mx.laposte.net\r\nFrom: promo${n}@hotmail.com\r\n` +
      `Subject: offre ${n}\r\n\r\nbody ${n}\r\n`,
  );

/** Two segments of 25 messages each (a second writer never reopens the first segment). */
function twoSegments(dir: string): Array<{ bytes: Buffer; at: BlobLocation }> {
  const out: Array<{ bytes: Buffer; at: BlobLocation }> = [];
  for (const first of [0, 25]) {
    const w = new PackWriter(dir);
    for (let n = first; n < first + 25; n++) out.push({ bytes: eml(n), at: w.append(sha256Hex(eml(n)), eml(n)) });
    w.close();
  }
  return out;
}

const openFiles = () => fs.readdirSync('/proc/self/fd').length;

test('reads every blob exactly into slices of one batch buffer, one open file per segment', () => {
  const dir = tempDir();
  const blobs = twoSegments(dir);
  assert.equal(new Set(blobs.map((b) => b.at.pack)).size, 2);
  const before = openFiles();
  const reader = new PackReader(dir);
  const total = blobs.reduce((n, b) => n + b.at.size, 0);
  const batch = Buffer.alloc(total);
  let off = 0;
  for (const b of blobs) {
    reader.readInto(b.at, batch.subarray(off, off + b.at.size));
    off += b.at.size;
  }
  assert.deepEqual(batch, Buffer.concat(blobs.map((b) => b.bytes)));
  // Read again, in reverse: still only the two segments open.
  for (const b of [...blobs].reverse()) assert.deepEqual(reader.read(b.at), b.bytes);
  assert.equal(openFiles() - before, 2);
  reader.close();
  assert.equal(openFiles(), before);
  assert.deepEqual(readBlob(dir, blobs[30]!.at), blobs[30]!.bytes);
  assert.equal(openFiles(), before, 'readBlob closes what it opened');
});

test('readVerified returns the bytes that match their SHA-256 and names the item whose bytes changed', () => {
  const dir = tempDir();
  const [a, b] = twoSegments(dir);
  assert.deepEqual(readVerifiedBlob(dir, a!.at, sha256Hex(a!.bytes), 'LPN-000001'), a!.bytes);
  const file = path.join(packDir(dir), b!.at.pack);
  fs.chmodSync(file, 0o644);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.from('X'), 0, 1, b!.at.offset + 10); // one byte of the evidence
  fs.closeSync(fd);
  assert.throws(
    () => readVerifiedBlob(dir, b!.at, sha256Hex(b!.bytes), 'LPN-000002'),
    (err) => isSpamcaseError(err, 'STORE_CORRUPT') && /stored bytes of LPN-000002 do not match/.test(err.message),
  );
});

test('a cut-short, missing or wrongly named segment is STORE_CORRUPT, and nothing outside the store is read', () => {
  const dir = tempDir();
  const [a] = twoSegments(dir);
  const reader = new PackReader(dir);
  try {
    const file = path.join(packDir(dir), a!.at.pack);
    fs.chmodSync(file, 0o644);
    fs.truncateSync(file, a!.at.offset + 5); // an interrupted copy of the store
    assert.throws(
      () => reader.read(a!.at),
      (err) => isSpamcaseError(err, 'STORE_CORRUPT') && /ends before the blob at offset/.test(err.message),
    );
    assert.throws(
      () => reader.read({ ...a!.at, pack: 'pack-000099.pack' }),
      (err) => isSpamcaseError(err, 'STORE_CORRUPT') && /pack segment pack-000099\.pack is missing/.test(err.message),
    );
    // A tampered index naming a file outside the packs folder.
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'not evidence');
    for (const pack of ['../secret.txt', '/etc/passwd', 'pack-000001.pack/../../secret.txt']) {
      assert.throws(
        () => reader.read({ pack, offset: 0, size: 4 }),
        (err) => isSpamcaseError(err, 'STORE_CORRUPT') && /is not a pack segment name/.test(err.message),
      );
    }
  } finally {
    reader.close();
  }
});
