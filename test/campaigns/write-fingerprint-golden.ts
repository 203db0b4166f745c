/**
 * `node --import tsx test/campaigns/write-fingerprint-golden.ts`: rewrites
 * test/fixtures/campaigns/spamassassin-fingerprints.json from the current code. Run it only when a
 * change of the campaign fingerprint is meant (a normalization rule added or changed), and say in
 * the commit which messages moved and why; fingerprint-golden.test.ts then pins the new bytes.
 * Not a test file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeSample } from '../../server/ingest/analyze.ts';
import { CORPUS_GROUPS, corpusFiles, stripMboxFromLine } from '../mail/headers/load-samples.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '..', 'fixtures', 'campaigns');

function fingerprintHex(bytes: Buffer): string | null {
  const a = analyzeSample(bytes, null);
  const fp = a.kind === 'email' ? a.campaignFingerprint : undefined;
  if (fp === undefined) throw new Error('no fingerprint computed');
  return fp ? Buffer.from(fp).toString('hex') : null;
}

const groups: Record<string, { files: number; sha256: string }> = {};
const messages: Record<string, string | null> = {};
let changed = 0;
const before = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'spamassassin-fingerprints.json'), 'utf8')) as {
  messages: Record<string, string | null>;
};
for (const group of CORPUS_GROUPS) {
  const h = crypto.createHash('sha256');
  const files = corpusFiles(group);
  files.forEach((f, i) => {
    const hex = fingerprintHex(stripMboxFromLine(fs.readFileSync(f)));
    h.update(`${path.basename(f)}\t${hex ?? '-'}\n`);
    if (i % 10 === 0) messages[`${group}/${path.basename(f)}`] = hex;
  });
  groups[group] = { files: files.length, sha256: h.digest('hex') };
}
for (const name of fs.readdirSync(path.join(FIXTURES, 'crafted')).sort())
  messages[`crafted/${name}`] = fingerprintHex(fs.readFileSync(path.join(FIXTURES, 'crafted', name)));
for (const [k, v] of Object.entries(messages)) if (before.messages[k] !== v) changed += 1;
fs.writeFileSync(
  path.join(FIXTURES, 'spamassassin-fingerprints.json'),
  `${JSON.stringify({ groups, messages }, null, 1)}\n`,
);
process.stdout.write(`wrote ${Object.keys(messages).length} fingerprints; ${changed} of them changed\n`);
