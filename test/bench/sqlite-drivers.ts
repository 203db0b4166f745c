/**
 * The SQLite driver decision, measured side by side in one run: the ingest's write pattern (per
 * sample one item, one sample and one delivery row, indexed like the real schema; 2,000 samples
 * per BEGIN IMMEDIATE transaction; WAL + synchronous FULL) through knex on `sqlite3` and on
 * `better-sqlite3`. `sqlite3` is not a dependency (it compiles for ~2 minutes on install):
 *
 *   npm install --no-save sqlite3 && node --import tsx test/bench/sqlite-drivers.ts [--samples N]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import knexFactory, { type Knex } from 'knex';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '100000' } } });
const N = Number(values.samples);
const PER_TXN = 2000;
const ROWS_PER_STATEMENT = 400;
const require = createRequire(import.meta.url);

function hasModule(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

async function setup(knex: Knex): Promise<void> {
  for (const p of ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', 'cache_size = -65536'])
    await knex.raw(`pragma ${p}`);
  await knex.raw(
    'create table items (id integer primary key, case_id integer, sha256 text, bates text, size integer, unique (case_id, sha256), unique (case_id, bates))',
  );
  await knex.raw(
    'create table samples (id integer primary key, acquisition_id integer, item_id integer, locator text, message_id integer, recipient text)',
  );
  await knex.raw('create index samples_locator on samples (acquisition_id, locator)');
  await knex.raw('create index samples_item on samples (item_id)');
  await knex.raw(
    'create table deliveries (message_id integer, recipient text, case_id integer, primary key (message_id, recipient))',
  );
}

function insertSql(table: string, columns: string[], rows: number, ignore: boolean): string {
  const tuple = `(${columns.map(() => '?').join(',')})`;
  return `insert into ${table} (${columns.join(',')}) values ${Array(rows).fill(tuple).join(',')}${ignore ? ' on conflict do nothing' : ''}`;
}

async function run(client: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-driver-'));
  const knex = knexFactory({
    client,
    connection: { filename: path.join(dir, 'db.sqlite') },
    useNullAsDefault: true,
    pool: { min: 1, max: 1 },
  });
  await setup(knex);
  const hex = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < N; start += PER_TXN) {
    const items: unknown[][] = [];
    const samples: unknown[][] = [];
    const deliveries: unknown[][] = [];
    for (let i = start; i < Math.min(N, start + PER_TXN); i++) {
      const sha = hex(`item ${i}`);
      items.push([i + 1, 1, sha, `LPN-${String(i + 1).padStart(7, '0')}`, 3500]);
      samples.push([1, i + 1, `trap/${String(i).padStart(7, '0')}.eml`, i + 1, `user${i % 5000}@laposte.net`]);
      deliveries.push([i + 1, `user${i % 5000}@laposte.net`, 1]);
    }
    await knex.transaction(async (trx) => {
      for (const [table, columns, rows, ignore] of [
        ['items', ['id', 'case_id', 'sha256', 'bates', 'size'], items, false],
        ['samples', ['acquisition_id', 'item_id', 'locator', 'message_id', 'recipient'], samples, false],
        ['deliveries', ['message_id', 'recipient', 'case_id'], deliveries, true],
      ] as const) {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          const part = rows.slice(i, i + ROWS_PER_STATEMENT);
          await trx.raw(insertSql(table, [...columns], part.length, ignore), part.flat() as Knex.RawBinding[]);
        }
      }
    });
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await knex.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
  return N / seconds;
}

const drivers = ['better-sqlite3', 'sqlite3'].filter((d) => {
  if (hasModule(d)) return true;
  console.log(`${d} is not installed: skipped (npm install --no-save ${d})`);
  return false;
});
console.log(`${N} samples (3 indexed rows each), ${PER_TXN} per transaction, WAL + synchronous FULL`);
const results: Record<string, number> = {};
for (const d of drivers) {
  results[d] = await run(d);
  console.log(`${d.padEnd(16)} ${Math.round(results[d]!).toLocaleString('en-US').padStart(8)} samples/s`);
}
if (results['better-sqlite3'] && results.sqlite3)
  console.log(`better-sqlite3 / sqlite3 = ${(results['better-sqlite3'] / results.sqlite3).toFixed(2)}x`);
