/**
 * The web verify page takes the organization's certificate or a pinned fingerprint (issue 22 item
 * 7): a bundle signed by another organization fails on its own (this server trusts its own signing
 * certificate), is verified with that organization's certificate or fingerprint, and fails with the
 * wrong fingerprint; the uploaded certificate is not left on the server.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { caseDir } from '../../server/context.ts';
import { buildBundle } from '../../server/usecases/exports.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { ingestedCase, trialKeys } from '../export/helpers.ts';
import { Client, makeUser, withServer } from './client.ts';

function form(csrf: string, files: Array<[string, string, Buffer]>, fields: Record<string, string> = {}) {
  const b = '----spamcaseVerifyTrust';
  const parts: Buffer[] = [Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`)];
  for (const [name, value] of Object.entries(fields))
    parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  for (const [field, name, bytes] of files)
    parts.push(
      Buffer.from(
        `--${b}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      bytes,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}

storageTest("verify by upload takes the organization's certificate or its fingerprint", async ({ ctx }) => {
  await makeUser(ctx, 'ada', 'admin');
  await ingestedCase(ctx, 'trust', 20, 3);
  const theirs = trialKeys('Other Org');
  const out = path.join(tempDir(), 'theirs.zip');
  await buildBundle(
    ctx,
    { caseSlug: 'trust', out, lang: 'en' },
    { signing: theirs, organization: 'Other Org', tsaUrl: null },
  );
  const zip = fs.readFileSync(out);
  const theirCert = fs.readFileSync(theirs.cert);
  const theirPrint = new crypto.X509Certificate(theirCert).fingerprint256;
  const ours = trialKeys('Test Org');
  const ourPrint = new crypto.X509Certificate(fs.readFileSync(ours.cert)).fingerprint256;

  await withServer(
    ctx,
    async (server) => {
      const admin = new Client(server.url);
      await admin.signIn('ada');
      const page = (await admin.page('/cases/trust/exports')).html;
      assert.match(page, /name="cert"/);
      assert.match(page, /name="fingerprint"/);
      const verify = async (files: Array<[string, string, Buffer]>, fields: Record<string, string> = {}) => {
        const res = await admin.request('POST', '/cases/trust/exports/verify', form(admin.csrf!, files, fields));
        assert.equal(res.status, 200);
        return /<h2 id="ver-title">([^<]*)</.exec(await res.text())![1]!;
      };
      assert.equal(await verify([['bundle', 'b.zip', zip]]), 'b.zip: verification FAILED');
      assert.equal(
        await verify([
          ['bundle', 'b.zip', zip],
          ['cert', 'other-org.pem', theirCert],
        ]),
        'b.zip: verified',
      );
      assert.equal(await verify([['bundle', 'b.zip', zip]], { fingerprint: theirPrint }), 'b.zip: verified');
      assert.equal(await verify([['bundle', 'b.zip', zip]], { fingerprint: ourPrint }), 'b.zip: verification FAILED');
      const left = fs.readdirSync(path.join(caseDir(ctx, 'trust'), 'verify'));
      assert.deepEqual(left, [], 'neither the bundle nor the certificate stays on the server');
    },
    { exportConfig: { signing: ours, organization: 'Test Org', tsaUrl: null } },
  );
});
