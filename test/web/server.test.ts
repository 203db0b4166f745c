import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/ingest/ingest.ts';
import { startServer } from '../../server/web/server.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

storageTest('the server lists cases with their counts and serves the report as JSON; titles are escaped', async ({ ctx }) => {
  await createCase(ctx, { slug: 'web', title: '<script>alert(1)</script> v. Doe', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'a.eml'), 'From: x1@hotmail.com\r\nTo: a@laposte.net\r\nMessage-ID: <1@x>\r\nSubject: hi\r\n\r\nbody\r\n');
  await ingest(ctx, { caseSlug: 'web', method: 'trap', paths: [dir], threaded: false });
  const server = await startServer(ctx, { host: '127.0.0.1', port: 0 });
  try {
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const body = await page.text();
    assert.ok(!body.includes('<script>alert(1)</script>'), 'title must be escaped');
    assert.ok(body.includes('&#60;script&#62;alert(1)&#60;/script&#62; v. Doe'));

    const cases = (await (await fetch(new URL('/api/cases', server.url))).json()) as Array<{ case: string }>;
    assert.deepEqual(cases.map((c) => c.case), ['web']);
    const report = (await (await fetch(new URL('/api/cases/web/report', server.url))).json()) as { samples: number; deliveries: number };
    assert.equal(report.samples, 1);
    assert.equal(report.deliveries, 1);

    const missing = await fetch(new URL('/api/cases/nope/report', server.url));
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'CASE_NOT_FOUND');
    assert.equal((await fetch(new URL('/nothing-here', server.url))).status, 404);
  } finally {
    await server.close();
  }
});
