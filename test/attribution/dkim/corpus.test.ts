/**
 * DKIM verification over the real SpamAssassin corpus (2002-2003 mail): every message gets a
 * clear result with an empty key snapshot and none throws; and real spam, with its LF line
 * endings, 8-bit bytes and broken MIME, verifies once signed in the test and fails once altered.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parseKeySnapshot } from '../../../server/attribution/dkim/key-snapshot.ts';
import { dkimSummary, verifyDkim } from '../../../server/attribution/dkim/verify.ts';
import { splitHeaderSection } from '../../../server/mail/headers/index.ts';
import { CORPUS_GROUPS, corpusFiles, stripMboxFromLine } from '../../mail/headers/load-samples.ts';
import { sign, testKey, zoneLine } from './signing.ts';

const AT = new Date('2026-11-02T00:00:00Z');
const empty = parseKeySnapshot('', 'empty.txt');

test('every SpamAssassin corpus message gets a clear result with an empty snapshot (no-key for each signature, none when unsigned)', async () => {
  const counts = new Map<string, number>();
  let messages = 0;
  let signatureFields = 0;
  for (const group of CORPUS_GROUPS) {
    for (const file of corpusFiles(group)) {
      const raw = stripMboxFromLine(fs.readFileSync(file));
      const fields = splitHeaderSection(raw).fields.filter(
        (f) => f.key === 'dkim-signature' || f.key === 'domainkey-signature',
      ).length;
      const results = await verifyDkim(raw, empty, { at: AT });
      messages += 1;
      signatureFields += fields;
      if (fields === 0)
        assert.deepEqual(
          results.map((r) => r.result),
          ['none'],
          file,
        );
      else {
        assert.equal(results.length, fields, file);
        for (const r of results)
          assert.ok(
            r.result === 'no-key' || r.result === 'fail' || r.result === 'not-verified',
            `${file}: ${r.result} ${r.reason}`,
          );
      }
      const s = dkimSummary(results).result;
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
  }
  assert.equal(messages, 6046);
  // The corpus predates DomainKeys (2004) and DKIM (2007): none of its 6,046 messages is signed.
  assert.equal(signatureFields, 0);
  assert.deepEqual([...counts], [['none', 6046]]);
});

test('real corpus spam signed in the test verifies (rsa relaxed, rsa simple, ed25519) and fails once its body is altered', async () => {
  const rsa = testKey('rsa1024');
  const ed = testKey('ed25519');
  const snapshot = parseKeySnapshot(
    [zoneLine('r._domainkey.spam.example', rsa), zoneLine('e._domainkey.spam.example', ed)].join('\n'),
    'keys.txt',
  );
  const files = [...corpusFiles('spam-1').slice(0, 40), ...corpusFiles('spam-2').slice(0, 40)];
  const variants = [
    { selector: 'r', key: rsa, canonicalization: 'relaxed/relaxed' },
    { selector: 'r', key: rsa, canonicalization: 'simple/simple' },
    { selector: 'e', key: ed, canonicalization: 'relaxed/simple' },
  ];
  const tally = { pass: 0, failAltered: 0 };
  for (const [i, file] of files.entries()) {
    const raw = stripMboxFromLine(fs.readFileSync(file));
    const signed = await sign(raw, { domain: 'spam.example', ...variants[i % variants.length]! });
    const ok = await verifyDkim(signed, snapshot, { at: AT });
    assert.equal(ok.length, 1);
    assert.equal(ok[0]!.result, 'pass', `${file}: ${ok[0]!.reason}`);
    tally.pass += 1;
    const { bodyOffset } = splitHeaderSection(signed);
    const altered = Buffer.concat([
      signed.subarray(0, bodyOffset),
      Buffer.from('Limited offer!\n'),
      signed.subarray(bodyOffset),
    ]);
    const bad = await verifyDkim(altered, snapshot, { at: AT });
    assert.equal(bad[0]!.result, 'fail', `${file}: ${bad[0]!.reason}`);
    assert.match(bad[0]!.reason, /body hash did not verify/);
    tally.failAltered += 1;
  }
  assert.deepEqual(tally, { pass: 80, failAltered: 80 });
});
