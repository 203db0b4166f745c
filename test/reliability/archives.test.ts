/**
 * Hostile archives beyond the sources tests (issue 9): a symbolic link stored as a member, names
 * that are not UTF-8, a central directory whose entries overlap one local header (the
 * "overlapping files" bomb), a member named twice, and a ZIP nested past the depth limit. Each is
 * refused with a clear reason or handled, and the archive's other members are still read.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readSource, type SourceEvent } from '../../server/ingest/sources/index.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { tempDir } from '../helpers/databases.ts';

const mail = (n: number) =>
  `From: bot${n}@hotmail.com\nTo: a@laposte.net\nMessage-ID: <arch-${n}@x>\nSubject: ${n}\n\nbody ${n}\n`;

async function events(zip: Buffer): Promise<SourceEvent[]> {
  const file = path.join(tempDir('spamcase-archives-'), 'a.zip');
  fs.writeFileSync(file, zip);
  const out: SourceEvent[] = [];
  for await (const e of readSource(file, { unwrapForwards: false })) out.push(e);
  return out;
}
const sampled = (es: SourceEvent[]) => es.filter((e) => e.type === 'sample').map((e) => e.locator);
const refused = (es: SourceEvent[]) =>
  es
    .filter((e): e is Extract<SourceEvent, { type: 'rejected' }> => e.type === 'rejected')
    .map((e) => `${e.locator}: ${e.reason}`);

test('a symbolic link stored in a ZIP is refused, never followed, and the rest is read', async () => {
  const es = await events(
    buildZip([
      { name: 'link.eml', data: '/etc/passwd', method: 'store', externalAttributes: (0o120777 << 16) >>> 0 },
      { name: 'ok.eml', data: mail(1) },
    ]),
  );
  assert.deepEqual(sampled(es), ['a.zip!ok.eml']);
  assert.equal(refused(es).length, 1);
  assert.equal(refused(es)[0], 'a.zip!link.eml: symbolic link in archive (not followed)');
});

test('names that are not UTF-8 get a readable, unique locator; the members are read', async () => {
  const es = await events(
    buildZip([
      { name: '', rawName: Buffer.from([0x82, 0xa0, 0x2e, 0x65, 0x6d, 0x6c]), data: mail(2) }, // Shift_JIS "あ.eml"
      { name: '', rawName: Buffer.from([0xe9, 0x74, 0xe9, 0x2e, 0x65, 0x6d, 0x6c]), data: mail(3) }, // CP437/latin-1 "été.eml"
    ]),
  );
  const locators = sampled(es);
  assert.equal(locators.length, 2);
  assert.equal(new Set(locators).size, 2);
  for (const l of locators) assert.ok(l.startsWith('a.zip!') && !l.includes('\u0000'), l);
});

test('central directory entries overlapping one local header (the overlapping-files bomb) are not read as many messages', async () => {
  const members = [
    { name: 'real.eml', data: mail(4) },
    ...Array.from({ length: 50 }, (_, i) => ({ name: `copy${i}.eml`, data: mail(4), offsetOf: 0 })),
  ];
  const es = await events(buildZip(members));
  // Either refused as a corrupt archive or each overlapping entry refused: never 51 samples of one local file.
  assert.ok(sampled(es).length <= 1, `${sampled(es).length} samples from one local header`);
  assert.ok(refused(es).length >= 1);
});

test('a member named twice is read twice under distinct locators', async () => {
  const es = await events(
    buildZip([
      { name: 'same.eml', data: mail(5) },
      { name: 'same.eml', data: mail(6) },
    ]),
  );
  assert.deepEqual(sampled(es), ['a.zip!same.eml', 'a.zip!same.eml[2]']);
});
