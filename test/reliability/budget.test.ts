/**
 * Per-message time and memory budget (issue 9 point 2, server/ingest/watchdog.ts). Real expensive
 * input, not a stub: a header of tens of thousands of address groups costs the header parser about
 * a second and well over 64 MB of heap, against a millisecond and a few hundred KB for a real
 * message. One such message is planted in a folder (maildir), in the middle of an mbox and in the
 * middle of a ZIP; with the budget set low, the process survives, each poison is an item whose parse
 * error names the budget and whose stored bytes are the planted bytes, and every other message is
 * counted exactly as the generator's truth says. fsck is clean afterwards.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig, PROJECT_ROOT } from '../../server/config.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { analyzeInline } from '../../server/ingest/analyzed-source.ts';
import { analyzeSample } from '../../server/ingest/analyze.ts';
import { FRESH_START, timeBudgetError } from '../../server/ingest/watchdog.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { itemDetail, readItemBytes } from '../../server/report/item-view.ts';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { storageTest, tempDir, type TestEnv } from '../helpers/databases.ts';

/**
 * Half a second of header parsing: 160,000 addresses in one field, just under the 1 MiB header
 * limit (measured 470-530 ms warm; a real message takes about a millisecond). Run with a 100 ms
 * budget: 5x margin each way.
 */
function slowMessage(tag: string): Buffer {
  return Buffer.from(
    `From: ${tag}@poison.example\r\nTo: ${'a@b.c,'.repeat(160_000)}\r\nSubject: slow ${tag}\r\n\r\nbody\r\n`,
  );
}
const TIME_BUDGET_MS = 100;
/** Over 64 MB of heap while parsing (measured: 64 MB runs out, 96 MB suffices). */
function hungryMessage(tag: string): Buffer {
  return Buffer.from(
    `From: ${tag}@poison.example\r\nTo: ${'g:a@b.c;'.repeat(120_000)}\r\nSubject: hungry ${tag}\r\n\r\nbody\r\n`,
  );
}

interface Planted {
  paths: string[];
  truth: CorpusTruth;
  poisons: Buffer[];
}

/**
 * A generated corpus as a maildir folder, an mbox and a ZIP (the trap folder), a poison planted in the middle of each.
 */
