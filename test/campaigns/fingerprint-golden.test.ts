/**
 * The campaign fingerprint is part of what a case stores: a change in its bytes moves messages
 * between campaigns. These fingerprints of the whole SpamAssassin corpus (6,046 real messages,
 * spam and ham; one SHA-256 per group over every file's fingerprint, and each tenth file's
 * fingerprint itself) and of crafted messages (upper case, non-ASCII case folding, HTML with
 * entities, comments, scripts and links, multipart/alternative, KOI8-R) were computed by the code
 * before the fingerprint's fast path was rewritten (issue 21) and committed; the ingest path
 * (analyzeSample) must still give exactly these bytes, with the body cache cold and warm.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyzeSample } from '../../server/ingest/analyze.ts';
import { CORPUS_GROUPS, corpusFiles, stripMboxFromLine } from '../mail/headers/load-samples.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '..', 'fixtures', 'campaigns');
const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'spamassassin-fingerprints.json'), 'utf8')) as {
  groups: Record<string, { files: number; sha256: string }>;
  messages: Record<string, string | null>;
};

function fingerprintHex(bytes: Buffer): string | null {
  const a = analyzeSample(bytes, null);
  assert.equal(a.kind, 'email');
  const fp = a.kind === 'email' ? a.campaignFingerprint : undefined;
  assert.notEqual(fp, undefined);
  return fp ? Buffer.from(fp).toString('hex') : null;
}

for (const group of CORPUS_GROUPS) {
  test(`campaign fingerprints of SpamAssassin ${group} are the committed bytes`, () => {
    const files = corpusFiles(group);
    assert.equal(files.length, golden.groups[group]!.files);
    // Twice: the second pass is served by the fingerprint's body cache where it can be.
    for (let pass = 0; pass < 2; pass++) {
      const h = crypto.createHash('sha256');
      files.forEach((f, i) => {
        const hex = fingerprintHex(stripMboxFromLine(fs.readFileSync(f)));
        h.update(`${path.basename(f)}\t${hex ?? '-'}\n`);
        if (i % 10 === 0) assert.equal(hex, golden.messages[`${group}/${path.basename(f)}`], `${group}/${f}`);
      });
      assert.equal(h.digest('hex'), golden.groups[group]!.sha256, `${group}, pass ${pass + 1}`);
    }
  });
}

test('campaign fingerprints of crafted messages (case folding, HTML, charsets) are the committed bytes', () => {
  const dir = path.join(FIXTURES, 'crafted');
  const names = fs.readdirSync(dir).sort();
  assert.ok(names.length >= 6);
  for (const name of names) {
    const hex = fingerprintHex(fs.readFileSync(path.join(dir, name)));
    assert.notEqual(hex, null, name);
    assert.equal(hex, golden.messages[`crafted/${name}`], name);
  }
});
