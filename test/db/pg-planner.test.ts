/**
 * What PostgreSQL's planner needs from spamcase at a million messages.
 *
 * Statistics: PostgreSQL plans the ingest's batch lookups from table statistics. Autovacuum keeps them current
 * only when it is on (it is off on the test server) and when it gets round to a table; without them
 * a lookup of 500 items by key became a scan of the whole case (320 ms at a million items). Ingest
 * therefore analyzes the tables itself (ANALYZE, recorded as last_analyze; autovacuum's own runs are
 * recorded as last_autoanalyze).
 *
 * Memory: the report's distinct counts (items per party) hash about 1.5 million ids at a million
 * messages; with the server's default work_mem (4 MB) the hash spilled batch after batch and one
 * count took minutes, so spamcase's connections ask for PG_WORK_MEM.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { PG_WORK_MEM } from '../../server/db/connection.ts';
import { createTestEnv, PG_ADMIN_URL, pgAvailable, tempDir } from '../helpers/databases.ts';

test('ingest analyzes the tables its batch lookups read [pg]', { timeout: 120_000 }, async (t) => {
  if (!(await pgAvailable())) {
    if (process.env.CI)
      throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI never skips the PostgreSQL storage tests`);
    t.skip(`PostgreSQL not reachable at ${PG_ADMIN_URL}`);
    return;
  }
  const { env, cleanup } = await createTestEnv('pg');
  try {
    const knex = env.ctx.db.knex;
    const out = tempDir();
    await generateCorpus({ out, messages: 300, seed: 12, layout: 'eml' });
    await createCase(env.ctx, {
      slug: 'stats',
      title: 'Stats',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const analyzed = async () =>
      (
        (await knex.raw(
          "select relname from pg_stat_user_tables where last_analyze is not null and relname in ('items', 'messages', 'samples', 'deliveries')",
        )) as { rows: Array<{ relname: string }> }
      ).rows
        .map((r) => r.relname)
        .sort();
    assert.deepEqual(await analyzed(), [], 'a fresh database has no statistics of ours');
    await ingest(env.ctx, { caseSlug: 'stats', method: 'trap', paths: [out] });
    assert.deepEqual(await analyzed(), ['deliveries', 'items', 'messages', 'samples']);
  } finally {
    await cleanup();
  }
});

test("spamcase's PostgreSQL connections have work_mem for the report's distinct counts [pg]", async (t) => {
  if (!(await pgAvailable())) {
    if (process.env.CI)
      throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI never skips the PostgreSQL storage tests`);
    t.skip(`PostgreSQL not reachable at ${PG_ADMIN_URL}`);
    return;
  }
  const { env, cleanup } = await createTestEnv('pg');
  try {
    const shown = await Promise.all(
      [0, 1, 2, 3].map(() =>
        env.ctx.db.knex.transaction(
          async (trx) => ((await trx.raw('show work_mem')) as { rows: Array<{ work_mem: string }> }).rows[0]!.work_mem,
        ),
      ),
    );
    assert.deepEqual(shown, [PG_WORK_MEM, PG_WORK_MEM, PG_WORK_MEM, PG_WORK_MEM], 'on every pooled connection');
  } finally {
    await cleanup();
  }
});
