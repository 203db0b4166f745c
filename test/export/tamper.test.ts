/**
 * Tampering with a bundle makes verify fail and name the cause: one byte of any member changed
 * (raw in the ZIP, and re-zipped with valid CRCs), a member deleted, a member added, the custody
 * log reordered, the certificate swapped (signature redone with another key).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { exportBundle, type ExportResult } from '../../server/export/bundle.ts';
import { verifyBundle, type VerifyResult } from '../../server/export/verify.ts';
import { signDetached } from '../../server/signing/cms.ts';
import { loadSigner } from '../../server/signing/keys.ts';
import { readCentralDirectory } from '../../server/export/zip-reader.ts';
import { createTestEnv, tempDir } from '../helpers/databases.ts';
import { ingestedCase, readMembers, trialKeys, writeMembers } from './helpers.ts';

let bundle: ExportResult;
let keys: { cert: string; key: string };
const work = tempDir('spamcase-tamper-');
let n = 0;

before(async () => {
  const { env, cleanup } = await createTestEnv('sqlite');
  try {
    await ingestedCase(env.ctx, 'tamper', 40, 9);
    keys = trialKeys();
    bundle = await exportBundle(env.ctx, 'tamper', {
      out: path.join(work, 'original.zip'),
      signing: keys,
      organization: 'Test Org',
    });
  } finally {
    await cleanup();
  }
});

function rewritten(
  change: (members: Array<{ name: string; data: Buffer }>) => Array<{ name: string; data: Buffer }>,
): string {
  const file = path.join(work, `t${n++}.zip`);
  writeMembers(file, change(readMembers(bundle.file)));
  return file;
}

const rel = (name: string) => name.slice(name.indexOf('/') + 1);

function failsOn(r: VerifyResult, file: string, pattern: RegExp): void {
  assert.equal(r.ok, false);
  assert.ok(
    r.problems.some((p) => p.file === file && pattern.test(p.problem)),
    `expected a problem on ${file} matching ${pattern}, got ${JSON.stringify(r.problems, null, 1)}`,
  );
}

test('the untouched bundle verifies against its certificate', async () => {
  const r = await verifyBundle(bundle.file, { cert: keys.cert });
  assert.deepEqual(r.problems, []);
});

test('one byte changed inside the ZIP file is caught by CRC, for every kind of member', async () => {
  const fd = fs.openSync(bundle.file, 'r');
  const { members } = readCentralDirectory(fd);
  fs.closeSync(fd);
  const picks = [
    members.find((m) => rel(m.name).startsWith('data/items/'))!,
    ...[
      'data/items.csv',
      'data/custody.jsonl',
      'manifest-sha256.txt',
      'bag-info.txt',
      'tagmanifest-sha256.txt.p7s',
    ].map((f) => members.find((m) => rel(m.name) === f)!),
  ];
  for (const m of picks) {
    const file = path.join(work, `t${n++}.zip`);
    fs.copyFileSync(bundle.file, file);
    const at = m.localOffset + 30 + Buffer.byteLength(m.name) + Math.floor(m.size / 2);
    const b = Buffer.alloc(1);
    const w = fs.openSync(file, 'r+');
    fs.readSync(w, b, 0, 1, at);
    b[0] = b[0]! ^ 0x01;
    fs.writeSync(w, b, 0, 1, at);
    fs.closeSync(w);
    failsOn(await verifyBundle(file, { cert: keys.cert }), rel(m.name), /CRC-32/);
  }
});

test('one byte changed and re-zipped with valid CRCs: the manifests and items.csv name the file', async () => {
  const item = rewritten((ms) =>
    ms.map((m) =>
      rel(m.name).startsWith('data/items/LPN-0000002_')
        ? { ...m, data: Buffer.concat([m.data.subarray(0, 10), Buffer.from([m.data[10]! ^ 1]), m.data.subarray(11)]) }
        : m,
    ),
  );
  const r = await verifyBundle(item, { cert: keys.cert });
  const name = r.problems.find((p) => p.file.startsWith('data/items/LPN-0000002_'))!.file;
  failsOn(r, name, /does not match manifest-sha256.txt \(file altered\)/);
  failsOn(r, name, /items.csv \(LPN-0000002\) gives SHA-256/);

  const tag = rewritten((ms) =>
    ms.map((m) =>
      rel(m.name) === 'bag-info.txt'
        ? { ...m, data: Buffer.from(m.data.toString().replace('Test Org', 'Test Orh')) }
        : m,
    ),
  );
  failsOn(await verifyBundle(tag, { cert: keys.cert }), 'bag-info.txt', /does not match tagmanifest/);

  const manifest = rewritten((ms) =>
    ms.map((m) =>
      rel(m.name) === 'tagmanifest-sha256.txt'
        ? { ...m, data: Buffer.from(m.data.toString().replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))) }
        : m,
    ),
  );
  failsOn(
    await verifyBundle(manifest, { cert: keys.cert }),
    'tagmanifest-sha256.txt.p7s',
    /message digest does not match the content/,
  );
});

test('a member deleted or added is named', async () => {
  const deleted = rewritten((ms) => ms.filter((m) => !rel(m.name).startsWith('data/items/LPN-0000003_')));
  const r = await verifyBundle(deleted, { cert: keys.cert });
  assert.ok(
    r.problems.some(
      (p) => p.file.startsWith('data/items/LPN-0000003_') && /missing from the bundle \(file deleted\)/.test(p.problem),
    ),
    JSON.stringify(r.problems),
  );
  failsOn(r, 'bag-info.txt', /Payload-Oxum/);
  failsOn(r, 'data/items.csv', /row LPN-0000003 names/);

  const top = bundle.identifier;
  const added = rewritten((ms) => [
    ...ms,
    { name: `${top}/data/items/extra.eml`, data: Buffer.from('From: x@y\r\n\r\nplanted\r\n') },
  ]);
  const a = await verifyBundle(added, { cert: keys.cert });
  failsOn(a, 'data/items/extra.eml', /not listed in manifest-sha256.txt \(file added\)/);
  failsOn(a, 'data/items/extra.eml', /no row in items.csv/);
  const tagAdded = rewritten((ms) => [...ms, { name: `${top}/notes.txt`, data: Buffer.from('hello') }]);
  failsOn(await verifyBundle(tagAdded, { cert: keys.cert }), 'notes.txt', /not covered by tagmanifest/);
  const outside = rewritten((ms) => [...ms, { name: 'other/readme.txt', data: Buffer.from('hello') }]);
  failsOn(await verifyBundle(outside, { cert: keys.cert }), '(bag)', /one top-level folder/);
});

test('a member stored twice is named, for an item and for a tag file', async () => {
  const twice = rewritten((ms) => {
    const item = ms.find((m) => rel(m.name).startsWith('data/items/LPN-0000004_'))!;
    const info = ms.find((m) => rel(m.name) === 'bag-info.txt')!;
    return [...ms, { ...item }, { ...info }];
  });
  const r = await verifyBundle(twice, { cert: keys.cert });
  const item = r.problems.find((p) => p.file.startsWith('data/items/LPN-0000004_'));
  assert.ok(item, JSON.stringify(r.problems));
  failsOn(r, item.file, /appears twice in the ZIP/);
  failsOn(r, 'bag-info.txt', /appears twice in the ZIP/);
});

test('the custody log reordered is named as a broken chain', async () => {
  const file = rewritten((ms) =>
    ms.map((m) => {
      if (rel(m.name) !== 'data/custody.jsonl') return m;
      const lines = m.data.toString().trim().split('\n');
      [lines[1], lines[2]] = [lines[2]!, lines[1]!];
      return { ...m, data: Buffer.from(`${lines.join('\n')}\n`) };
    }),
  );
  const r = await verifyBundle(file, { cert: keys.cert });
  failsOn(r, 'data/custody.jsonl', /expected sequence number 2/);
  failsOn(r, 'data/custody.jsonl', /prev_hash does not match/);
  failsOn(r, 'data/custody.jsonl', /SHA-256 does not match manifest-sha256.txt/);
});

test('the certificate swapped: a signature by another key is refused', async () => {
  const other = trialKeys('Mallory');
  const signer = loadSigner(other);
  // Only the signature replaced: it no longer matches signer-cert.pem in the bag.
  const sigOnly = rewritten((ms) => {
    const tm = ms.find((m) => rel(m.name) === 'tagmanifest-sha256.txt')!.data;
    return ms.map((m) => (rel(m.name) === 'tagmanifest-sha256.txt.p7s' ? { ...m, data: signDetached(tm, signer) } : m));
  });
  failsOn(await verifyBundle(sigOnly), 'signer-cert.pem', /certificate swapped/);
  // A CSV edited and everything redone consistently with the other key (manifest, Payload-Oxum, the signer
  // fingerprint in bag-info, tag manifest, certificate, signature): only what the verifier trusts tells.
  const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
  const certPem = fs.readFileSync(other.cert);
  const otherPrint = new crypto.X509Certificate(certPem).fingerprint256;
  const ourPrint = new crypto.X509Certificate(fs.readFileSync(keys.cert)).fingerprint256;
  const resign = (editBagInfo: boolean) =>
    rewritten((ms) => {
      const forged = Buffer.from('forged@example.com,example.com,1,1,1,LPN-0000001\r\n');
      let out = ms.map((m) => {
        const name = rel(m.name);
        if (name === 'data/accounts.csv') return { ...m, data: Buffer.concat([m.data, forged]) };
        if (name === 'signer-cert.pem') return { ...m, data: certPem };
        return m;
      });
      const accounts = out.find((m) => rel(m.name) === 'data/accounts.csv')!.data;
      const manifestOld = out.find((m) => rel(m.name) === 'manifest-sha256.txt')!.data.toString();
      const manifest = Buffer.from(manifestOld.replace(/^[0-9a-f]{64}(?= {2}data\/accounts\.csv$)/m, sha(accounts)));
      const bagInfoOld = out.find((m) => rel(m.name) === 'bag-info.txt')!.data.toString();
      let bagInfo = bagInfoOld.replace(
        /^Payload-Oxum: (\d+)\.(\d+)$/m,
        (_all, bytes: string, files: string) => `Payload-Oxum: ${Number(bytes) + forged.length}.${files}`,
      );
      if (editBagInfo) bagInfo = bagInfo.replace(ourPrint, otherPrint);
      const tmOld = out.find((m) => rel(m.name) === 'tagmanifest-sha256.txt')!.data.toString();
      const tm = Buffer.from(
        tmOld
          .replace(/^[0-9a-f]{64}(?= {2}signer-cert\.pem$)/m, sha(certPem))
          .replace(/^[0-9a-f]{64}(?= {2}manifest-sha256\.txt$)/m, sha(manifest))
          .replace(/^[0-9a-f]{64}(?= {2}bag-info\.txt$)/m, sha(Buffer.from(bagInfo))),
      );
      out = out.map((m) => {
        const name = rel(m.name);
        if (name === 'manifest-sha256.txt') return { ...m, data: manifest };
        if (name === 'bag-info.txt') return { ...m, data: Buffer.from(bagInfo) };
        if (name === 'tagmanifest-sha256.txt') return { ...m, data: tm };
        if (name === 'tagmanifest-sha256.txt.p7s') return { ...m, data: signDetached(tm, signer) };
        return m;
      });
      return out;
    });
  const redone = resign(true);
  const untrusted = await verifyBundle(redone);
  assert.equal(untrusted.ok, true, 'without a trusted certificate the re-signed bundle is consistent');
  assert.equal(untrusted.status, 'intact-signer-not-established', 'but it is never called verified');
  assert.equal(untrusted.signerEstablishedBy, null);
  assert.ok(untrusted.warnings.some((w) => /signer not established/.test(w)));
  failsOn(
    await verifyBundle(redone, { cert: keys.cert }),
    'tagmanifest-sha256.txt.p7s',
    /not by the trusted certificate/,
  );
  failsOn(
    await verifyBundle(redone, { fingerprint: ourPrint.replace(/:/g, '').toLowerCase() }),
    'tagmanifest-sha256.txt.p7s',
    new RegExp(`whose SHA-256 fingerprint is ${otherPrint}, not the pinned ${ourPrint}`),
  );
  const store = path.join(work, 'trusted.pem');
  fs.writeFileSync(store, Buffer.concat([fs.readFileSync(trialKeys('Someone else').cert), fs.readFileSync(keys.cert)]));
  failsOn(await verifyBundle(redone, { trustStore: store }), 'tagmanifest-sha256.txt.p7s', /not in the trust store/);
  // The original passes each way of establishing its signer.
  for (const how of [{ cert: keys.cert }, { fingerprint: ourPrint }, { trustStore: store }]) {
    const r = await verifyBundle(bundle.file, how);
    assert.equal(r.status, 'verified', JSON.stringify(how));
  }
  // Re-signed without editing bag-info: the fingerprint it names is not the signer's.
  failsOn(await verifyBundle(resign(false)), 'bag-info.txt', /names the signer fingerprint/);
  await assert.rejects(verifyBundle(bundle.file, { fingerprint: 'abc' }), /is not a SHA-256 fingerprint/);
  // The signature file removed: the bundle is not signed.
  const unsigned = rewritten((ms) => ms.filter((m) => rel(m.name) !== 'tagmanifest-sha256.txt.p7s'));
  failsOn(await verifyBundle(unsigned, { cert: keys.cert }), 'tagmanifest-sha256.txt.p7s', /not signed/);
});

test('a file that is not a ZIP, or a cut-short ZIP, is named as such', async () => {
  const notZip = path.join(work, 'not.zip');
  fs.writeFileSync(notZip, 'hello');
  const r = await verifyBundle(notZip);
  failsOn(r, '(zip)', /not a ZIP file/);
  const cut = path.join(work, 'cut.zip');
  fs.writeFileSync(cut, fs.readFileSync(bundle.file).subarray(0, 5000));
  failsOn(await verifyBundle(cut), '(zip)', /not a ZIP file/);
});
