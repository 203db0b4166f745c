import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { parseForDisplay, sanitizeForDisplay } from '../../server/web/message-body.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { corpusFiles, stripMboxFromLine } from '../mail/headers/load-samples.ts';
import { Client, makeUser, withServer } from './client.ts';
import { test } from 'node:test';

const HOSTILE = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'web', 'hostile-html.eml'));

test('the sanitizer removes scripts, handlers, meta refresh, base, forms, frames, svg and link targets; images only on request', async () => {
  const shown = await parseForDisplay(HOSTILE);
  assert.ok(shown.html);
  for (const remoteImages of [false, true]) {
    const out = sanitizeForDisplay(shown.html!, { remoteImages });
    assert.doesNotMatch(out, /<script|onload|onerror|<meta|<base|<form|<input|<iframe|<svg|javascript:|<style/i);
    assert.doesNotMatch(out, /href=/i, 'links cannot navigate');
    assert.match(out, /Congratulations!/);
    assert.match(out, /title="http:\/\/spam\.example\/claim"/, 'the link target stays visible as a tooltip');
    if (remoteImages) assert.match(out, /<img src="http:\/\/images\.spam\.example\/track\.gif\?id=123"/);
    else assert.doesNotMatch(out, /images\.spam\.example/);
  }
  assert.deepEqual(
    shown.attachments.map((a) => [a.filename, a.size]),
    [
      ['invoice.exe', 32],
      ['<script>alert(1)</script>.html', 38],
    ],
  );
});

test('sanitizing real spam HTML is measured on the SpamAssassin corpus and stays bounded per message', async () => {
  const htmls: string[] = [];
  for (const f of corpusFiles('spam-2').slice(0, 400)) {
    const shown = await parseForDisplay(stripMboxFromLine(fs.readFileSync(f)));
    if (shown.html) htmls.push(shown.html);
  }
  assert.ok(htmls.length > 100);
  const t0 = performance.now();
  for (const h of htmls) sanitizeForDisplay(h, { remoteImages: false });
  const perMessage = (performance.now() - t0) / htmls.length;
  process.stdout.write(`sanitize-html: ${htmls.length} real spam HTML bodies, ${perMessage.toFixed(2)} ms each\n`);
  assert.ok(perMessage < 50, `sanitizing took ${perMessage} ms per message`);
});

storageTest(
  'the message page shows Bates, hashes, provenance, headers and text; HTML only on demand, in a sandbox, under its own CSP; downloads are attachments',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await createCase(ctx, {
      slug: 'mv',
      title: 'Message view',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'hostile.eml'), HOSTILE);
    fs.mkdirSync(path.join(dir, 'again'));
    fs.writeFileSync(path.join(dir, 'again', 'copy.eml'), HOSTILE);
    await ingest(ctx, { caseSlug: 'mv', method: 'trap', paths: [dir], threaded: false });
    const sha = (await ctx.db.knex('items').first('sha256')) as { sha256: string };
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      const pageRes = await c.page('/cases/mv/items/LPN-0000001');
      assert.equal(pageRes.status, 200);
      const html = pageRes.html;
      assert.match(html, new RegExp(sha.sha256));
      assert.match(html, /copy\.eml/, 'every sample is listed');
      assert.match(html, /hostile\.eml/);
      assert.match(html, /You have WON - claim now/);
      assert.match(html, /Visit http:\/\/spam\.example\/claim/, 'text body shown');
      assert.doesNotMatch(html, /<iframe/, 'no HTML until asked');
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;\.html/, 'attachment names are escaped');
      assert.doesNotMatch(html, /<script>alert/);

      const shown = await c.page('/cases/mv/items/LPN-0000001?html=1');
      const iframe = /<iframe[^>]*>/.exec(shown.html)![0];
      assert.match(iframe, /sandbox=""/);
      assert.doesNotMatch(iframe, /allow-scripts|allow-same-origin/);

      const body = await c.get('/cases/mv/items/LPN-0000001/body.html');
      assert.equal(body.status, 200);
      const csp = body.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /img-src data:;/);
      assert.match(csp, /sandbox/);
      assert.match(csp, /frame-ancestors 'self'/);
      const text = await body.text();
      assert.doesNotMatch(text, /<script|onload=|onerror=|http-equiv|<form/i);
      const withImages = await c.get('/cases/mv/items/LPN-0000001/body.html?images=1');
      assert.match(withImages.headers.get('content-security-policy') ?? '', /img-src data: https: http:/);

      for (const [url, name] of [
        ['/cases/mv/items/LPN-0000001/raw', 'LPN-0000001.eml'],
        ['/cases/mv/items/LPN-0000001/attachments/1', '_script_alert(1)__script_.html'],
      ] as const) {
        const res = await c.get(url);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'application/octet-stream');
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.match(
          res.headers.get('content-disposition') ?? '',
          new RegExp(`^attachment; filename="${name.replace(/[()]/g, '\\$&')}"`),
        );
        if (url.endsWith('/raw'))
          assert.ok(
            Buffer.from(await res.arrayBuffer()).equals(HOSTILE),
            'the raw download is byte for byte the evidence',
          );
      }
      assert.equal((await c.get('/cases/mv/items/LPN-0000001/attachments/9')).status, 404);
      assert.equal((await c.get('/cases/mv/items/LPN-9999999')).status, 404);
      assert.equal((await c.get('/cases/mv/items/not-a-bates')).status, 404);
    });
  },
);
