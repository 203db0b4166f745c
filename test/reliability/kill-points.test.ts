/**
 * Crash safety at many points (issue 9): the CLI ingests a ZIP, an mbox and a maildir and is killed
 * with SIGKILL twenty times, each run starting with another of the three inputs, at seeded random moments (during a ZIP
 * member, an mbox split, a
 * database commit, or before anything happened); each time it is started again. After a last,
 * uninterrupted run the counts equal the generator's truth, fsck re-hashes every item and finds no
 * problem, and the custody chain verifies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { random } from './mutate.ts';

const KILLS = 20;

/** The generated trap folder as one deflated ZIP (over 8 MiB, so it is read by random access). */
function zipTrapFolder(out: string): string {
  const trap = path.join(out, 'trap');
  const members: Array<{ name: string; data: Buffer }> = [];
  for (const dir of fs.readdirSync(trap).sort()) {
    for (const name of fs.readdirSync(path.join(trap, dir)).sort())
      members.push({ name: `${dir}/${name}`, data: fs.readFileSync(path.join(trap, dir, name)) });
  }
  const zip = path.join(out, 'trap.zip');
  fs.writeFileSync(zip, buildZip(members));
  fs.rmSync(trap, { recursive: true });
  return zip;
}

storageTest(
  'twenty SIGKILLs at random points, then one full run: exact counts, fsck clean',
  async ({ ctx, env }, t) => {
    const out = path.join(tempDir('spamcase-kills-'), 'c');
    const truth = await generateCorpus({
      out,
      messages: 6000,
      seed: 11,
      layout: 'mixed',
      rates: { mbox: 0.45, maildir: 0.1 },
    });
    const paths = [zipTrapFolder(out), path.join(out, 'reports.mbox'), path.join(out, 'maildir')];
    assert.ok(fs.statSync(paths[0]!).size > 8 * 1024 * 1024);
    await createCase(ctx, { slug: 'kills', title: 'Kills', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });

    const rng = random(20261127);
    const seenAt: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Each run starts with another input, so kills land in the ZIP, the mbox and the maildir.
      const order = [...paths.slice(kill % 3), ...paths.slice(0, kill % 3)];
      const before = (await ctx.db.knex('acquisitions').max({ id: 'id' }).first()) as { id: number | null };
      const child = spawn(
        process.execPath,
        [path.join(PROJECT_ROOT, 'bin', 'spamcase.js'), 'ingest', '--case', 'kills', ...order],
        {
          env: { ...process.env, DATABASE_URL: '', ...env },
          stdio: 'ignore',
        },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait until the run has started its first acquisition, then kill it a random moment later.
      for (let i = 0; i < 600; i++) {
        const started = (await ctx.db
          .knex('acquisitions')
          .where('id', '>', Number(before.id ?? 0))
          .first('id')) as { id: number } | undefined;
        if (started || child.exitCode !== null) break;
        await sleep(50);
      }
      await sleep(Math.floor(rng() * 2500));
      child.kill('SIGKILL');
      const code = await exited;
      // The input this run was in when killed: the last acquisition it started.
      const running = (await ctx.db
        .knex('acquisitions')
        .where('id', '>', Number(before.id ?? 0))
        .orderBy('id', 'desc')
        .first('source_name', 'status')) as { source_name: string; status: string } | undefined;
      seenAt.push(
        code === null && running
          ? `killed in ${path.basename(running.source_name)}`
          : `not killed mid-way (exit ${code})`,
      );
      // Between kills the case is always consistent: what was committed re-hashes.
      if (kill % 5 === 4) assert.deepEqual((await fsck(ctx, 'kills')).problems, [], `after kill ${kill + 1}`);
    }
    t.diagnostic(`kill points: ${seenAt.join(', ')}`);
    const killed = seenAt.filter((s) => s.startsWith('killed in'));
    assert.ok(killed.length >= 18, `${killed.length} of ${KILLS} runs were killed mid-way`);
    assert.ok(
      killed.some((s) => s.includes('trap.zip')),
      'a kill landed in the ZIP',
    );
    assert.ok(
      killed.some((s) => s.includes('reports.mbox')),
      'a kill landed in the mbox',
    );

    await ingest(ctx, { caseSlug: 'kills', method: 'trap', paths });
    const r = await caseReport(ctx.db.knex, 'kills');
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
    const bates = (await ctx.db.knex('items').count({ n: '*' }).countDistinct({ d: 'bates' }).first()) as {
      n: number | string;
      d: number | string;
    };
    assert.equal(Number(bates.n), Number(bates.d), 'no Bates number twice');
    const final = await fsck(ctx, 'kills');
    assert.deepEqual(final.problems, []);
    assert.equal(final.itemsChecked, r.items);
  },
  { timeout: 600_000 },
);
