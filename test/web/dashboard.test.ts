import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { deliveriesChart, MAX_BARS } from '../../server/web/chart.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { Client, makeUser, withServer } from './client.ts';

const cell = (html: string, name: string) =>
  Number(new RegExp(`data-count="${name}">([^<]*)<`).exec(html)![1]!.replace(/\D/g, ''));

storageTest(
  'the dashboard shows the exact counts per party with their meaning and a chart, and is never stale after new evidence',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    await createCase(ctx, {
      slug: 'dash',
      title: 'Dash',
      parties: [
        { name: 'Laposte.net', batesPrefix: 'LPN' },
        { name: 'MSN', batesPrefix: 'MSN' },
      ],
    });
    const first = tempDir();
    const truth = await generateCorpus({ out: first, messages: 120, seed: 3, layout: 'eml' });
    await ingest(ctx, { caseSlug: 'dash', party: 'LPN', method: 'trap', paths: [first], threaded: false });
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      let html = (await c.page('/cases/dash')).html;
      assert.equal(cell(html, 'samples'), truth.samples);
      assert.equal(cell(html, 'items'), truth.items);
      assert.equal(cell(html, 'deliveries'), truth.deliveries);
      assert.match(html, /Unique raw bytes \(by SHA-256\); each has a Bates number\./, 'each word is explained');
      assert.match(html, /<svg role="img"[\s\S]*<rect /, 'chart of deliveries per day');
      // New evidence from another party (through the CLI's function, not the web): a new custody head.
      const second = tempDir();
      await generateCorpus({ out: second, messages: 40, seed: 4, layout: 'eml' });
      await ingest(ctx, { caseSlug: 'dash', party: 'MSN', method: 'feed', paths: [second], threaded: false });
      const report = await caseReport(ctx.db.knex, 'dash');
      html = (await c.page('/cases/dash')).html;
      assert.equal(cell(html, 'samples'), report.samples);
      assert.equal(cell(html, 'deliveries'), report.deliveries);
      assert.ok(report.samples > truth.samples);
      assert.doesNotMatch(html, /id="dashboard-as-of"/);

      // An acquisition left running (as a killed ingest leaves it): the last figures are shown, with
      // when they were computed, instead of recomputing the whole case for every view.
      const party = (await ctx.db
        .knex('parties')
        .where({ case_id: (await ctx.db.knex('cases').where({ slug: 'dash' }).first('id')).id, bates_prefix: 'MSN' })
        .first('id', 'case_id')) as { id: number; case_id: number };
      const [acq] = (await ctx.db.knex('acquisitions').insert(
        {
          case_id: party.case_id,
          party_id: party.id,
          method: 'feed',
          source_name: '/killed',
          operator: 'test',
          started_at: new Date().toISOString(),
          status: 'running',
        },
        ['id'],
      )) as Array<{ id: number } | number>;
      const third = tempDir();
      await generateCorpus({ out: third, messages: 30, seed: 5, layout: 'eml' });
      await ingest(ctx, { caseSlug: 'dash', party: 'MSN', method: 'feed', paths: [third], threaded: false });
      html = (await c.page('/cases/dash')).html;
      assert.equal(cell(html, 'samples'), report.samples, 'the figures of the last view');
      assert.match(
        html,
        /id="dashboard-as-of">An acquisition is running: the figures below are those of <time datetime="\d{4}-\d\d-\d\dT[^"]*Z" title="[^"]* UTC">/,
      );
      await ctx.db
        .knex('acquisitions')
        .where({ id: typeof acq === 'object' ? acq.id : acq })
        .update({ status: 'failed' });
      const final = await caseReport(ctx.db.knex, 'dash');
      assert.ok(final.samples > report.samples);
      html = (await c.page('/cases/dash')).html;
      assert.equal(cell(html, 'samples'), final.samples, 'computed again once nothing runs');
      assert.doesNotMatch(html, /id="dashboard-as-of"/);
    });
  },
);

test('the chart keeps one bar per day up to MAX_BARS days, then groups days into equal spans, and counts every delivery', () => {
  const days = [
    { day: '2005-01-01', deliveries: 3 },
    { day: '2005-01-03', deliveries: 5 },
  ];
  const small = deliveriesChart(days);
  assert.equal(small.bars.length, 3, 'the empty day in between is a gap');
  assert.deepEqual(
    small.bars.map((b) => b.value),
    [3, 0, 5],
  );
  assert.equal(small.max, 5);
  const long = deliveriesChart(
    [
      { day: '2000-01-01', deliveries: 1 },
      { day: '2005-12-31', deliveries: 2 },
      { day: '2003-06-15', deliveries: 4 },
    ].sort((a, b) => (a.day < b.day ? -1 : 1)),
  );
  assert.ok(long.bars.length <= MAX_BARS);
  assert.equal(
    long.bars.reduce((s, b) => s + b.value, 0),
    7,
  );
  assert.equal(deliveriesChart([]).bars.length, 0);
});
