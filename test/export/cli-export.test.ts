/**
 * The bundle commands as a user runs them: keys init, export, verify (exit 0, or 3 naming what
 * fails), exports; verification is recorded on the case the bundle belongs to.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { readMembers, unzipTo, writeMembers } from './helpers.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function spamcase(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

storageTest(
  'spamcase keys init, export, verify and exports from the command line',
  async ({ env: e, dataRoot }) => {
    const corpus = path.join(tempDir('spamcase-cli-export-'), 'c');
    await generateCorpus({ out: corpus, messages: 30, seed: 31, layout: 'eml' });
    const env = { ...e, SPAMCASE_ORGANIZATION: 'Laposte.net legal' };
    assert.equal(spamcase(env, 'case', 'create', 'cli', '--title', 'CLI v. Doe', '--party', 'Laposte.net:LPN').code, 0);
    assert.equal(spamcase(env, 'ingest', '--case', 'cli', path.join(corpus, 'trap')).code, 0);

    const noKey = spamcase(env, 'export', '--case', 'cli', '--out', path.join(dataRoot, 'x.zip'));
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /keys init/);

    const init = spamcase(env, 'keys', 'init');
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /FOR TRYING SPAMCASE ONLY/);
    const cert = path.join(dataRoot, 'keys', 'signing-cert.pem');
    assert.equal(spamcase(env, 'keys', 'init').code, 1, 'never overwrites a key');

    const out = path.join(tempDir('spamcase-cli-bundle-'), 'cli.zip');
    const exported = spamcase(env, 'export', '--case', 'cli', '--out', out, '--json');
    assert.equal(exported.code, 0, exported.stderr);
    const r = JSON.parse(exported.stdout) as { sha256: string; identifier: string; items: number };
    assert.match(fs.readFileSync(out).subarray(0, 4).toString('latin1'), /^PK\x03\x04/);

    // The bundle holds the PDF summary, which names the bundle and the manifest hash a reader
    // recomputes with standard tools: grep -v ' data/summary.pdf$' manifest-sha256.txt | sha256sum.
    const bag = unzipTo(out);
    const pdfText = spawnSync('pdftotext', ['-layout', path.join(bag, 'data', 'summary.pdf'), '-'], {
      encoding: 'utf8',
    }).stdout.replace(/\s+/g, ' ');
    const manifest = fs.readFileSync(path.join(bag, 'manifest-sha256.txt'), 'utf8');
    const withoutSummary = manifest
      .split('\n')
      .filter((l) => l !== '' && !l.endsWith(' data/summary.pdf'))
      .map((l) => `${l}\n`)
      .join('');
    const recomputed = spawnSync('sha256sum', { input: withoutSummary, encoding: 'utf8' }).stdout.slice(0, 64);
    assert.ok(pdfText.includes(r.identifier), 'the PDF names the bundle');
    assert.ok(pdfText.includes(recomputed), 'the PDF states the manifest hash a reader recomputes');

    const ok = spamcase(env, 'verify', out, '--cert', cert);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /VERIFIED \(signer established by the given certificate\)/);

    // Without anything that says who must have signed, verify never says VERIFIED: its own exit code.
    const unpinned = spamcase(env, 'verify', out);
    assert.equal(unpinned.code, 4, unpinned.stdout + unpinned.stderr);
    assert.match(unpinned.stdout, /: contents intact, signer not established/);
    assert.doesNotMatch(unpinned.stdout, /VERIFIED/);
    assert.match(unpinned.stdout, /pass --cert/);
    // The fingerprint a court pins: in bag-info, on the PDF's cover, accepted by --fingerprint.
    const fingerprint = (JSON.parse(exported.stdout) as { signerFingerprint: string }).signerFingerprint;
    assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.match(
      fs.readFileSync(path.join(bag, 'bag-info.txt'), 'utf8'),
      new RegExp(`^Spamcase-Signer-SHA256-Fingerprint: ${fingerprint}$`, 'm'),
    );
    assert.ok(pdfText.includes(fingerprint.slice(0, 47)) && pdfText.includes(fingerprint.slice(48)), 'on the PDF');
    const pinned = spamcase(env, 'verify', out, '--fingerprint', fingerprint.replace(/:/g, ''));
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
    assert.match(pinned.stdout, /VERIFIED \(signer established by the given fingerprint\)/);
    const wrongPin = spamcase(env, 'verify', out, '--fingerprint', '00'.repeat(32));
    assert.equal(wrongPin.code, 3);
    assert.match(wrongPin.stdout, /not the pinned 00:00/);
    const byStore = spamcase({ ...env, SPAMCASE_TRUSTED_CERTS: cert }, 'verify', out);
    assert.equal(byStore.code, 0, byStore.stdout + byStore.stderr);
    assert.match(byStore.stdout, /VERIFIED \(signer established by the trust store\)/);
    // The CMS signature carries a signing time, as openssl reads it.
    const cms = spawnSync(
      'openssl',
      ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path.join(bag, 'tagmanifest-sha256.txt.p7s')],
      { encoding: 'utf8' },
    );
    assert.equal(cms.status, 0, cms.stderr);
    assert.match(cms.stdout, /signingTime/);
    assert.match(ok.stdout, /recorded as a custody event of case cli/);
    assert.match(ok.stdout, /trial \(self-signed\) certificate/);

    const bad = path.join(path.dirname(out), 'bad.zip');
    writeMembers(
      bad,
      readMembers(out).map((m) =>
        m.name.endsWith('data/accounts.csv')
          ? { ...m, data: Buffer.concat([m.data, Buffer.from('forged@example.com,example.com,1,1,1,LPN-0000001\r\n')]) }
          : m,
      ),
    );
    const failed = spamcase(env, 'verify', bad, '--cert', cert);
    assert.equal(failed.code, 3, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /FAILED/);
    assert.match(failed.stdout, /FAIL data\/accounts.csv: SHA-256 does not match manifest-sha256.txt/);
    assert.match(failed.stdout, /FAIL bag-info.txt: Payload-Oxum/);

    const listed = spamcase(env, 'exports', '--case', 'cli', '--json');
    assert.equal(listed.code, 0);
    const rows = JSON.parse(listed.stdout) as Array<{ sha256: string; identifier: string }>;
    assert.deepEqual(
      rows.map((x) => x.sha256),
      [r.sha256],
    );
    const report = spamcase(env, 'report', '--case', 'cli', '--json');
    assert.equal(report.code, 0);

    const help = spamcase(env, '--help');
    for (const c of ['export', 'verify', 'exports', 'keys init']) assert.match(help.stdout, new RegExp(`\\n  ${c} `));
  },
  { timeout: 300_000 },
);
