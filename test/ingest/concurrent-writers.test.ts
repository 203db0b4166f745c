/**
 * Several ingests of one case at the same time, each a real `spamcase ingest` process with the same
 * data root and database (on PostgreSQL: as on several machines sharing the store and the server).
 * The writers of a case take turns (BEGIN IMMEDIATE + busy timeout and retry on SQLite, an advisory
 * lock per case on PostgreSQL); the inputs overlap (the same folder ingested by two processes at
 * once, the maildir twice) and differ. The counts come out equal to the corpus truth, no item or
 * message is filed twice, Bates numbers are gapless per party, the store holds every item once
 * and `fsck` finds nothing wrong, custody chain included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase } from '../../server/cases/cases.ts';
import { caseReport } from '../../server/report/counts.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { listSegments } from '../../server/store/pack-store.ts';
import { storeDir } from '../../server/context.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

function ingestProcess(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'spamcase.js'), 'ingest', '--case', 'busy', ...args],
      {
        env: { ...process.env, DATABASE_URL: '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

storageTest(
  'four processes ingesting overlapping and distinct inputs into one case at once give exact counts, gapless Bates per party and a clean fsck',
  async ({ ctx, env }) => {
    const out = path.join(tempDir('spamcase-corpus-'), 'c');
    const truth = await generateCorpus({ out, messages: 1500, seed: 9, layout: 'mixed' });
    await createCase(ctx, {
      slug: 'busy',
      title: 'Busy',
      parties: [
        { name: 'Laposte.net', batesPrefix: 'LPN' },
        { name: 'MSN Hotmail', batesPrefix: 'MSN' },
      ],
    });
    const trap = path.join(out, 'trap');
    const results = await Promise.all([
      ingestProcess(env, ['--party', 'LPN', trap]),
      ingestProcess(env, ['--party', 'MSN', path.join(out, 'reports.mbox'), path.join(out, 'maildir')]),
      ingestProcess(env, ['--party', 'LPN', trap]),
      ingestProcess(env, ['--party', 'MSN', path.join(out, 'maildir')]),
    ]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);

    const knex = ctx.db.knex;
    const r = await caseReport(knex, 'busy');
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
    const distinct = async (table: string, column: string) =>
      Number(((await knex(table).countDistinct({ n: column }).first()) as { n: number | string }).n);
    assert.equal(await distinct('items', 'sha256'), truth.items, 'no item filed twice');
    assert.equal(await distinct('items', 'id'), truth.items);
    assert.equal(await distinct('messages', 'message_key'), truth.messages, 'no message filed twice');
    assert.equal(await distinct('items', 'bates'), truth.items, 'no Bates number given twice');
    const parties = (await knex('parties').select('id', 'bates_prefix', 'next_bates')) as Array<{
      id: number;
      bates_prefix: string;
      next_bates: number | string;
    }>;
    let numbered = 0;
    for (const p of parties) {
      const bates = ((await knex('items').where({ party_id: p.id }).pluck('bates')) as string[]).map((b) => {
        assert.ok(b.startsWith(`${p.bates_prefix}-`), b);
        return Number(b.slice(p.bates_prefix.length + 1));
      });
      bates.sort((a, b) => a - b);
      assert.ok(bates.length > 0, `party ${p.bates_prefix} got items`);
      assert.deepEqual(
        bates,
        Array.from({ length: bates.length }, (_, i) => i + 1),
        `Bates numbers of ${p.bates_prefix} are 1..n`,
      );
      assert.equal(Number(p.next_bates), bates.length + 1);
      numbered += bates.length;
    }
    assert.equal(numbered, truth.items);

    // Five acquisitions (one per input path and process), each finished.
    const acquisitions = (await knex('acquisitions').select('status')) as Array<{ status: string }>;
    assert.equal(acquisitions.length, 5);
    assert.ok(acquisitions.every((a) => a.status === 'complete'));

    // Processes that found new items each appended to segments of their own (a process whose input
    // another one had already filed opens none).
    const segments = listSegments(storeDir(ctx, 'busy'));
    const used = (await knex('items').distinct('pack').pluck('pack')) as string[];
    assert.ok(used.length >= 2, `items from at least two processes' segments, got ${used.join(', ')}`);
    assert.ok(used.every((p) => segments.includes(p)));
    const result = await fsck(ctx, 'busy');
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.equal(result.itemsChecked, truth.items);
    assert.equal(result.unreferencedRecords, 0, 'no process stored bytes of an item another process filed');
    // fsck recomputed the hash chain (a break would be among its problems); every acquisition is in it.
    const actions = (await knex('custody_events').orderBy('seq').pluck('action')) as string[];
    assert.equal(actions.filter((a) => a === 'acquisition-started').length, 5);
    assert.equal(actions.filter((a) => a === 'acquired').length, 5);
  },
  { timeout: 300_000 },
);
