import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BULK_INSERT_ROWS, bulkInsert, statementRows } from '../../server/db/bulk-insert.ts';
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
