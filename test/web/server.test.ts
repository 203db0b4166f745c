import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { Client, makeUser, withServer } from './client.ts';

storageTest(
  'the server lists cases and serves the report as JSON to a signed-in user; titles are escaped',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await createCase(ctx, {
      slug: 'web',
      title: '<script>alert(1)</script> v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'a.eml'),
      'From: x1@hotmail.com\r\nTo: a@laposte.net\r\nMessage-ID: <1@x>\r\nSubject: hi\r\n\r\nbody\r\n',
    );
    await ingest(ctx, { caseSlug: 'web', method: 'trap', paths: [dir], threaded: false });
    await withServer(ctx, async (server) => {
      const anonymous = await fetch(new URL('/api/cases', server.url));
      assert.equal(anonymous.status, 401);
      const c = new Client(server.url);
      await c.signIn('ada');
      const page = await c.page('/');
      assert.equal(page.status, 200);
      assert.ok(!page.html.includes('<script>alert(1)</script>'), 'title must be escaped');
      assert.ok(page.html.includes('&lt;script&gt;alert(1)&lt;/script&gt; v. Doe'));

      const cases = (await (await c.get('/api/cases')).json()) as Array<{ case: string }>;
      assert.deepEqual(
        cases.map((x) => x.case),
        ['web'],
      );
      const report = (await (await c.get('/api/cases/web/report')).json()) as { samples: number; deliveries: number };
      assert.equal(report.samples, 1);
      assert.equal(report.deliveries, 1);

      const missing = await c.get('/api/cases/nope/report');
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'CASE_NOT_FOUND');
      assert.equal((await c.get('/nothing-here')).status, 404);
      assert.deepEqual(await (await c.get('/healthz')).json(), { ok: true });
    });
  },
);

storageTest('pages follow the user language setting, else the browser Accept-Language', async ({ ctx }) => {
  await makeUser(ctx, 'ada', 'admin');
  await withServer(ctx, async (server) => {
    const fr = await fetch(new URL('/login', server.url), {
      headers: { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' },
    });
    assert.match(await fr.text(), /<html lang="fr">[\s\S]*Connexion/);
    const c = new Client(server.url);
    await c.signIn('ada');
    assert.match((await c.page('/')).html, /<h1>Cases<\/h1>/);
    assert.equal((await c.post('/settings/language', { lang: 'fr', back: '/' })).status, 303);
    assert.match((await c.page('/')).html, /<h1>Affaires<\/h1>/);
  });
});
