/**
 * RFC 3161 timestamps against a real TSA: a local HTTP handler on 127.0.0.1 runs `openssl ts
 * -reply` with a TSA certificate made here by openssl. The token in the bundle verifies with
 * `openssl ts -verify` and with spamcase verify; a TSA that fails makes the export fail and leave
 * no file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { exportBundle } from '../../server/export/bundle.ts';
import { verifyBundle } from '../../server/export/verify.ts';
import { signDetached } from '../../server/signing/cms.ts';
import { loadSigner } from '../../server/signing/keys.ts';
import { createTestEnv, tempDir, type TestEnv } from '../helpers/databases.ts';
import { ingestedCase, readMembers, run, trialKeys, unzipTo, writeMembers } from './helpers.ts';

const exec = promisify(execFile);
const tsaDir = tempDir('spamcase-tsa-');
let server: http.Server;
let tsaUrl = '';
let env: TestEnv;
let cleanup: () => Promise<void>;

before(async () => {
  const cert = path.join(tsaDir, 'tsa.pem');
  const key = path.join(tsaDir, 'tsa.key');
  const made = run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '30',
    '-subj',
    '/CN=Test TSA',
    '-addext',
    'extendedKeyUsage=critical,timeStamping',
    '-addext',
    'keyUsage=critical,digitalSignature,nonRepudiation',
  ]);
  assert.equal(made.code, 0, made.stderr);
  fs.writeFileSync(path.join(tsaDir, 'serial'), '01\n');
  fs.writeFileSync(
    path.join(tsaDir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `serial = ${tsaDir}/serial`,
      'crypto_device = builtin',
      `signer_cert = ${cert}`,
      `signer_key = ${key}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  let n = 0;
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const q = path.join(tsaDir, `q${n}.tsq`);
      const r = path.join(tsaDir, `r${n++}.tsr`);
      fs.writeFileSync(q, Buffer.concat(chunks));
      exec('openssl', ['ts', '-reply', '-config', path.join(tsaDir, 'tsa.cnf'), '-queryfile', q, '-out', r]).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
          res.end(fs.readFileSync(r));
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tsaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  ({ env, cleanup } = await createTestEnv('sqlite'));
  await ingestedCase(env.ctx, 'stamped', 30, 12);
});

after(async () => {
  server.close();
  await cleanup();
});

test('a timestamped bundle verifies with openssl ts -verify and with spamcase verify; an altered token fails', async () => {
  const keys = trialKeys();
  const out = path.join(tempDir('spamcase-ts-out-'), 'stamped.zip');
  const r = await exportBundle(env.ctx, 'stamped', { out, signing: keys, organization: 'Test Org', tsaUrl });
  assert.ok(r.timestamp);
  const bag = unzipTo(out);
  const v = run(
    'openssl',
    [
      'ts',
      '-verify',
      '-in',
      'tagmanifest-sha256.txt.p7s.tsr',
      '-data',
      'tagmanifest-sha256.txt.p7s',
      '-CAfile',
      path.join(tsaDir, 'tsa.pem'),
    ],
    { cwd: bag },
  );
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /Verification: OK/);
  const checked = await verifyBundle(out, { cert: keys.cert, tsaCert: path.join(tsaDir, 'tsa.pem') });
  assert.deepEqual(checked.problems, []);
  assert.match(checked.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(Date.parse(checked.timestamp!) - Date.now()) < 5 * 60_000);

  // Another TSA certificate is not trusted.
  const other = trialKeys('Not a TSA');
  const wrongTsa = await verifyBundle(out, { cert: keys.cert, tsaCert: other.cert });
  assert.ok(
    wrongTsa.problems.some(
      (p) => p.file === 'tagmanifest-sha256.txt.p7s.tsr' && /not by the trusted TSA certificate/.test(p.problem),
    ),
    JSON.stringify(wrongTsa.problems),
  );

  // The token altered: its TSA signature no longer verifies (openssl agrees).
  const members = readMembers(out);
  const tsr = members.find((m) => m.name.endsWith('.p7s.tsr'))!;
  const p7s = members.find((m) => m.name.endsWith('.p7s'))!;
  const tsrBytes = Buffer.from(tsr.data);
  tsrBytes[tsrBytes.length - 5] = tsrBytes[tsrBytes.length - 5]! ^ 0xff; // inside the TSA's signature value
  const t1 = path.join(tempDir('spamcase-ts-t1-'), 't1.zip');
  writeMembers(
    t1,
    members.map((m) => (m === tsr ? { ...m, data: tsrBytes } : m)),
  );
  const bad = await verifyBundle(t1, { cert: keys.cert, tsaCert: path.join(tsaDir, 'tsa.pem') });
  assert.ok(
    bad.problems.some(
      (p) => p.file === 'tagmanifest-sha256.txt.p7s.tsr' && /signature value does not verify/.test(p.problem),
    ),
    JSON.stringify(bad.problems),
  );
  assert.notEqual(
    run('openssl', [
      'ts',
      '-verify',
      '-in',
      writeTemp(tsrBytes),
      '-data',
      writeTemp(p7s.data),
      '-CAfile',
      path.join(tsaDir, 'tsa.pem'),
    ]).code,
    0,
    'openssl agrees the token is bad',
  );

  // The signature replaced after timestamping: the token's imprint no longer matches it.
  const t2 = path.join(tempDir('spamcase-ts-t2-'), 't2.zip');
  writeMembers(
    t2,
    members.map((m) =>
      m === p7s ? { ...m, data: signDetached(Buffer.from('another tag manifest\n'), loadSigner(keys)) } : m,
    ),
  );
  const swapped = await verifyBundle(t2, { cert: keys.cert, tsaCert: path.join(tsaDir, 'tsa.pem') });
  assert.ok(
    swapped.problems.some(
      (p) => p.file === 'tagmanifest-sha256.txt.p7s.tsr' && /imprint does not match/.test(p.problem),
    ),
    JSON.stringify(swapped.problems),
  );
});

function writeTemp(data: Buffer): string {
  const f = path.join(tempDir('spamcase-ts-f-'), 'f');
  fs.writeFileSync(f, data);
  return f;
}

test('a timestamp authority that fails makes the export fail and leave no file', async () => {
  const keys = trialKeys();
  const dir = tempDir('spamcase-ts-fail-');
  const dead = http.createServer((_req, res) => {
    res.writeHead(503);
    res.end('down');
  });
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/`;
  await assert.rejects(
    exportBundle(env.ctx, 'stamped', {
      out: path.join(dir, 'x.zip'),
      signing: keys,
      organization: 'Test Org',
      tsaUrl: url,
    }),
    /did not give a timestamp: HTTP 503/,
  );
  dead.close();
  assert.deepEqual(fs.readdirSync(dir), []);
});
