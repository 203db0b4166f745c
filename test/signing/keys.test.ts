/**
 * Signing keys: a trial certificate from `keys init` says what it is; world-readable keys are
 * refused; a PKCS#12 file and a certificate issued by an organization CA sign bundles that
 * `openssl cms -verify` accepts against the CA, and so does spamcase verify with --cert CA.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkSignedData, issuedByOrSame, signDetached } from '../../server/signing/cms.ts';
import { initTrialKeys, loadSigner, TRIAL_LABEL } from '../../server/signing/keys.ts';
import { tempDir } from '../helpers/databases.ts';
import { run } from '../export/helpers.ts';

test('keys init writes a labelled trial certificate, a 0600 key, and never overwrites', () => {
  const dir = tempDir('spamcase-keys-');
  // Even with a permissive umask the key is 0600.
  const umask = process.umask(0);
  try {
    const loose = { cert: path.join(dir, 'u', 'cert.pem'), key: path.join(dir, 'u', 'key.pem') };
    initTrialKeys(loose, 'Umask 0', new Date());
    assert.equal(fs.statSync(loose.key).mode & 0o777, 0o600);
  } finally {
    process.umask(umask);
  }
  const files = { cert: path.join(dir, 'k', 'cert.pem'), key: path.join(dir, 'k', 'key.pem') };
  const r = initTrialKeys(files, 'Laposte.net legal', new Date());
  assert.match(r.subject, new RegExp(TRIAL_LABEL.replace(/,/g, '\\\\?,')));
  assert.equal(fs.statSync(files.key).mode & 0o777, 0o600);
  const x = new crypto.X509Certificate(fs.readFileSync(files.cert));
  assert.equal(x.fingerprint256, r.fingerprint);
  assert.match(x.subject, /O=Laposte.net legal/);
  assert.throws(() => initTrialKeys(files, 'Again', new Date()), /already exists/);
  const text = run('openssl', ['x509', '-in', files.cert, '-noout', '-subject']);
  assert.match(text.stdout, /FOR TRYING SPAMCASE ONLY/);
});

test('a world-readable key, a missing key and a key of another certificate are refused', () => {
  const dir = tempDir('spamcase-keys-');
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  initTrialKeys(files, 'Org', new Date());
  for (const mode of [0o644, 0o604, 0o606, 0o666]) {
    fs.chmodSync(files.key, mode);
    assert.throws(
      () => loadSigner(files),
      (err: Error) =>
        err.message.includes(`signing key ${files.key} is readable by every user`) &&
        err.message.includes(`chmod 600 ${files.key}`),
      `mode ${mode.toString(8)}`,
    );
  }
  for (const mode of [0o620, 0o660]) {
    fs.chmodSync(files.key, mode);
    assert.throws(
      () => loadSigner(files),
      (err: Error) =>
        err.message.includes(`signing key ${files.key} can be replaced by its group`) &&
        err.message.includes(`chmod 600 ${files.key}`),
      `mode ${mode.toString(8)}`,
    );
  }
  fs.chmodSync(files.key, 0o640);
  assert.ok(loadSigner(files).certDer.length > 0, 'group-readable (a service group) is allowed');
  fs.chmodSync(files.key, 0o600);
  assert.ok(loadSigner(files).certDer.length > 0);
  assert.throws(
    () => loadSigner({ cert: files.cert, key: path.join(dir, 'nope.pem') }),
    /cannot read signing key .*ENOENT.*keys init/,
  );
  const other = { cert: path.join(dir, 'o-cert.pem'), key: path.join(dir, 'o-key.pem') };
  initTrialKeys(other, 'Other', new Date());
  assert.throws(() => loadSigner({ cert: files.cert, key: other.key }), /is not the key of/);
});

test('a certificate issued by an organization CA, from PEM and from PKCS#12, signs what openssl and spamcase accept against the CA', () => {
  const dir = tempDir('spamcase-ca-');
  const f = (n: string) => path.join(dir, n);
  const ok = (r: { code: number | null; stderr: string }) => assert.equal(r.code, 0, r.stderr);
  ok(
    run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
      '-days',
      '30',
      '-subj',
      '/CN=Org Root CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]),
  );
  ok(
    run('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('signer.key'),
      '-out',
      f('signer.csr'),
      '-subj',
      '/CN=Org Evidence Signing/O=Org',
    ]),
  );
  fs.writeFileSync(
    f('ext.cnf'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n',
  );
  ok(
    run('openssl', [
      'x509',
      '-req',
      '-in',
      f('signer.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('signer.pem'),
      '-days',
      '30',
      '-extfile',
      f('ext.cnf'),
    ]),
  );
  fs.chmodSync(f('signer.key'), 0o600);
  ok(
    run('openssl', [
      'pkcs12',
      '-export',
      '-in',
      f('signer.pem'),
      '-inkey',
      f('signer.key'),
      '-certfile',
      f('ca.pem'),
      '-out',
      f('signer.p12'),
      '-passout',
      'pass:s3cret',
    ]),
  );
  fs.chmodSync(f('signer.p12'), 0o600);
  const ca = new crypto.X509Certificate(fs.readFileSync(f('ca.pem')));
  const content = Buffer.from('0123abcd  bagit.txt\n');
  fs.writeFileSync(f('content'), content);
  for (const signer of [
    loadSigner({ cert: f('signer.pem'), key: f('signer.key') }),
    loadSigner({ p12: f('signer.p12'), password: 's3cret' }),
  ]) {
    const sig = signDetached(content, signer);
    fs.writeFileSync(f('sig.p7s'), sig);
    const v = run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      f('sig.p7s'),
      '-content',
      f('content'),
      '-CAfile',
      f('ca.pem'),
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    assert.equal(v.code, 0, v.stderr);
    const check = checkSignedData(sig, content);
    assert.deepEqual(check.problems, []);
    assert.equal(issuedByOrSame(check.signer!, ca, check.certificates), true);
    assert.match(check.signer!.subject, /Org Evidence Signing/);
    assert.deepEqual(checkSignedData(sig, Buffer.from('other content')).problems, [
      'the signed message digest does not match the content (content altered)',
    ]);
  }
  assert.throws(() => loadSigner({ p12: f('signer.p12'), password: 'wrong' }), /cannot open PKCS#12/);
  fs.chmodSync(f('signer.p12'), 0o644);
  assert.throws(
    () => loadSigner({ p12: f('signer.p12'), password: 's3cret' }),
    (err: Error) =>
      err.message.includes(`${f('signer.p12')} is readable by every user`) &&
      err.message.includes(`chmod 600 ${f('signer.p12')}`),
  );
  fs.chmodSync(f('signer.p12'), 0o660);
  assert.throws(
    () => loadSigner({ p12: f('signer.p12'), password: 's3cret' }),
    /can be replaced by its group.*chmod 600/,
  );
  fs.chmodSync(f('signer.p12'), 0o600);
  const stranger = new crypto.X509Certificate(fs.readFileSync(f('signer.pem')));
  assert.equal(issuedByOrSame(ca, stranger), false);
});
