/**
 * Concurrency (issue 9 point 4): the CLI and two web uploads ingest into the same case at the same
 * time. A server runs one upload job at a time, so the two uploads go to two `spamcase serve`
 * processes on the same data root and database (two instances of a deployment); the CLI is a third
 * process. The generated corpus is split three ways (a folder and a maildir for the CLI, the mbox
 * for one upload, the rest of the folder as a ZIP for the other): the case's counts do not depend on
 * which acquisition brought which file, so they must equal the generator's truth. No process may
 * show a lock error: CLI exit 0 and nothing on stderr about SQLITE_BUSY or locks, both jobs done,
 * no error in either server's log; no Bates number twice; fsck clean.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { addMember } from '../../server/cases/members.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { Client, makeUser } from '../web/client.ts';

const CLI = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

interface Proc {
  out: string;
  err: string;
  exit: Promise<number | null>;
  kill(): void;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = {
    out: '',
    err: '',
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    kill: () => child.kill('SIGTERM'),
  };
  child.stdout.on('data', (d: Buffer) => (p.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (p.err += d.toString()));
  return p;
}

async function upload(c: Client, name: string, data: Buffer): Promise<number> {
  await c.page('/cases/conc/upload');
  const b = 'concurrentUpload4';
  const body = Buffer.concat([
    Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${c.csrf}\r\n--${b}\r\nContent-Disposition: form-data; name="method"\r\n\r\ntrap\r\n`,
    ),
    Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    data,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  const res = await c.request('POST', '/cases/conc/uploads', {
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${b}`, accept: 'application/json' },
  });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { job: number }).job;
}

storageTest(
  'the CLI and two web uploads ingesting into one case at once: exact counts, no lock error shown, unique Bates numbers',
  async ({ ctx, env }, t) => {
    const out = path.join(tempDir('spamcase-concurrent-'), 'c');
    const truth = await generateCorpus({
      out,
      messages: 2000,
      seed: 17,
      layout: 'mixed',
      rates: { mbox: 0.3, maildir: 0.2 },
    });
    // Half of the trap folder's subfolders stay a folder (CLI), the other half become a ZIP (upload).
    const trap = path.join(out, 'trap');
    const dirs = fs.readdirSync(trap).sort();
    assert.ok(dirs.length >= 2);
    const members: Array<{ name: string; data: Buffer }> = [];
    for (const dir of dirs.slice(Math.floor(dirs.length / 2))) {
      for (const name of fs.readdirSync(path.join(trap, dir)).sort())
        members.push({ name: `${dir}/${name}`, data: fs.readFileSync(path.join(trap, dir, name)) });
      fs.rmSync(path.join(trap, dir), { recursive: true });
    }
    const zip = buildZip(members);
    const mbox = fs.readFileSync(path.join(out, 'reports.mbox'));

    await createCase(ctx, {
      slug: 'conc',
      title: 'Concurrent',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await makeUser(ctx, 'edith', 'editor');
    await addMember(ctx, await getCase(ctx.db.knex, 'conc'), 'edith');

    const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), DATABASE_URL: '', ...env };
    const servers = [start(['serve', '--port', '0'], childEnv), start(['serve', '--port', '0'], childEnv)];
    try {
      const urls: string[] = [];
      for (const s of servers) {
        for (let i = 0; i < 2400 && !/serving (http:\/\/\S+)/.test(s.out); i++) await sleep(50);
        const url = /serving (http:\/\/\S+)/.exec(s.out)?.[1];
        assert.ok(url, `server started: ${s.out}${s.err}`);
        urls.push(url);
      }
      const clients = urls.map((u) => new Client(u));
      for (const c of clients) assert.equal((await c.signIn('edith')).status, 303);

      // All three at once.
      const cli = start(['ingest', '--case', 'conc', trap, path.join(out, 'maildir')], childEnv);
      const [jobA, jobB] = await Promise.all([
        upload(clients[0]!, 'reports.mbox', mbox),
        upload(clients[1]!, 'trap-half.zip', zip),
      ]);
      const jobs = [
        { c: clients[0]!, job: jobA },
        { c: clients[1]!, job: jobB },
      ];
      const statuses: Array<{ status: string; error: string | null }> = [];
      for (const { c, job } of jobs) {
        let s = { status: 'queued', error: null as string | null };
        for (let i = 0; i < 6000 && (s.status === 'queued' || s.status === 'running'); i++) {
          await sleep(100);
          s = (await (await c.get(`/api/cases/conc/uploads/${job}`)).json()) as typeof s;
        }
        statuses.push(s);
      }
      const cliExit = await cli.exit;
      assert.equal(cliExit, 0, `CLI: ${cli.err}`);
      assert.doesNotMatch(cli.err, /SQLITE_BUSY|locked|deadlock|error/i);
      assert.deepEqual(
        statuses.map((s) => s.status),
        ['done', 'done'],
        JSON.stringify(statuses),
      );

      // The three ingests did overlap in time.
      const acqs = (await ctx.db
        .knex('acquisitions')
        .orderBy('id')
        .select('started_at', 'finished_at', 'status')) as Array<{
        started_at: string;
        finished_at: string;
        status: string;
      }>;
      assert.equal(acqs.length, 4, 'a folder and a maildir from the CLI, one file per upload');
      assert.ok(acqs.every((a) => a.status === 'complete'));
      const lastStart = acqs
        .map((a) => Date.parse(a.started_at))
        .sort()
        .at(-1)!;
      const firstEnd = acqs.map((a) => Date.parse(a.finished_at)).sort()[0]!;
      t.diagnostic(
        `acquisitions: ${acqs.map((a) => `${a.started_at.slice(11, 23)}-${a.finished_at.slice(11, 23)}`).join(', ')}`,
      );
      const overlapping = acqs.filter((a) =>
        acqs.some(
          (b) =>
            b !== a &&
            Date.parse(b.started_at) < Date.parse(a.finished_at) &&
            Date.parse(a.started_at) < Date.parse(b.finished_at),
        ),
      );
      assert.ok(
        overlapping.length >= 3,
        `at least three ingests overlapped (last start ${lastStart}, first end ${firstEnd})`,
      );

      const r = await caseReport(ctx.db.knex, 'conc');
      assert.deepEqual(
        {
          samples: r.samples,
          items: r.items,
          exactDuplicates: r.exactDuplicates,
          messages: r.messages,
          deliveries: r.deliveries,
          accounts: r.accounts,
        },
        {
          samples: truth.samples,
          items: truth.items,
          exactDuplicates: truth.exactDuplicates,
          messages: truth.messages,
          deliveries: truth.deliveries,
          accounts: truth.accounts,
        },
      );
      const bates = (await ctx.db.knex('items').count({ n: '*' }).countDistinct({ d: 'bates' }).first()) as {
        n: number | string;
        d: number | string;
      };
      assert.equal(Number(bates.n), Number(bates.d), 'no Bates number twice');
      const check = await fsck(ctx, 'conc');
      assert.deepEqual(check.problems, []);
      assert.equal(check.itemsChecked, r.items);
    } finally {
      for (const s of servers) s.kill();
      await Promise.all(servers.map((s) => s.exit));
    }
    for (const s of servers) {
      const errors = s.err.split('\n').filter((l) => /SQLITE_BUSY|"level":"error"|upload\.failed|locked/i.test(l));
      assert.deepEqual(errors, [], 'no lock or job error in the server log');
    }
  },
  { timeout: 900_000 },
);
