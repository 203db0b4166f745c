/**
 * A crash mid-ingest loses nothing and half-writes nothing: kill -9 the CLI after some batches have
 * committed, check the case is consistent (fsck: no problems), ingest again, get the exact truth.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

storageTest(
  'an ingest killed with SIGKILL leaves a consistent case, and re-running it gives the exact counts',
  async ({ ctx, env }) => {
    const out = path.join(tempDir('spamcase-corpus-'), 'c');
    const truth = await generateCorpus({ out, messages: 6000, seed: 5, layout: 'eml' });
    await createCase(ctx, { slug: 'crash', title: 'Crash', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });

    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'spamcase.js'), 'ingest', '--case', 'crash', path.join(out, 'trap')],
      {
        env: { ...process.env, DATABASE_URL: '', ...env },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let committed = 0;
    for (let i = 0; i < 600 && committed === 0; i++) {
      await sleep(50);
      const row = (await ctx.db.knex('acquisitions').where({ status: 'running' }).first('samples')) as
        { samples: number } | undefined;
      committed = Number(row?.samples ?? 0);
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(
      committed > 0 && committed < truth.samples,
      `killed after ${committed} of ${truth.samples} samples were committed`,
    );

    const partial = await caseReport(ctx.db.knex, 'crash');
    assert.ok(partial.samples >= committed && partial.samples < truth.samples);
    const afterCrash = await fsck(ctx, 'crash');
    assert.deepEqual(afterCrash.problems, []);
    assert.equal(afterCrash.itemsChecked, partial.items);
    assert.ok(afterCrash.warnings.some((w) => /did not finish/.test(w)));

    await ingest(ctx, { caseSlug: 'crash', method: 'trap', paths: [path.join(out, 'trap')] });
    const r = await caseReport(ctx.db.knex, 'crash');
    assert.deepEqual(
      { samples: r.samples, items: r.items, messages: r.messages, deliveries: r.deliveries, accounts: r.accounts },
      {
        samples: truth.samples,
        items: truth.items,
        messages: truth.messages,
        deliveries: truth.deliveries,
        accounts: truth.accounts,
      },
    );
    const final = await fsck(ctx, 'crash');
    assert.deepEqual(final.problems, []);
  },
  { timeout: 300_000 },
);
