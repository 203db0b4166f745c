import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BULK_INSERT_ROWS, bulkInsert, sqliteRowWriter, statementRows } from '../../server/db/bulk-insert.ts';
import { storageTest } from '../helpers/databases.ts';

test('rows are split into full chunks and power-of-two remainders (few statement shapes)', () => {
  const sizes = (n: number) => {
    const out: number[] = [];
    for (let left = n; left > 0; left -= out.at(-1)!) out.push(statementRows(left));
    return out;
  };
  assert.deepEqual(sizes(1000), [BULK_INSERT_ROWS, BULK_INSERT_ROWS, 128, 64, 8]);
  assert.deepEqual(sizes(1), [1]);
  const shapes = new Set<number>();
  for (let n = 1; n <= 2000; n++) for (const s of sizes(n)) shapes.add(s);
  assert.ok(shapes.size <= 10, `${shapes.size} statement shapes`);
});

storageTest('bulk insert writes every row once and skips rows whose key exists when asked', async ({ ctx }) => {
  const knex = ctx.db.knex;
  await knex.schema.createTable('bulk_probe', (t) => {
    t.integer('k').primary();
    t.string('v');
  });
  const rows = Array.from({ length: 1003 }, (_, i) => [i, `v${i}`]);
  await bulkInsert(knex, 'bulk_probe', ['k', 'v'], rows);
  await bulkInsert(
    knex,
    'bulk_probe',
    ['k', 'v'],
    [
      [5, 'other'],
      [2000, 'new'],
    ],
    ['k'],
  );
  const all = (await knex('bulk_probe').orderBy('k').select('k', 'v')) as Array<{ k: number; v: string }>;
  assert.equal(all.length, 1004);
  assert.equal(all[5]!.v, 'v5');
  assert.equal(all.at(-1)!.v, 'new');
  await assert.rejects(bulkInsert(knex, 'bulk_probe', ['k', 'v'], [[1, 'dup']]));
  await assert.rejects(bulkInsert(knex, 'bulk_probe; drop table x', ['k'], [[1]]), /bad identifier/);
});

storageTest(
  'the SQLite row writer stores every row in order in its transaction; none outside one or on PostgreSQL',
  async ({ ctx, dialect }) => {
    const knex = ctx.db.knex;
    await knex.schema.createTable('row_probe', (t) => {
      t.integer('k').primary();
      t.string('v');
    });
    assert.equal(await sqliteRowWriter(knex, 'row_probe', ['k', 'v']), null);
    await knex.transaction(async (trx) => {
      const w = await sqliteRowWriter(trx, 'row_probe', ['k', 'v']);
      if (dialect === 'pg') return assert.equal(w, null);
      assert.ok(w);
      for (let i = 0; i < 2 * BULK_INSERT_ROWS + 201; i++) {
        w.values.push(i, i % 7 === 0 ? null : `v${i}`);
        w.endRow();
      }
      // Two full statements ran inside the transaction; the rest waits for finish.
      assert.equal(
        Number(((await trx('row_probe').count({ n: '*' })) as Array<{ n: number }>)[0]!.n),
        2 * BULK_INSERT_ROWS,
      );
      w.finish();
      w.values.push(1, 'x', 'extra');
      assert.throws(() => w.endRow(), /3 values for 1 rows/);
    });
    const all = (await knex('row_probe').orderBy('k').select('k', 'v')) as Array<{ k: number; v: string | null }>;
    if (dialect === 'pg') return assert.equal(all.length, 0);
    assert.equal(all.length, 2 * BULK_INSERT_ROWS + 201);
    assert.deepEqual(all[7], { k: 7, v: null });
    assert.deepEqual(all.at(-1), { k: 2 * BULK_INSERT_ROWS + 200, v: `v${2 * BULK_INSERT_ROWS + 200}` });
  },
);
