/**
 * A crash mid-ingest loses nothing and half-writes nothing: kill -9 the CLI after some batches have
 * committed, check the case is consistent (fsck: no problems), ingest again, get the exact truth. The
 * next ingest's start stores the killed acquisition as interrupted (its process is gone), with a custody
 * event, and keeps every sample it committed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../server/custody/chain.ts';
import { markInterruptedAcquisitions } from '../../server/cases/acquisition-owners.ts';
import { resolveScope } from '../../server/export/scope.ts';
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
    assert.ok(afterCrash.warnings.some((w) => /did not finish \(still marked running\)/.test(w)));
    const knex = ctx.db.knex;
    const killed = (await knex('acquisitions').first()) as Record<string, unknown>;
    assert.equal(killed.status, 'running', 'nobody has looked yet');
    assert.deepEqual([killed.owner_host, Number(killed.owner_pid)], [os.hostname(), child.pid]);
    const samplesOf = async (id: unknown) =>
      Number(((await knex('samples').where({ acquisition_id: id }).count({ n: '*' }))[0] as { n: number }).n);
    const kept = await samplesOf(killed.id);
    const caseId = (await getCase(knex, 'crash')).id;
    const eventsBefore = await listCustodyEvents(knex, caseId, 'crash');

    // The next ingest's start finds the killed one's process gone: interrupted, with a custody event, before its own.
    await ingest(ctx, { caseSlug: 'crash', method: 'trap', paths: [path.join(out, 'trap')] });
    const events = await listCustodyEvents(knex, caseId, 'crash');
    assert.deepEqual(verifyCustodyChain(events), []);
    const added = events.slice(eventsBefore.length).map((e) => e.action);
    assert.equal(added[0], 'acquisition-interrupted');
    assert.equal(added[1], 'acquisition-started');
    const interrupted = events.find((e) => e.action === 'acquisition-interrupted')!;
    assert.deepEqual(
      [interrupted.details.acquisition, interrupted.details.pid, interrupted.details.host, interrupted.details.samples],
      [Number(killed.id), child.pid, os.hostname(), kept],
    );
    const after = (await knex('acquisitions').where({ id: killed.id }).first()) as Record<string, unknown>;
    assert.equal(after.status, 'interrupted');
    assert.equal(await samplesOf(killed.id), kept, 'what the killed acquisition stored stays');
    assert.equal(Number(after.samples), Number(killed.samples));
    const scope = await resolveScope(knex, 'crash');
    assert.deepEqual([scope.running, scope.interrupted], [[], [Number(killed.id)]]);
    // Looking again marks nothing twice.
    assert.deepEqual(await markInterruptedAcquisitions(ctx), []);
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
    assert.ok(final.warnings.some((w) => /did not finish \(interrupted: its process ended first\)/.test(w)));
  },
  { timeout: 300_000 },
);