async function plant(make: (tag: string) => Buffer): Promise<Planted> {
  const out = path.join(tempDir('spamcase-budget-'), 'c');
  const truth = await generateCorpus({
    out,
    messages: 300,
    seed: 5,
    layout: 'mixed',
    rates: { mbox: 0.3, maildir: 0.3 },
  });
  const poisons = [make('folder'), make('mbox'), make('zip')];

  const cur = path.join(out, 'maildir', 'cur');
  const names = fs.readdirSync(cur).sort();
  assert.ok(names.length > 10);
  // Sorted between the existing files, so the reader has handed some over before it meets the poison.
  fs.writeFileSync(path.join(cur, `${names[Math.floor(names.length / 2)]!}-poison`), poisons[0]!);

  const mbox = path.join(out, 'reports.mbox');
  const text = fs.readFileSync(mbox);
  let cut = text.indexOf('\nFrom ', Math.floor(text.length / 2));
  assert.ok(cut > 0);
  cut += 1;
  // In an mbox a message is stored with LF line ends: those are the sample's exact bytes.
  poisons[1] = Buffer.from(poisons[1]!.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  fs.writeFileSync(
    mbox,
    Buffer.concat([
      text.subarray(0, cut),
      Buffer.from('From poison@example Sat Nov 28 04:00:00 2026\n'),
      poisons[1],
      Buffer.from('\n'),
      text.subarray(cut),
    ]),
  );

  const trap = path.join(out, 'trap');
  const members: Array<{ name: string; data: Buffer }> = [];
  for (const dir of fs.readdirSync(trap).sort()) {
    for (const name of fs.readdirSync(path.join(trap, dir)).sort())
      members.push({ name: `${dir}/${name}`, data: fs.readFileSync(path.join(trap, dir, name)) });
  }
  members.splice(Math.floor(members.length / 2), 0, { name: 'poison/zip.eml', data: poisons[2]! });
  const zip = path.join(out, 'trap.zip');
  fs.writeFileSync(zip, buildZip(members));
  fs.rmSync(trap, { recursive: true });
  return { paths: [path.join(out, 'maildir'), mbox, zip], truth, poisons };
}

/**
 * Every count is the truth plus one per poison (each is its own item, message and delivery); the poisons carry the
 * budget error and their exact bytes.
 */
async function assertOutcome({ ctx }: TestEnv, slug: string, planted: Planted, budgetError: RegExp): Promise<void> {
  const { truth, poisons } = planted;
  const record = await getCase(ctx.db.knex, slug);
  const stopped = (await ctx.db
    .knex('items')
    .where({ case_id: record.id })
    .whereNotNull('parse_error')
    .select('bates', 'sha256', 'parse_error')) as Array<{ bates: string; sha256: string; parse_error: string }>;
  const r = await caseReport(ctx.db.knex, slug);
  const n = poisons.length;
  assert.deepEqual(
    { samples: r.samples, items: r.items, messages: r.messages, deliveries: r.deliveries, accounts: r.accounts },
    {
      samples: truth.samples + n,
      items: truth.items + n,
      messages: truth.messages + n,
      deliveries: truth.deliveries + n,
      accounts: truth.accounts,
    },
    `items left unparsed: ${JSON.stringify(stopped.map((s) => [s.bates, s.parse_error]))}`,
  );
  const budgetItems = stopped.filter((i) => budgetError.test(i.parse_error));
  assert.equal(
    budgetItems.length,
    n,
    `items stopped by the budget: ${JSON.stringify(stopped.map((s) => s.parse_error))}`,
  );
  const expected = poisons.map((p) => crypto.createHash('sha256').update(p).digest('hex')).sort();
  assert.deepEqual(budgetItems.map((i) => i.sha256).sort(), expected);
  for (const item of budgetItems) {
    const bytes = readItemBytes(ctx, slug, await itemDetail(ctx.db.knex, record.id, item.bates));
    assert.ok(
      poisons.some((p) => p.equals(bytes)),
      `${item.bates} is byte for byte the planted message`,
    );
  }
  const bates = (await ctx.db.knex('items').count({ n: '*' }).countDistinct({ d: 'bates' }).first()) as {
    n: number | string;
    d: number | string;
  };
  assert.equal(Number(bates.n), Number(bates.d));
  const check = await fsck(ctx, slug);
  assert.deepEqual(check.problems, []);
  assert.equal(check.itemsChecked, r.items);
}

storageTest(
  'time budget: a slow message in a folder, an mbox and a ZIP is kept unparsed, the CLI goes on, counts exact',
  async (env, t) => {
    const planted = await plant(slowMessage);
    await createCase(env.ctx, { slug: 'slow', title: 'Slow', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'spamcase.js'), 'ingest', '--case', 'slow', ...planted.paths],
      {
        env: { ...process.env, DATABASE_URL: '', ...env.env, SPAMCASE_MESSAGE_TIME_BUDGET_MS: String(TIME_BUDGET_MS) },
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    t.diagnostic(`CLI ingest with 3 slow messages and a ${TIME_BUDGET_MS} ms budget: ${Date.now() - started} ms`);
    assert.equal(run.status, 0, run.stderr);
    await assertOutcome(
      env,
      'slow',
      planted,
      new RegExp(`^analysis stopped: over the time budget of ${TIME_BUDGET_MS} ms per message`),
    );
  },
  { timeout: 300_000 },
);

storageTest(
  'memory budget: a memory-hungry message in a folder, an mbox and a ZIP is kept unparsed, counts exact',
  async (env, t) => {
    const planted = await plant(hungryMessage);
    await createCase(env.ctx, {
      slug: 'hungry',
      title: 'Hungry',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const started = Date.now();
    await ingest(env.ctx, {
      caseSlug: 'hungry',
      method: 'trap',
      paths: planted.paths,
      budget: { memoryMb: 48, timeMs: 600_000 },
    });
    t.diagnostic(`ingest with 3 memory-hungry messages and a 48 MB heap: ${Date.now() - started} ms`);
    await assertOutcome(env, 'hungry', planted, /^analysis stopped: over the memory budget of 48 MB per message/);
  },
  { timeout: 300_000 },
);

test('time budget: an analysis that ends over the budget before the timer strikes is stopped all the same (no timer here at all)', async () => {
  const planted = await plant(slowMessage);
  const [maildir] = planted.paths;
  const budget = { timeMs: TIME_BUDGET_MS, memoryMb: 512 };
  const watch = { progress: new SharedArrayBuffer(12), plan: FRESH_START, budget };
  const stopped: Buffer[] = [];
  let analysed = 0;
  let slowest = 0;
  for await (const event of analyzeInline(maildir!, { envelopeRecipient: null, unwrapForwards: false }, watch)) {
    if (event.type !== 'sample' || event.analysis.kind !== 'email') continue;
    if (event.analysis.parseError?.startsWith('analysis stopped')) {
      assert.equal(event.analysis.parseError, timeBudgetError(budget));
      assert.equal(event.analysis.fromAddress, null);
      stopped.push(Buffer.from(event.bytes));
    } else {
      analysed += 1;
      const began = performance.now();
      analyzeSample(event.bytes, null, null, null, true);
      slowest = Math.max(slowest, performance.now() - began);
    }
  }
  assert.deepEqual(stopped, [planted.poisons[0]]);
  assert.ok(analysed > 10);
  assert.ok(
    slowest < TIME_BUDGET_MS / 5,
    `the slowest real message took ${slowest.toFixed(1)} ms to analyse: too close to the ${TIME_BUDGET_MS} ms budget these tests use`,
  );
});

test('budget configuration: defaults, SPAMCASE_MESSAGE_* values, and bad values refused by name', () => {
  assert.deepEqual(loadConfig({}).ingestBudget, { timeMs: 30_000, memoryMb: 512 });
  assert.deepEqual(
    loadConfig({ SPAMCASE_MESSAGE_TIME_BUDGET_MS: '250', SPAMCASE_MESSAGE_MEMORY_BUDGET_MB: '64' }).ingestBudget,
    { timeMs: 250, memoryMb: 64 },
  );
  assert.throws(
    () => loadConfig({ SPAMCASE_MESSAGE_TIME_BUDGET_MS: '0', SPAMCASE_MESSAGE_MEMORY_BUDGET_MB: '8' }),
    (err: Error) => {
      assert.match(
        err.message,
        /SPAMCASE_MESSAGE_TIME_BUDGET_MS must be a whole number of milliseconds >= 1 \(got "0"\)/,
      );
      assert.match(
        err.message,
        /SPAMCASE_MESSAGE_MEMORY_BUDGET_MB must be a whole number of megabytes >= 32 \(got "8"\)/,
      );
      return true;
    },
  );
  assert.throws(() => loadConfig({ SPAMCASE_MESSAGE_TIME_BUDGET_MS: '30s' }), /SPAMCASE_MESSAGE_TIME_BUDGET_MS/);
});
