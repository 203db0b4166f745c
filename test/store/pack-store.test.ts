import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PackWriter, listSegments, packDir, readBlob, scanSegment, sha256Hex } from '../../server/store/pack-store.ts';
import { tempDir } from '../helpers/databases.ts';

const eml = (n: number) => Buffer.from(`From: a${n}@hotmail.com\nSubject: offer ${n}\n\nbody ${n}\n`);

test('blobs read back byte for byte after flush, and a blob queued twice in a batch is stored once', () => {
  const dir = tempDir();
  const w = new PackWriter(dir);
  const a = eml(1);
  const b = Buffer.from([0, 255, 10, 13, 0x46, 0x72, 0x6f, 0x6d, 0x20]); // NUL, 8-bit, CR, "From "
  const la = w.append(sha256Hex(a), a);
  const la2 = w.append(sha256Hex(a), a);
  const lb = w.append(sha256Hex(b), b);
  w.close();
  assert.deepEqual(la2, la);
  assert.deepEqual(readBlob(dir, la), a);
  assert.deepEqual(readBlob(dir, lb), b);
  const seen: string[] = [];
  const scan = scanSegment(dir, la.pack, (r) => {
    assert.equal(r.actualSha256, r.declaredSha256);
    seen.push(r.actualSha256);
  });
  assert.equal(scan.problem, null);
  assert.deepEqual(seen, [sha256Hex(a), sha256Hex(b)]);
});

test('a closed segment is read-only and a new writer never reopens it', () => {
  const dir = tempDir();
  const w1 = new PackWriter(dir);
  const l1 = w1.append(sha256Hex(eml(1)), eml(1));
  w1.close();
  const mode = fs.statSync(path.join(packDir(dir), l1.pack)).mode & 0o777;
  assert.equal(mode, 0o444);
  const before = fs.readFileSync(path.join(packDir(dir), l1.pack));
  const w2 = new PackWriter(dir);
  const l2 = w2.append(sha256Hex(eml(2)), eml(2));
  w2.close();
  assert.notEqual(l2.pack, l1.pack);
  assert.deepEqual(fs.readFileSync(path.join(packDir(dir), l1.pack)), before);
  assert.deepEqual(listSegments(dir), [l1.pack, l2.pack]);
});

test('discarding an unflushed batch leaves no trace and later offsets stay right', () => {
  const dir = tempDir();
  const w = new PackWriter(dir);
  w.append(sha256Hex(eml(1)), eml(1));
  w.flush();
  w.append(sha256Hex(eml(2)), eml(2));
  w.discard();
  const l3 = w.append(sha256Hex(eml(3)), eml(3));
  w.close();
  assert.deepEqual(readBlob(dir, l3), eml(3));
  let records = 0;
  scanSegment(dir, l3.pack, () => records++);
  assert.equal(records, 2);
});

test('scanning detects a cut-short record and altered bytes', () => {
  const dir = tempDir();
  const w = new PackWriter(dir);
  const a = eml(1);
  const la = w.append(sha256Hex(a), a);
  w.close();
  const file = path.join(packDir(dir), la.pack);
  fs.chmodSync(file, 0o644);
  const bytes = fs.readFileSync(file);
  bytes[la.offset] = bytes[la.offset]! ^ 0x20; // flip one bit of the evidence
  fs.writeFileSync(
    file,
    Buffer.concat([
      bytes,
      Buffer.from(`SPAMCASE-BLOB sha256=${crypto.randomBytes(32).toString('hex')} size=100\nshort`),
    ]),
  );
  const hashes: Array<[string, string]> = [];
  const scan = scanSegment(dir, la.pack, (r) => hashes.push([r.declaredSha256, r.actualSha256]));
  assert.equal(hashes.length, 1);
  assert.notEqual(hashes[0]![0], hashes[0]![1]);
  assert.match(scan.problem ?? '', /cut short/);
  assert.ok(scan.trailingBytes > 0);
});
