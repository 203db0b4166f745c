/**
 * Two ingests of one case at the same time (two processes): the writers take turns (BEGIN
 * IMMEDIATE + busy timeout and retry on SQLite, the case row locked on PostgreSQL) and the counts
 * come out exact, Bates numbers without gaps or repeats.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase } from '../../server/cases/cases.ts';
import { caseReport } from '../../server/report/counts.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

storageTest('two processes ingesting into one case at once give exact counts and gapless Bates numbers', async ({ ctx, env }) => {
  const out = path.join(tempDir('spamcase-corpus-'), 'c');
  const truth = await generateCorpus({ out, messages: 1500, seed: 9, layout: 'mixed' });
  await createCase(ctx, { slug: 'busy', title: 'Busy', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const run = (...paths: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'spamcase.js'), 'ingest', '--case', 'busy', ...paths], {
        env: { ...process.env, DATABASE_URL: '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  const results = await Promise.all([run(path.join(out, 'trap')), run(path.join(out, 'reports.mbox'), path.join(out, 'maildir'))]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);

  const r = await caseReport(ctx.db.knex, 'busy');
  assert.deepEqual(
    { samples: r.samples, items: r.items, messages: r.messages, deliveries: r.deliveries, accounts: r.accounts },
    { samples: truth.samples, items: truth.items, messages: truth.messages, deliveries: truth.deliveries, accounts: truth.accounts },
  );
  const bates = ((await ctx.db.knex('items').pluck('bates')) as string[]).map((b) => Number(b.slice(4))).sort((a, b) => a - b);
  assert.deepEqual(bates, Array.from({ length: truth.items }, (_, i) => i + 1));
}, { timeout: 300_000 });
