/**
 * The CLI as a user runs it (`npx spamcase …` = bin/spamcase.js), as a child process against a real
 * data root and database: create a case, ingest a folder, an mbox and a maildir, read exact counts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../server/config.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function spamcase(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

storageTest(
  'a new user creates a case, ingests a folder, an mbox and a maildir, and reads exact counts',
  async ({ env: e }) => {
    const out = path.join(tempDir('spamcase-cli-'), 'corpus');
    const truth = await generateCorpus({ out, messages: 150, seed: 11, layout: 'mixed' });

    const created = spamcase(
      e,
      'case',
      'create',
      'lpn-2006',
      '--title',
      'Laposte.net v. Doe 1-20',
      '--party',
      'Laposte.net:LPN',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created case lpn-2006/);

    const ingested = spamcase(
      e,
      'ingest',
      '--case',
      'lpn-2006',
      '--method',
      'trap',
      path.join(out, 'trap'),
      path.join(out, 'reports.mbox'),
      path.join(out, 'maildir'),
    );
    assert.equal(ingested.code, 0, ingested.stderr);
    assert.equal(ingested.stderr, '', 'no progress output when stderr is not a terminal');
    const lines = ingested.stdout.trim().split('\n');
    assert.equal(lines.length, 4, 'one line per path, then the search index');
    assert.match(lines[3]!, /^search index: (\d+) items added, \1 searchable$/);
    const reindexed = spamcase(e, 'index', '--case', 'lpn-2006', '--json');
    assert.equal(reindexed.code, 0, reindexed.stderr);
    assert.equal((JSON.parse(reindexed.stdout) as { added: number; remaining: number }).added, 0);

    const report = spamcase(e, 'report', '--case', 'lpn-2006', '--json');
    assert.equal(report.code, 0, report.stderr);
    const r = JSON.parse(report.stdout) as Record<string, unknown>;
    for (const key of [
      'samples',
      'items',
      'exactDuplicates',
      'messages',
      'deliveries',
      'accounts',
      'firstDate',
      'lastDate',
    ] as const) {
      assert.equal(r[key], truth[key], key);
    }
    assert.equal(r.case, 'lpn-2006');
    assert.equal(r.rejected, 0);
    assert.equal(r.parseErrors, 0);
    assert.deepEqual(r.parties, [
      {
        name: 'Laposte.net',
        batesPrefix: 'LPN',
        samples: truth.samples,
        items: truth.items,
        deliveries: truth.deliveries,
      },
    ]);

    const table = spamcase(e, 'report', '--case', 'lpn-2006');
    assert.match(table.stdout, new RegExp(`deliveries\\s+${truth.deliveries.toLocaleString('en-US')}`));

    const list = spamcase(e, 'case', 'list', '--json');
    assert.deepEqual(
      JSON.parse(list.stdout).map((c: { case: string }) => c.case),
      ['lpn-2006'],
    );

    const checked = spamcase(e, 'fsck', '--case', 'lpn-2006', '--json');
    assert.equal(checked.code, 0, checked.stdout);
    assert.equal(JSON.parse(checked.stdout).itemsChecked, truth.items);
  },
  { timeout: 300_000 },
);

storageTest('CLI errors are clear and have distinct exit codes', async ({ env: e }) => {
  const missing = spamcase(e, 'report', '--case', 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no case named "nope"/);
  const usage = spamcase(e, 'ingest', 'x.eml');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--case is required/);
  const badParty = spamcase(e, 'case', 'create', 'x', '--title', 'X', '--party', 'NoPrefix');
  assert.equal(badParty.code, 1);
  assert.match(badParty.stderr, /Name:PREFIX/);
  const ok = spamcase(e, 'case', 'create', 'x', '--title', 'X', '--party', 'A:AA');
  assert.equal(ok.code, 0, ok.stderr);
  const twice = spamcase(e, 'case', 'create', 'x', '--title', 'X', '--party', 'A:AA');
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /already exists/);
  const nothing = spamcase(e, 'ingest', '--case', 'x', '/nonexistent/path.mbox');
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /cannot read input \/nonexistent\/path.mbox: ENOENT/);
  const acquisitions = JSON.parse(spamcase(e, 'report', '--case', 'x', '--json').stdout).acquisitions;
  assert.equal(acquisitions, 0, 'a path that cannot be read records nothing');
});

test('help lists every command', () => {
  const help = spamcase({ SPAMCASE_HOME: tempDir() }, '--help');
  assert.equal(help.code, 0);
  for (const c of ['case create', 'case list', 'ingest', 'report', 'fsck', 'dkim', 'serve'])
    assert.match(help.stdout, new RegExp(`\\n  ${c} `));
  const unknown = spamcase({ SPAMCASE_HOME: tempDir() }, 'frobnicate');
  assert.equal(unknown.code, 2);
});
