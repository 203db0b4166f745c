/**
 * A web upload's heavy work (ingest, clustering, recount, dashboard figures, search index) runs in a job process of
 * its own (server/web/upload-jobs.ts, upload-job-process.ts), never on the serving thread: the server answers at once
 * while the job works, a killed job process leaves its job interrupted and the server serving, and uploading the same
 * file again doubles nothing. The upload is a ZIP of a generated corpus whose exact counts are known.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Context } from '../../server/context.ts';
import { addMember } from '../../server/cases/members.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { caseReport } from '../../server/report/counts.ts';
import { searchIndexStatus } from '../../server/search/build.ts';
import type { RunningServer } from '../../server/web/server.ts';
import type { CorpusTruth } from '../corpus/generate.ts';
import { storageTest } from '../helpers/databases.ts';
import { corpusZip } from '../helpers/upload-corpus.ts';
import { Client, makeUser, multipart, withServer } from './client.ts';

/** Messages in the upload: enough for the job to work for seconds (tens of thousands of rows, 10 batches). */
const MESSAGES = 6000;
/**
 * The longest /healthz (no database) or the server's event loop may wait while the job works. On SQLite the work on
 * the serving thread held the loop 1.6 s at this size (before the job process); it grows with the case.
 */
const MAX_WAIT_MS = 1000;
/**
 * The longest the job's status (a page that reads the database) may take meanwhile: it competes with the job for the
 * database, not for the serving thread. The dashboard viewed during a job: upload-process-dashboard.test.ts.
 */
const MAX_PAGE_MS = 3000;

function upload(): Promise<{ zip: Buffer; truth: CorpusTruth }> {
  return corpusZip(MESSAGES);
}

