/**
 * The compiled CLI (what `npx spamcase` runs after `npm install`/`npm ci`, see scripts/build.js):
 * it must run, find the templates and rule sets from dist/, start its reader thread without tsx,
 * and give the same counts as the sources. Uses dist/ when it is current (CI: `npm ci` ran
 * `prepare`); otherwise compiles into a folder of its own under .tmp/, leaving dist/ alone. A broken
 * build (a module tsc cannot emit, an import the rewrite misses, an asset looked up beside the code)
 * fails here.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { compiledModule } from '../../scripts/compiled.js';
import { PROJECT_ROOT } from '../../server/config.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { tempDir } from '../helpers/databases.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { Client, multipart, TEST_PASSWORD } from '../web/client.ts';

let main = '';
let ownBuild: string | null = null;

before(() => {
  const current = compiledModule('server/cli/main.ts');
  if (current) {
    main = current;
    return;
  }
  ownBuild = path.join(PROJECT_ROOT, '.tmp', `compiled-test-${process.pid}`);
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.js'), ownBuild], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600_000,
  });
  main = path.join(ownBuild, 'server', 'cli', 'main.js');
});

after(() => {
  if (ownBuild) fs.rmSync(ownBuild, { recursive: true, force: true });
});

function run(home: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], {
    env: { ...process.env, SPAMCASE_HOME: home, DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the compiled CLI answers --help and a command --help without tsx', { timeout: 700_000 }, () => {
  const home = tempDir('spamcase-compiled-');
  assert.match(main, /\.js$/);
  const help = run(home, '--help');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /case list/);
  assert.match(help.stdout, /ingest/);
  const one = run(home, 'accounts', '--help');
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /usage: spamcase accounts/);
  // The compiled modules import no .ts file: nothing in dist/ may need tsx at run time.
  const cli = fs.readFileSync(main, 'utf8');
  assert.doesNotMatch(cli, /from ['"][^'"]+\.ts['"]|import\(['"][^'"]+\.ts['"]\)/);
});

test('the compiled CLI creates and lists a case, reads the rule sets, and ingests with exact counts', async () => {
  const home = tempDir('spamcase-compiled-');
  const empty = run(home, 'case', 'list');
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /no cases yet/);
  const created = run(home, 'case', 'create', 'small', '--title', 'Small', '--party', 'Laposte.net:LPN');
  assert.equal(created.code, 0, created.stderr);
  const list = run(home, 'case', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    JSON.parse(list.stdout).map((c: { case: string }) => c.case),
    ['small'],
  );
  // Rule sets live in templates/damages/, found from dist/ through PROJECT_ROOT.
  const rules = run(home, 'damages', 'rules', '--json');
  assert.equal(rules.code, 0, rules.stderr);
  assert.ok((JSON.parse(rules.stdout) as unknown[]).length >= 1);

  // Ingest runs its reader thread from the compiled worker module.
  const out = path.join(tempDir('spamcase-compiled-corpus-'), 'corpus');
  const truth = await generateCorpus({ out, messages: 40, seed: 5, layout: 'eml' });
  const ingested = run(home, 'ingest', '--case', 'small', '--method', 'trap', out);
  assert.equal(ingested.code, 0, ingested.stderr);
  const report = run(home, 'report', '--case', 'small', '--json');
  assert.equal(report.code, 0, report.stderr);
  const r = JSON.parse(report.stdout) as Record<string, unknown>;
  for (const key of ['samples', 'items', 'messages', 'deliveries', 'accounts'] as const)
    assert.equal(r[key], truth[key], key);
});

test("the compiled server's upload job runs in the compiled job process, without tsx, with exact counts", async () => {
  const home = tempDir('spamcase-compiled-');
  const created = run(home, 'case', 'create', 'up', '--title', 'Up', '--party', 'Laposte.net:LPN');
  assert.equal(created.code, 0, created.stderr);
  const added = spawnSync(process.execPath, [main, 'user', 'add', 'ada', '--admin'], {
    env: { ...process.env, SPAMCASE_HOME: home, DATABASE_URL: '' },
    input: `${TEST_PASSWORD}\n`,
    encoding: 'utf8',
  });
  assert.equal(added.status, 0, added.stderr);
  const out = path.join(tempDir('spamcase-compiled-corpus-'), 'corpus');
  const truth = await generateCorpus({ out, messages: 40, seed: 6, layout: 'eml' });
  const files = (fs.readdirSync(out, { recursive: true }) as string[]).filter((f) => f.endsWith('.eml')).sort();
  const zip = buildZip(files.map((f) => ({ name: f, data: fs.readFileSync(path.join(out, f)) })));

  // The compiled modules, loaded in this process: the server they start forks dist's job process.
  const dist = path.dirname(path.dirname(main));
  const load = (m: string) => import(pathToFileURL(path.join(dist, m)).href);
  const { loadConfig } = (await load('config.js')) as typeof import('../../server/config.ts');
  const { openContext } = (await load('context.js')) as typeof import('../../server/context.ts');
  const { startServer } = (await load('web/server.js')) as typeof import('../../server/web/server.ts');
  const ctx = await openContext(loadConfig({ SPAMCASE_HOME: home }), 'test');
  const logs: Array<Record<string, unknown>> = [];
  const server = await startServer(ctx, { host: '127.0.0.1', port: 0, log: (e) => logs.push(e) });
  try {
    const c = new Client(server.url);
    await c.signIn('ada');
    await c.page('/cases/up/upload');
    const form = multipart(c.csrf!, {}, [{ name: 'corpus.zip', data: zip }]);
    const res = await c.request('POST', '/cases/up/uploads', {
      body: form.body,
      headers: { 'content-type': form.type, accept: 'application/json' },
    });
    assert.equal(res.status, 202);
    const { job } = (await res.json()) as { job: number };
    const pid = server.web.jobs.runningPid();
    assert.ok(pid !== null && pid !== process.pid);
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(
      cmdline.some((a) => a.endsWith(path.join('server', 'web', 'upload-job-process.js'))),
      cmdline.join(' '),
    );
    assert.ok(!cmdline.some((a) => /tsx|\.ts$|\.mjs$/.test(a)), cmdline.join(' '));
    await server.web.jobs.idle();
    const status = (await (await c.get(`/api/cases/up/uploads/${job}`)).json()) as Record<string, unknown>;
    assert.equal(status.status, 'done', String(status.error));
    assert.equal(status.samples, truth.samples);
    assert.equal(status.newItems, truth.items);
    assert.ok(logs.some((e) => e.event === 'upload.done' && e.pid === pid));
  } finally {
    await server.close();
    await ctx.db.close();
  }
  const report = run(home, 'report', '--case', 'up', '--json');
  const r = JSON.parse(report.stdout) as Record<string, unknown>;
  for (const key of ['samples', 'items', 'messages', 'deliveries', 'accounts'] as const)
    assert.equal(r[key], truth[key], key);
});
