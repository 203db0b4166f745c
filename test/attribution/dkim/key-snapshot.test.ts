/**
 * The key snapshot file legal staff supply: both forms read the same records, the file's SHA-256
 * is of its exact bytes, and every problem is named by its line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  loadKeySnapshot,
  lookupKey,
  MAX_KEY_SNAPSHOT_BYTES,
  parseKeySnapshot,
} from '../../../server/attribution/dkim/key-snapshot.ts';
import { isSpamcaseError } from '../../../server/errors.ts';
import { tempDir } from '../../helpers/databases.ts';
import { testKey } from './signing.ts';

const rsa = testKey('rsa2048');
const ed = testKey('ed25519');
const half = Math.floor(rsa.p.length / 2);

const ZONE = [
  '; DKIM keys captured 2005-12-01 with dig +noall +answer',
  '$TTL 3600',
  `s1._domainkey.Example.COM. 3600 IN TXT "v=DKIM1; k=rsa; " "p=${rsa.p.slice(0, half)}" "${rsa.p.slice(half)}"`,
  `s2._domainkey.example.net.  IN  TXT ( "v=DKIM1; k=ed25519; "   ; the key follows`,
  `        "p=${ed.p}" )`,
  'mta._domainkey.example.org 300 CNAME s1._domainkey.example.com.',
  's3._domainkey.example.com. IN TXT "v=DKIM1\\; k=rsa; p="',
  '',
].join('\n');

function problemsOf(text: string): string[] {
  try {
    parseKeySnapshot(text, 'keys.txt');
  } catch (err) {
    assert.ok(isSpamcaseError(err, 'INVALID_INPUT'), String(err));
    return (err.details as { problems: string[] }).problems;
  }
  assert.fail('expected the snapshot to be refused');
}

test('the zone-file form: multi-string and parenthesized TXT records concatenated, names lowercased, CNAMEs kept', () => {
  const snap = parseKeySnapshot(ZONE, 'keys.txt');
  assert.deepEqual(
    [...snap.records.keys()],
    [
      's1._domainkey.example.com',
      's2._domainkey.example.net',
      'mta._domainkey.example.org',
      's3._domainkey.example.com',
    ],
  );
  const s1 = lookupKey(snap, 's1._domainkey.example.com');
  assert.ok(s1.found);
  assert.equal(s1.record.txt, `v=DKIM1; k=rsa; p=${rsa.p}`);
  assert.equal(s1.record.line, 3);
  assert.equal(s1.record.facts.fingerprint, rsa.fingerprint);
  assert.equal(s1.record.facts.bits, 2048);
  const s2 = lookupKey(snap, 'S2._domainkey.example.net.');
  assert.ok(s2.found);
  assert.equal(s2.record.facts.fingerprint, ed.fingerprint);
  assert.equal(s2.record.line, 4);
  const viaCname = lookupKey(snap, 'mta._domainkey.example.org');
  assert.ok(viaCname.found);
  assert.deepEqual(viaCname.via, ['mta._domainkey.example.org']);
  assert.equal(viaCname.record.name, 's1._domainkey.example.com');
  const revoked = lookupKey(snap, 's3._domainkey.example.com');
  assert.ok(revoked.found && revoked.record.facts.revoked, 'escaped ";" inside a string and an empty p=');
  assert.equal(revoked.record.txt, 'v=DKIM1; k=rsa; p=');
  assert.deepEqual(snap.warnings, []);
  assert.equal(lookupKey(snap, 'x._domainkey.example.com').found, false);
});

test('the key fingerprint is what openssl prints for the key (SubjectPublicKeyInfo DER, SHA-256)', () => {
  const dir = tempDir('spamcase-keys-');
  const snap = parseKeySnapshot(ZONE, 'keys.txt');
  for (const name of ['s1._domainkey.example.com', 's2._domainkey.example.net']) {
    const found = lookupKey(snap, name);
    assert.ok(found.found);
    const pem = path.join(dir, `${name}.pem`);
    const p = /p=([A-Za-z0-9+/=]+)/.exec(found.record.txt)![1]!;
    const der = Buffer.from(p, 'base64');
    // DNS publishes an RSA key as SubjectPublicKeyInfo and an ed25519 key bare (RFC 8463); openssl reads both as PEM.
    const spki = der.length === 32 ? Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), der]) : der;
    fs.writeFileSync(
      pem,
      `-----BEGIN PUBLIC KEY-----\n${spki
        .toString('base64')
        .match(/.{1,64}/g)!
        .join('\n')}\n-----END PUBLIC KEY-----\n`,
    );
    const out = spawnSync('openssl', ['pkey', '-pubin', '-in', pem, '-outform', 'DER']);
    assert.equal(out.status, 0, out.stderr.toString());
    assert.equal(found.record.facts.fingerprint, crypto.createHash('sha256').update(out.stdout).digest('hex'), name);
  }
});

test('the JSON form reads the same records as the zone-file form', () => {
  const json = JSON.stringify(
    {
      records: [
        { name: 's1._domainkey.example.com.', txt: ['v=DKIM1; k=rsa; ', `p=${rsa.p}`], note: 'captured 2005-12-01' },
        { name: 's2._domainkey.example.net', txt: `v=DKIM1; k=ed25519; p=${ed.p}` },
        { name: 'mta._domainkey.example.org', cname: 's1._domainkey.example.com' },
        { name: 's3._domainkey.example.com', txt: 'v=DKIM1; k=rsa; p=' },
      ],
    },
    null,
    2,
  );
  const fromJson = parseKeySnapshot(json, 'keys.json');
  const fromZone = parseKeySnapshot(ZONE, 'keys.txt');
  const strip = (s: typeof fromJson) =>
    [...s.records.values()].map((r) => (r.kind === 'txt' ? [r.name, r.txt, r.facts] : [r.name, r.target]));
  assert.deepEqual(strip(fromJson), strip(fromZone));
  const s2Line = json.split('\n').findIndex((l) => l.includes('"s2._domainkey.example.net"')) + 1;
  const s2 = lookupKey(fromJson, 's2._domainkey.example.net');
  assert.equal(s2.found && s2.record.line, s2Line, 'a JSON record is placed at the line of its name');
});

test('zone-file problems are all listed, each naming its line', () => {
  const problems = problemsOf(
    [
      `s1._domainkey.example.com. IN TXT "v=DKIM1; p=${rsa.p}"`,
      's2._domainkey.example.com. IN TXT "v=DKIM1; p=unterminated',
      's3._domainkey.example.com. IN A 192.0.2.1',
      '$ORIGIN example.com.',
      'bad_name!.example.com. IN TXT "x"',
      `s1._domainkey.example.com. IN TXT "v=DKIM1; p=${ed.p}"`,
      's4._domainkey.example.com. CH TXT "v=DKIM1; p="',
      's5._domainkey.example.com. IN',
      's6._domainkey.example.com. IN TXT ( "v=DKIM1;"',
    ].join('\n'),
  );
  assert.deepEqual(problems, [
    'line 2: a quoted string is not closed on its line',
    'line 9: "(" is never closed',
    'line 3: s3._domainkey.example.com: only TXT and CNAME records belong in a key snapshot (got A)',
    'line 4: $ORIGIN is not supported: write every owner name in full (selector._domainkey.example.com.)',
    'line 5: "bad_name!.example.com." is not a DNS name (a record starts with its full owner name, e.g. s1._domainkey.example.com.)',
    'line 6: s1._domainkey.example.com already has a different record on line 1 (a snapshot holds one record per name)',
    'line 7: class CH is not IN',
    'line 8: s5._domainkey.example.com: the record type (TXT or CNAME) is missing',
  ]);
});

test('JSON problems name the record and its line; a JSON syntax error names its line', () => {
  const text = [
    '{ "records": [',
    '  { "name": "s1._domainkey.example.com", "txt": "v=DKIM1; p=" },',
    '  { "name": "bad name", "txt": "v=DKIM1; p=" },',
    '  { "name": "s2._domainkey.example.com", "txt": 42, "ttl": 5 }',
    '] }',
  ].join('\n');
  assert.deepEqual(problemsOf(text), [
    'line 3: records[1]: "name" must be a DNS name such as s1._domainkey.example.com (got "bad name")',
    'line 4: records[2]: unknown field(s) ttl (allowed: name, txt or cname, note)',
  ]);
  const broken = problemsOf('{ "records": [\n  { "name": "a" }\n  { "name": "b" }\n] }');
  assert.equal(broken.length, 1);
  assert.match(broken[0]!, /^line 3: not valid JSON/);
  assert.deepEqual(problemsOf('{"keys": []}'), [
    'line 1: the JSON form is {"records": [{"name": ..., "txt": ...}, ...]} or that array alone',
  ]);
});

test('records that hold no usable key are kept as captured, with a warning naming the line', () => {
  const snap = parseKeySnapshot(
    [
      'a._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=bm90IGEga2V5"',
      'b._domainkey.example.com. IN TXT "v=DKIM1; k=dsa; p=bm90IGEga2V5"',
      'c._domainkey.example.com. IN TXT "hello world"',
      'd._domainkey.example.com. IN TXT "v=DKIM2; p=bm90IGEga2V5"',
      `e._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p=${rsa.p}"`,
      'f._domainkey.example.com. IN CNAME elsewhere.example.net.',
    ].join('\n'),
    'k.txt',
  );
  assert.deepEqual(snap.warnings, [
    'line 1: a._domainkey.example.com: p= does not hold an rsa public key (kept as captured; signatures under this key will fail)',
    'line 2: b._domainkey.example.com: unknown key type k=dsa (kept as captured; signatures under this key will fail)',
    'line 3: c._domainkey.example.com: not a tag=value list near "hello world" (kept as captured; signatures under this key will fail)',
    'line 4: d._domainkey.example.com: unknown key version v=DKIM2 (kept as captured; signatures under this key will fail)',
    'line 5: e._domainkey.example.com: p= holds an rsa key but k=ed25519 (kept as captured; signatures under this key will fail)',
    'line 6: f._domainkey.example.com points to elsewhere.example.net, which the snapshot does not hold (signatures under it get no-key)',
  ]);
});

test('loadKeySnapshot hashes the exact file bytes; unreadable, binary and oversized files are refused clearly', () => {
  const dir = tempDir('spamcase-keys-');
  const file = path.join(dir, 'keys.txt');
  fs.writeFileSync(file, ZONE.replace(/\n/g, '\r\n'));
  const snap = loadKeySnapshot(file);
  assert.equal(snap.sha256, crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  assert.equal(snap.source, 'keys.txt');
  assert.equal(snap.records.size, 4);
  assert.throws(
    () => loadKeySnapshot(path.join(dir, 'missing.txt')),
    (err) =>
      isSpamcaseError(err, 'INPUT_UNREADABLE') && /cannot read key snapshot .*missing\.txt: ENOENT/.test(err.message),
  );
  fs.writeFileSync(path.join(dir, 'bin.txt'), Buffer.from([0x73, 0x00, 0x31]));
  assert.throws(
    () => loadKeySnapshot(path.join(dir, 'bin.txt')),
    (err) => isSpamcaseError(err, 'INVALID_INPUT') && /not text/.test(err.message),
  );
  const big = path.join(dir, 'big.txt');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, MAX_KEY_SNAPSHOT_BYTES + 1);
  assert.throws(
    () => loadKeySnapshot(big),
    (err) => isSpamcaseError(err, 'LIMIT_EXCEEDED'),
  );
});