async function setUp(ctx: Context): Promise<void> {
  await makeUser(ctx, 'edith', 'editor');
  await createCase(ctx, { slug: 'big', title: 'Big', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  await addMember(ctx, await getCase(ctx.db.knex, 'big'), 'edith');
}

async function post(c: Client, zip: Buffer): Promise<number> {
  await c.page('/cases/big/upload');
  const form = multipart(c.csrf!, { method: 'trap' }, [{ name: 'corpus.zip', data: zip }]);
  const res = await c.request('POST', '/cases/big/uploads', {
    body: form.body,
    headers: { 'content-type': form.type, accept: 'application/json' },
  });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { job: number }).job;
}

interface JobStatus {
  status: string;
  samples: number;
  newItems: number;
  exactDuplicates: number;
  error: string | null;
}

async function jobStatus(c: Client, job: number): Promise<JobStatus> {
  return (await (await c.get(`/api/cases/big/uploads/${job}`)).json()) as JobStatus;
}

async function assertCounts(ctx: Context, truth: CorpusTruth): Promise<void> {
  const report = await caseReport(ctx.db.knex, 'big');
  for (const key of ['items', 'messages', 'deliveries', 'accounts'] as const)
    assert.equal(report[key], truth[key], `${key} as the corpus holds`);
}

function uploadsLeft(ctx: Context): string[] {
  return fs.readdirSync(path.join(ctx.dataRoot, 'big', 'uploads'));
}

storageTest(
  "an upload's ingest runs in a job process of its own: the server answers at once while it works, counts exact",
  async ({ ctx }) => {
    const { zip, truth } = await upload();
    await setUp(ctx);
    await withServer(ctx, async (server: RunningServer, logs) => {
      const c = new Client(server.url);
      await c.signIn('edith');
      const job = await post(c, zip);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const pids = new Set<number>();
      const waits: Record<string, number[]> = { healthz: [], status: [] };
      const timed = async <T>(kind: string, get: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        const value = await get();
        waits[kind]!.push(performance.now() - started);
        return value;
      };
      let sawRunning = 0;
      while (server.web.jobs.busy()) {
        const res = await timed('healthz', async () => {
          const r = await c.get('/healthz');
          await r.arrayBuffer();
          return r;
        });
        assert.equal(res.status, 200);
        const pid = server.web.jobs.runningPid();
        if (pid !== null) pids.add(pid);
        if ((await timed('status', () => jobStatus(c, job))).status === 'running') sawRunning++;
        await new Promise((r) => setTimeout(r, 100));
      }
      loop.disable();
      await server.web.jobs.idle();
      const maxLoopMs = loop.max / 1e6;
      const slowest = (kind: string) => Math.max(...waits[kind]!);
      console.log(
        `upload of ${MESSAGES} messages: ${sawRunning} polls while the job ran; slowest /healthz ${slowest('healthz').toFixed(1)} ms, job status ${slowest('status').toFixed(1)} ms; the server's event loop waited at most ${maxLoopMs.toFixed(1)} ms`,
      );
      assert.ok(
        sawRunning >= 3,
        `the job was seen running (${sawRunning} polls): it must be busy for the test to mean anything`,
      );
      assert.equal(pids.size, 1, 'one job process');
      const [pid] = [...pids];
      assert.notEqual(pid, process.pid, 'the job runs outside the serving process');
      assert.ok(slowest('healthz') < MAX_WAIT_MS, `slowest /healthz ${slowest('healthz')} ms while the job ran`);
      for (const kind of ['status'])
        assert.ok(slowest(kind) < MAX_PAGE_MS, `slowest ${kind} page ${slowest(kind)} ms while the job ran`);
      assert.ok(maxLoopMs < MAX_WAIT_MS, `the serving event loop was blocked ${maxLoopMs} ms`);

      const status = await jobStatus(c, job);
      assert.equal(status.status, 'done', status.error ?? '');
      assert.equal(status.samples, truth.samples);
      assert.equal(status.newItems, truth.items);
      assert.equal(status.exactDuplicates, truth.exactDuplicates);
      await assertCounts(ctx, truth);
      assert.equal((await caseReport(ctx.db.knex, 'big')).samples, truth.samples);
      // The job process clustered, indexed and logged through the server's log.
      const c1 = await getCase(ctx.db.knex, 'big');
      assert.deepEqual(await searchIndexStatus(ctx.db.knex, c1.id), { indexed: truth.items, remaining: 0 });
      const done = logs.find((e) => e.event === 'upload.done');
      assert.equal(done?.pid, pid, 'the job process logs through the server');
      assert.ok(logs.some((e) => e.event === 'search.index' && e.pid === pid));
      const report = await caseReport(ctx.db.knex, 'big');
      assert.equal(report.messagesWithoutCampaign, 0, 'every message clustered');
      assert.ok(report.campaigns > 0);
      assert.deepEqual(uploadsLeft(ctx), [], 'the uploaded file is removed after the job');
      // The dashboard the job process computed is the server's: the page shows the counts.
      const dash = await c.page('/cases/big');
      assert.equal(dash.status, 200);
      assert.ok(dash.html.includes(truth.items.toLocaleString('en')), `the dashboard shows ${truth.items} items`);
    });
  },
  { timeout: 600_000 },
);

storageTest(
  'a job process killed with SIGKILL leaves its job interrupted, the server serving, and uploading again doubles nothing',
  async ({ ctx }) => {
    const { zip, truth } = await upload();
    await setUp(ctx);
    await withServer(ctx, async (server, logs) => {
      const c = new Client(server.url);
      await c.signIn('edith');
      const job = await post(c, zip);
      // Killed once it has written progress: part of the upload is committed, the rest never comes.
      for (;;) {
        const s = await jobStatus(c, job);
        if (s.status === 'running' && s.samples > 0) break;
        assert.ok(server.web.jobs.busy(), `the job ended before it could be killed (${s.status})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const pid = server.web.jobs.runningPid()!;
      assert.notEqual(pid, process.pid);
      process.kill(pid, 'SIGKILL');
      await server.web.jobs.idle();
      const killed = await jobStatus(c, job);
      assert.equal(killed.status, 'interrupted');
      assert.match(killed.error ?? '', /stopped \(SIGKILL\).*upload the files again \(nothing is counted twice\)/);
      assert.ok(killed.samples > 0 && killed.samples < truth.samples, `${killed.samples} samples before the kill`);
      assert.ok(logs.some((e) => e.event === 'upload.interrupted' && e.signal === 'SIGKILL'));
      assert.deepEqual(uploadsLeft(ctx), [], "the killed job's files are removed");
      assert.equal((await c.get('/healthz')).status, 200, 'the server keeps serving');
      const page = await c.page(`/cases/big/uploads/${job}`);
      assert.equal(page.status, 200);
      assert.match(page.html, /SIGKILL/);

      // Its acquisition is stored as interrupted, not left running, with a custody event; what it committed stays.
      const knex = ctx.db.knex;
      const [acq] = (await knex('acquisitions').orderBy('id')) as Array<Record<string, unknown>>;
      assert.ok(acq);
      assert.equal(acq.status, 'interrupted');
      assert.equal(Number(acq.owner_pid), pid, 'the acquisition names the job process that ran it');
      const kept = Number(
        ((await knex('samples').where({ acquisition_id: acq.id }).count({ n: '*' }))[0] as { n: number }).n,
      );
      assert.ok(kept > 0 && kept === Number(acq.samples), `${kept} samples of the killed acquisition stay`);
      const event = (await knex('custody_events').where({ action: 'acquisition-interrupted' }).first()) as
        { details: string } | undefined;
      assert.ok(event, 'an acquisition-interrupted custody event');
      const details = JSON.parse(event.details) as Record<string, unknown>;
      assert.equal(details.acquisition, Number(acq.id));
      assert.equal(details.pid, pid);
      assert.equal(details.samples, kept);
      assert.ok(logs.some((e) => e.event === 'acquisition.interrupted' && e.acquisition === Number(acq.id)));
      const acquisitions = await c.page('/cases/big/acquisitions');
      assert.match(
        acquisitions.html,
        /<td data-status="interrupted"><span title="Interrupted: the process that ran it ended/,
      );
      const custody = await c.page('/cases/big/custody');
      assert.match(custody.html, new RegExp(`Acquisition #${Number(acq.id)} was interrupted: its process \\(`));

      // The same file again: what the killed job committed is not counted twice.
      const again = await post(c, zip);
      await server.web.jobs.idle();
      const s = await jobStatus(c, again);
      assert.equal(s.status, 'done', s.error ?? '');
      assert.equal(s.samples, truth.samples);
      await assertCounts(ctx, truth);
      const after = (await knex('acquisitions').where({ id: acq.id }).first('status')) as { status: string };
      assert.equal(after.status, 'interrupted');
      const keptAfter = (await knex('samples').where({ acquisition_id: acq.id }).count({ n: '*' }))[0] as { n: number };
      assert.equal(Number(keptAfter.n), kept, 'the re-upload changes nothing the killed acquisition stored');
      assert.equal(
        Number(
          (
            (await knex('custody_events').where({ action: 'acquisition-interrupted' }).count({ n: '*' }))[0] as {
              n: number;
            }
          ).n,
        ),
        1,
        'one event for the one interrupted acquisition',
      );
    });
  },
  { timeout: 600_000 },
);
