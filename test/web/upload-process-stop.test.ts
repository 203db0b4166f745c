/**
 * `spamcase serve` stopped while an upload's job process works (server/web/upload-job-process.ts): killed with
 * SIGKILL, the job process goes with it (its IPC channel closes) and the next server marks the job interrupted, and
 * uploading again doubles nothing; stopped with Ctrl-C (SIGINT to the whole process group), the job process ignores
 * the signal and the server waits for the job, which ends done. The server runs as a user runs it (bin/spamcase.js).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';
import { caseReport } from '../../server/report/counts.ts';
import { storageTest, type TestEnv } from '../helpers/databases.ts';
import { processTree } from '../helpers/proc-tree.ts';
import { corpusZip } from '../helpers/upload-corpus.ts';
import { Client, multipart, TEST_PASSWORD } from './client.ts';

const MESSAGES = 6000;
const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function cli(env: TestEnv, args: string[], input?: string): void {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env.env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
}

/** Alive: in /proc and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function serve(env: TestEnv): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, ...env.env, PORT: '0', SPAMCASE_PORT: '', HOST: '127.0.0.1', SPAMCASE_HOST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a terminal gives a foreground job
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  let text = '';
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 120 s: ${errors}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before serving: ${errors}`)));
  });
  return { child, url, exited };
}

async function post(c: Client, zip: Buffer): Promise<number> {
  await c.page('/cases/big/upload');
  const form = multipart(c.csrf!, {}, [{ name: 'corpus.zip', data: zip }]);
  const res = await c.request('POST', '/cases/big/uploads', {
    body: form.body,
    headers: { 'content-type': form.type, accept: 'application/json' },
  });
  assert.equal(res.status, 202);
  return ((await res.json()) as { job: number }).job;
}

interface JobStatus {
  status: string;
  samples: number;
  error: string | null;
}

async function jobStatus(c: Client, job: number): Promise<JobStatus> {
  return (await (await c.get(`/api/cases/big/uploads/${job}`)).json()) as JobStatus;
}

/** Wait until the job is running with progress written, and return the server's job process. */
async function runningJobProcess(c: Client, job: number, server: ChildProcess): Promise<number> {
  for (;;) {
    const s = await jobStatus(c, job);
    assert.equal(s.status === 'done' || s.status === 'failed', false, `the job ended too soon (${s.status})`);
    if (s.status === 'running' && s.samples > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const kids = processTree(server.pid!).slice(1);
  const jobProcess = kids.find((pid) =>
    fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join('server', 'web', 'upload-job-process')),
  );
  assert.ok(jobProcess, 'the server runs the job in a process of its own');
  return jobProcess;
}

function setUp(env: TestEnv): void {
  cli(env, ['case', 'create', 'big', '--title', 'Big', '--party', 'Laposte.net:LPN']);
  cli(env, ['user', 'add', 'ada', '--admin'], `${TEST_PASSWORD}\n`);
}

storageTest(
  'a server killed while its upload job works takes the job process with it; the next marks the job interrupted and a re-upload doubles nothing',
  async (env) => {
    const { zip, truth } = await corpusZip(MESSAGES);
    setUp(env);
    const first = await serve(env);
    let c = new Client(first.url);
    await c.signIn('ada');
    const job = await post(c, zip);
    const jobProcess = await runningJobProcess(c, job, first.child);
    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;
    const deadline = Date.now() + 10_000;
    while (alive(jobProcess) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(jobProcess), false, 'the job process ends with its server');

    const second = await serve(env);
    try {
      c = new Client(second.url);
      await c.signIn('ada');
      const s = await jobStatus(c, job);
      assert.equal(s.status, 'interrupted');
      assert.match(s.error ?? '', /the server stopped before this upload was ingested/);
      assert.deepEqual(fs.readdirSync(path.join(env.dataRoot, 'big', 'uploads')), []);
      // The killed job's acquisition was found interrupted by the new server, not left running.
      const statuses = (await env.ctx.db
        .knex('acquisitions')
        .orderBy('id')
        .select('id', 'status', 'owner_pid')) as Array<{
        id: number;
        status: string;
        owner_pid: number;
      }>;
      assert.deepEqual(
        statuses.map((a) => [a.status, Number(a.owner_pid)]),
        [['interrupted', jobProcess]],
      );
      const events = await env.ctx.db.knex('custody_events').where({ action: 'acquisition-interrupted' });
      assert.equal(events.length, 1);
      const again = await post(c, zip);
      let done: JobStatus;
      while ((done = await jobStatus(c, again)).status === 'queued' || done.status === 'running')
        await new Promise((r) => setTimeout(r, 200));
      assert.equal(done.status, 'done', done.error ?? '');
      const report = await caseReport(env.ctx.db.knex, 'big');
      for (const key of ['items', 'messages', 'deliveries', 'accounts'] as const)
        assert.equal(report[key], truth[key], `${key} as the corpus holds`);
    } finally {
      process.kill(-second.child.pid!, 'SIGTERM');
      await second.exited;
    }
  },
  { timeout: 600_000 },
);

storageTest(
  'Ctrl-C while an upload job works: the job process ignores it, the server waits for the job, which ends done',
  async (env) => {
    const { zip, truth } = await corpusZip(MESSAGES);
    setUp(env);
    const server = await serve(env);
    const c = new Client(server.url);
    await c.signIn('ada');
    const job = await post(c, zip);
    const jobProcess = await runningJobProcess(c, job, server.child);
    // A terminal's Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-server.child.pid!, 'SIGINT');
    assert.equal(await server.exited, 0);
    assert.equal(alive(jobProcess), false);
    const row = (await env.ctx.db.knex('upload_jobs').where({ id: job }).first()) as Record<string, unknown>;
    assert.equal(row.status, 'done', String(row.error));
    assert.equal(Number(row.samples), truth.samples);
    assert.equal((await caseReport(env.ctx.db.knex, 'big')).items, truth.items);
  },
  { timeout: 600_000 },
);
