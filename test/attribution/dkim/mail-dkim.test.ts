/**
 * An outside reader: Perl's Mail::DKIM (Debian libmail-dkim-perl 1.20230212, what SpamAssassin
 * uses) verifies the RSA signatures of the differential set with the same key snapshot (its DNS
 * lookups answered from a key file by mail-dkim/verify.pl, never the network) and the same
 * harvest time. Pass/fail must agree; every disagreement must fall in one of the categories
 * docs/DKIM.md lists, and outside the three policy categories (where Mail::DKIM applies rules
 * RFC 6376 / RFC 8301 do not) agreement must be at least 99%. ed25519 signatures are left out:
 * Mail::DKIM 1.20230212 does not implement RFC 8463.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lookupKey } from '../../../server/attribution/dkim/key-snapshot.ts';
import { verifyDkim } from '../../../server/attribution/dkim/verify.ts';
import { tempDir } from '../../helpers/databases.ts';
import { differentialSet, type PinnedKeys } from './differential/cases.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const oracle = JSON.parse(fs.readFileSync(path.join(here, 'differential', 'oracle.json'), 'utf8')) as {
  keys: PinnedKeys;
};

interface PerlSignature {
  kind: 'dkim' | 'domainkeys' | 'error';
  result: string;
  detail: string;
  algorithm?: string;
}

/** A header line that neither opens a field nor continues one (RFC 5322 section 2.2). */
function hasStrayHeaderLine(raw: Buffer): boolean {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const lines = (end < 0 ? text : text.slice(0, end)).split(/\r?\n/);
  return lines.some((l, i) => i > 0 && !/^[ \t]/.test(l) && !/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(l));
}

/** Why Mail::DKIM and spamcase disagree, for the disagreements docs/DKIM.md explains. */
function category(name: string, raw: Buffer, ours: string, oursReason: string, theirs: string): string | null {
  if (/^l=0 /.test(name) && ours === 'pass')
    return 'policy: l=0 read as "no limit" by Mail::DKIM (its body_count test is falsy for 0)';
  if (/^x= before t= /.test(name) && theirs === 'pass') return 'policy: x= before t= not checked by Mail::DKIM';
  if (/^rsa512 /.test(name) && theirs === 'pass')
    return 'policy: RSA key under 1024 bits accepted by Mail::DKIM (RFC 8301 forbids)';
  if (hasStrayHeaderLine(raw) && theirs === 'pass' && ours === 'fail')
    return 'reading: a stray header line is part of the field above for spamcase (and mailauth), ignored by Mail::DKIM';
  if (ours === 'fail' && theirs === 'pass' && /b= is not base64/.test(oursReason))
    return 'reading: a b= value holding a byte that is not base64 is malformed for spamcase (and mailauth), skipped over by Mail::DKIM';
  return null;
}

test('Mail::DKIM agrees with verifyDkim on pass/fail for the RSA signatures of the differential set', async () => {
  const probe = spawnSync('perl', ['-MMail::DKIM::Verifier', '-e', '1'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, `Mail::DKIM missing (apt-get install libmail-dkim-perl): ${probe.stderr}`);
  const set = await differentialSet(oracle.keys);
  const dir = tempDir('mail-dkim');
  const keys: Record<string, string> = {};
  for (const name of set.snapshots.main.records.keys()) {
    const found = lookupKey(set.snapshots.main, name);
    if (found.found) keys[name] = found.record.txt;
  }
  fs.writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(keys));
  const cases = set.cases.filter((c) => c.snapshot === 'main');
  const files = cases.map((c, i) => {
    const file = path.join(dir, `${i}.eml`);
    fs.writeFileSync(file, c.raw);
    return file;
  });
  fs.writeFileSync(path.join(dir, 'list'), files.join('\n') + '\n');
  const at = cases[0]!.at;
  assert.ok(cases.every((c) => c.at.getTime() === at.getTime()));
  const perl = spawnSync(
    'perl',
    [
      path.join(here, 'mail-dkim', 'verify.pl'),
      path.join(dir, 'keys.json'),
      String(at.getTime() / 1000),
      path.join(dir, 'list'),
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  assert.equal(perl.status, 0, perl.stderr.slice(0, 2000));
  const lines = perl.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file: string; signatures: PerlSignature[] });
  assert.equal(lines.length, cases.length);

  let compared = 0;
  let agree = 0;
  const categories = new Map<string, number>();
  const unexplained: string[] = [];
  for (const [i, c] of cases.entries()) {
    assert.equal(lines[i]!.file, files[i]);
    const ours = (await verifyDkim(c.raw, set.snapshots.main, { at: c.at })).filter(
      (v) => v.field === 'DKIM-Signature',
    );
    const theirs = lines[i]!.signatures.filter((s) => s.kind !== 'domainkeys');
    for (let k = 0; k < Math.max(ours.length, theirs.length); k++) {
      const a = ours[k];
      const b = theirs[k];
      if ((a?.algorithm ?? b?.algorithm ?? '').startsWith('ed25519')) continue;
      compared += 1;
      if ((a?.result === 'pass') === (b?.result === 'pass')) {
        agree += 1;
        continue;
      }
      const why = category(c.name, c.raw, a?.result ?? 'absent', a?.reason ?? '', b?.result ?? 'absent');
      if (why === null)
        unexplained.push(`${c.name}: ours ${a?.result} (${a?.reason}), Mail::DKIM ${b?.result} (${b?.detail})`);
      else categories.set(why, (categories.get(why) ?? 0) + 1);
    }
  }
  const policy = [...categories].filter(([k]) => k.startsWith('policy:')).reduce((n, [, v]) => n + v, 0);
  const summary = `${agree} of ${compared} RSA signatures agree (${((100 * agree) / compared).toFixed(2)}%); outside the policy categories ${agree} of ${compared - policy} (${((100 * agree) / (compared - policy)).toFixed(2)}%)`;
  console.log(summary);
  assert.deepEqual(unexplained, [], summary);
  assert.ok(agree / (compared - policy) >= 0.99, summary);
  assert.deepEqual(Object.fromEntries(categories), {
    'policy: l=0 read as "no limit" by Mail::DKIM (its body_count test is falsy for 0)': 14,
    'policy: x= before t= not checked by Mail::DKIM': 10,
    'policy: RSA key under 1024 bits accepted by Mail::DKIM (RFC 8301 forbids)': 10,
    'reading: a stray header line is part of the field above for spamcase (and mailauth), ignored by Mail::DKIM': 27,
    'reading: a b= value holding a byte that is not base64 is malformed for spamcase (and mailauth), skipped over by Mail::DKIM': 2,
  });
});
