/**
 * Load while ingesting (issue 9, point 6), bounded for CI: a case of a small generated corpus is
 * served by `spamcase serve`; a CLI ingest of a second corpus into the same case starts, and once it
 * has committed its first items the dashboard and the accounts, items and campaigns lists are loaded
 * with autocannon (one connection per page, all four at once) until the ingest ends (10 s at most).
 * Every response must be a 2xx, with no connection error or timeout; p95 per page is reported and
 * must be a real figure; the ingest must succeed and the counts equal both corpora's truth.
 * The benchmark runs the same load at 1,000,000 messages (`npm run bench`, docs/BENCHMARKS.md).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { makeUser, TEST_PASSWORD } from '../web/client.ts';
import { CASE_PAGES, loadPages, signedInCookie, startServe } from '../bench/load.ts';

/** Both corpora generated once per process and shared by the SQLite and PostgreSQL runs. */
let corpora: Promise<Array<{ dir: string; truth: CorpusTruth }>> | null = null;
function twoCorpora(): Promise<Array<{ dir: string; truth: CorpusTruth }>> {
  corpora ??= (async () => {
    const root = tempDir('spamcase-load-');
    const first = path.join(root, 'first');
    const second = path.join(root, 'second');
    return [
      { dir: first, truth: await generateCorpus({ out: first, messages: 600, seed: 21, layout: 'eml' }) },
      { dir: second, truth: await generateCorpus({ out: second, messages: 2000, seed: 22, layout: 'eml' }) },
    ];
  })();
  return corpora;
}

storageTest(
  'dashboard and list pages answer 2xx under load while a CLI ingest runs into the same case',
  async ({ ctx, env }, t) => {
    const [first, second] = await twoCorpora();
    await createCase(ctx, { slug: 'load', title: 'Load test', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    await ingest(ctx, { caseSlug: 'load', method: 'trap', paths: [first!.dir] });
    await makeUser(ctx, 'loader', 'admin');
    const server = await startServe(env);
    try {
      const cookie = await signedInCookie(server.url, 'loader', TEST_PASSWORD);
      const countItems = async () =>
        Number(((await ctx.db.knex('items').count({ n: '*' }).first()) as { n: number | string }).n);
      const before = await countItems();

      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(PROJECT_ROOT, 'server', 'cli', 'main.ts'),
          'ingest',
          '--case',
          'load',
          '--method',
          'trap',
          second!.dir,
        ],
        {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
      const ingestDone = new Promise<number>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
      );
      let ingestEndedAt = 0;
      void ingestDone.then(() => (ingestEndedAt = performance.now()));

      // Load only once the ingest is writing, so the two really overlap.
      const deadline = Date.now() + 60_000;
      while ((await countItems()) === before && child.exitCode === null && Date.now() < deadline) await sleep(50);
      assert.equal(
        child.exitCode,
        null,
        `the ingest ended before the load could start (items ${before} -> ${await countItems()}); make the second corpus larger`,
      );
      const loadStart = performance.now();
      const pages = await loadPages({
        url: server.url,
        cookie,
        paths: CASE_PAGES('load'),
        seconds: 10,
        until: ingestDone,
      });
      const loadEnd = performance.now();
      const code = await ingestDone;
      assert.equal(code, 0, `CLI ingest failed: ${stderr}`);

      const overlapS = ((ingestEndedAt || loadEnd) - loadStart) / 1000;
      t.diagnostic(`load overlapped the ingest for ${Math.min(overlapS, (loadEnd - loadStart) / 1000).toFixed(1)} s`);
      for (const p of pages) {
        t.diagnostic(
          `${p.path}: ${p.requests} requests, p50 ${p.p50.toFixed(0)} ms, p95 ${p.p95.toFixed(0)} ms, p99 ${p.p99.toFixed(0)} ms, non-2xx ${p.non2xx}, errors ${p.errors}`,
        );
        assert.ok(p.requests > 0, `${p.path}: no request completed`);
        assert.equal(p.errors, 0, `${p.path}: ${p.errors} connection errors`);
        assert.equal(p.timeouts, 0, `${p.path}: ${p.timeouts} timeouts`);
        assert.equal(
          p.non2xx,
          0,
          `${p.path}: ${p.non2xx} non-2xx responses ${JSON.stringify(p.statuses)}; the server logged: ${server.failedRequestLog.slice(-6).join('\n')}`,
        );
        assert.equal(p.ok2xx, p.requests, `${p.path}: every request answered 2xx`);
        assert.ok(
          Number.isFinite(p.p95) && p.p95 > 0 && p.p50 <= p.p95 && p.p95 <= p.max,
          `${p.path}: p95 ${p.p95} is not a sane latency`,
        );
      }

      const report = await caseReport(ctx.db.knex, 'load');
      assert.equal(report.samples, first!.truth.samples + second!.truth.samples);
      assert.equal(report.items, first!.truth.items + second!.truth.items);
      assert.equal(report.exactDuplicates, first!.truth.exactDuplicates + second!.truth.exactDuplicates);
    } finally {
      await server.stop();
    }
  },
  { timeout: 240_000 },
);
