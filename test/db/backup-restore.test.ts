/**
 * The backup and restore recipe of docs/DEPLOY.md, done for real on PostgreSQL with the tools an
 * operator uses (pg_dump, pg_restore, cp -a, `spamcase fsck`): the database is dumped FIRST and
 * the data root copied AFTER, with ingests running before, between and after. Restored into a
 * fresh database and folder, the pair passes fsck and reports exactly what the case held when the
 * dump was taken (bytes stored after the dump are there but count nowhere). The other order, the
 * store copied before the dump, gives a pair fsck rejects: the dump points at bytes the copy lacks.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { adminQuery, createTestEnv, PG_ADMIN_URL, pgAvailable, tempDir } from '../helpers/databases.ts';

interface FsckJson {
  ok: boolean;
  itemsChecked: number;
  unreferencedRecords: number;
  problems: string[];
}

test(
  'pg_dump first, then a copy of the data root: restored into a fresh database and folder, fsck is clean and the counts are those of the dump',
  { timeout: 300_000 },
  async (t) => {
    if (!(await pgAvailable())) {
      if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}`);
      t.skip(`PostgreSQL not reachable at ${PG_ADMIN_URL}`);
      return;
    }
    const { env, cleanup } = await createTestEnv('pg');
    const restoredDbs: string[] = [];
    try {
      const { ctx } = env;
      const url = env.env.DATABASE_URL!;
      const corpus = path.join(tempDir('spamcase-corpus-'), 'c');
      await generateCorpus({ out: corpus, messages: 400, seed: 21, layout: 'mixed' });
      const later = path.join(tempDir('spamcase-corpus-'), 'c');
      await generateCorpus({ out: later, messages: 200, seed: 22, layout: 'eml' });
      await createCase(ctx, {
        slug: 'lpn',
        title: 'Laposte.net v. Doe',
        parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
      });
      const ingestPath = (p: string) => ingest(ctx, { caseSlug: 'lpn', method: 'trap', paths: [p] });
      const backup = tempDir('spamcase-backup-');

      await ingestPath(path.join(corpus, 'trap'));
      // The wrong order, for contrast: the data root copied before the dump, an ingest in between.
      execFileSync('cp', ['-a', env.dataRoot, path.join(backup, 'root-copied-too-early')]);
      await ingestPath(path.join(corpus, 'reports.mbox'));

      // The recipe: 1. dump the database (one consistent snapshot) ...
      execFileSync('pg_dump', ['--format=custom', '--file', path.join(backup, 'spamcase.dump'), url]);
      const atDump = await caseReport(ctx.db.knex, 'lpn');
      // ... an ingest writes while the backup runs ...
      await ingestPath(path.join(corpus, 'maildir'));
      // 2. ... then copy the data root: it holds every byte the dump points at, and perhaps more.
      execFileSync('cp', ['-a', env.dataRoot, path.join(backup, 'root')]);
      // Work goes on after the backup.
      await ingestPath(later);
      assert.notEqual((await caseReport(ctx.db.knex, 'lpn')).items, atDump.items);

      const restore = async (root: string) => {
        const name = `spamcase_restore_${process.pid}_${Date.now()}_${restoredDbs.length}`;
        await adminQuery(`create database ${name}`);
        restoredDbs.push(name);
        const u = new URL(PG_ADMIN_URL);
        u.pathname = `/${name}`;
        execFileSync('pg_restore', [
          '--no-owner',
          '--exit-on-error',
          '--dbname',
          u.toString(),
          path.join(backup, 'spamcase.dump'),
        ]);
        const dataRoot = path.join(tempDir('spamcase-restored-'), 'root');
        execFileSync('cp', ['-a', root, dataRoot]);
        const fsck = spawnSync(
          process.execPath,
          [path.join(PROJECT_ROOT, 'bin', 'spamcase.js'), 'fsck', '--case', 'lpn', '--json'],
          {
            env: { ...process.env, SPAMCASE_HOME: dataRoot, DATABASE_URL: u.toString(), TZ: 'UTC' },
            encoding: 'utf8',
          },
        );
        return {
          url: u.toString(),
          status: fsck.status,
          result: JSON.parse(fsck.stdout) as FsckJson,
          stderr: fsck.stderr,
        };
      };

      const good = await restore(path.join(backup, 'root'));
      assert.equal(good.status, 0, good.stderr);
      assert.deepEqual(good.result.problems, []);
      assert.equal(good.result.ok, true);
      assert.equal(
        good.result.itemsChecked,
        atDump.items,
        'every item the dump counts re-hashed from the copied store',
      );
      assert.ok(good.result.unreferencedRecords > 0, 'bytes stored after the dump are in the copy but count nowhere');
      const restoredDb = openDatabase({ client: 'pg', url: good.url });
      try {
        assert.deepEqual(await caseReport(restoredDb.knex, 'lpn'), atDump);
      } finally {
        await restoredDb.close();
      }

      const bad = await restore(path.join(backup, 'root-copied-too-early'));
      assert.equal(bad.status, 3, 'fsck exits 3 when the store copy lacks bytes the dump points at');
      assert.equal(bad.result.ok, false);
      assert.ok(
        bad.result.problems.some((p) => /missing from/.test(p)),
        bad.result.problems.join('\n'),
      );
    } finally {
      for (const name of restoredDbs) await adminQuery(`drop database if exists ${name} with (force)`);
      await cleanup();
    }
  },
);
