import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { caseReport } from '../../server/report/counts.ts';
import { storageTest } from '../helpers/databases.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { corpusFiles, stripMboxFromLine } from '../mail/headers/load-samples.ts';
import { Client, makeUser, multipart, withServer } from './client.ts';

storageTest(
  'an upload of several files (ZIP of real spam, .eml, gzip mbox, junk) is ingested in the background with counts, rejections listed, files removed',
  async ({ ctx }) => {
    await makeUser(ctx, 'edith', 'editor');
    await createCase(ctx, {
      slug: 'up',
      title: 'Up',
      parties: [
        { name: 'Laposte.net', batesPrefix: 'LPN' },
        { name: 'MSN', batesPrefix: 'MSN' },
      ],
    });
    const { addMember } = await import('../../server/cases/members.ts');
    const { getCase } = await import('../../server/cases/cases.ts');
    await addMember(ctx, await getCase(ctx.db.knex, 'up'), 'edith');
    const files = corpusFiles('spam-1');
    const zip = buildZip([
      ...files
        .slice(0, 60)
        .map((f) => ({ name: `spam/${path.basename(f)}.eml`, data: stripMboxFromLine(fs.readFileSync(f)) })),
      { name: 'spam/photo.jpg', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) },
    ]);
    const { gzipSync } = await import('node:zlib');
    // The corpus files are mbox entries already (each starts with its "From " line): 5 more, concatenated.
    const more = files
      .slice(60)
      .filter((f) => fs.readFileSync(f).subarray(0, 5).toString() === 'From ')
      .slice(0, 5);
    const mbox = gzipSync(Buffer.concat(more.map((f) => Buffer.concat([fs.readFileSync(f), Buffer.from('\n')]))));
    const eml = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'web', 'hostile-html.eml'));

    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('edith');
      await c.page('/cases/up/upload');
      const form = multipart(c.csrf!, { party: 'MSN', method: 'report' }, [
        { name: 'spam.zip', data: zip },
        { name: 'box.mbox.gz', data: mbox },
        { name: 'one.eml', data: eml },
      ]);
      const res = await c.request('POST', '/cases/up/uploads', {
        body: form.body,
        headers: { 'content-type': form.type, accept: 'application/json' },
      });
      assert.equal(res.status, 202);
      const { job, url } = (await res.json()) as { job: number; url: string };
      await server.web.jobs.idle();
      const status = (await (await c.get(`/api/cases/up/uploads/${job}`)).json()) as {
        status: string;
        samples: number;
        rejected: number;
        acquisitionIds: number[];
        rejections: Array<{ locator: string; reason: string }>;
        party: string;
      };
      assert.equal(status.status, 'done');
      assert.equal(status.party, 'MSN');
      assert.equal(status.acquisitionIds.length, 3, 'one acquisition per file');
      const report = await caseReport(ctx.db.knex, 'up');
      assert.equal(status.samples, report.samples);
      assert.equal(report.samples, 60 + 5 + 1);
      assert.equal(report.exactDuplicates, 0);
      assert.equal(status.rejected, 1);
      assert.match(status.rejections[0]!.locator, /photo\.jpg$/);
      assert.equal(report.parties.find((p) => p.name === 'MSN')!.samples, 66);
      const page = await c.page(url);
      assert.match(page.html, /photo\.jpg/);
      assert.match(page.html, /<script src="\/static\/progress\.js" defer><\/script>/);
      assert.deepEqual(
        fs.readdirSync(path.join(ctx.dataRoot, 'up', 'uploads')),
        [],
        'uploaded files are removed after ingest',
      );
      const methods = (await ctx.db.knex('acquisitions').pluck('method')) as string[];
      assert.deepEqual([...new Set(methods)], ['report']);
      const operators = (await ctx.db.knex('acquisitions').pluck('operator')) as string[];
      assert.deepEqual([...new Set(operators)], ['web:edith'], 'the acquisition names the person who uploaded');

      // Uploading the same files again counts nothing twice.
      await c.page('/cases/up/upload');
      const again = multipart(c.csrf!, { party: 'MSN', method: 'report' }, [{ name: 'spam.zip', data: zip }]);
      assert.equal(
        (await c.request('POST', '/cases/up/uploads', { body: again.body, headers: { 'content-type': again.type } }))
          .status,
        303,
      );
      await server.web.jobs.idle();
      assert.equal((await caseReport(ctx.db.knex, 'up')).items, report.items);
    });
  },
  { timeout: 300_000 },
);

storageTest(
  'upload limits: too large a file, too many files, a forbidden type are refused with 413/400 and leave nothing behind',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await createCase(ctx, { slug: 'lim', title: 'Limits', parties: [{ name: 'P', batesPrefix: 'P' }] });
    await withServer(
      ctx,
      async (server) => {
        const c = new Client(server.url);
        await c.signIn('ada');
        await c.page('/cases/lim/upload');
        const post = (files: Array<{ name: string; data: Buffer }>) => {
          const f = multipart(c.csrf!, {}, files);
          return c.request('POST', '/cases/lim/uploads', { body: f.body, headers: { 'content-type': f.type } });
        };
        const big = await post([{ name: 'big.eml', data: Buffer.alloc(2048, 'a') }]);
        assert.equal(big.status, 413);
        assert.match(await big.text(), /at most 1024 bytes/);
        assert.equal(
          (await post([1, 2, 3, 4].map((i) => ({ name: `m${i}.eml`, data: Buffer.from('From: a@b\r\n\r\nx') }))))
            .status,
          413,
        );
        assert.equal((await post([{ name: 'tool.exe', data: Buffer.from('MZ') }])).status, 400);
        assert.equal((await post([])).status, 400);
        assert.deepEqual(fs.readdirSync(path.join(ctx.dataRoot, 'lim', 'uploads')), []);
        assert.equal(
          ((await ctx.db.knex('upload_jobs').count({ n: '*' }).first()) as { n: number | string }).n.toString(),
          '0',
        );
        assert.equal(
          ((await ctx.db.knex('acquisitions').count({ n: '*' }).first()) as { n: number | string }).n.toString(),
          '0',
        );
      },
      { uploadLimits: { fileBytes: 1024, files: 3 } },
    );
  },
);
