/**
 * Multi-row INSERT for the ingest hot path. knex's query builder costs more per row than SQLite
 * does (measured: most of a batch's time went to building the statements), so the hot path builds
 * `INSERT … VALUES (…),(…) [ON CONFLICT (…) DO NOTHING]` itself, identical text for every full
 * chunk (SQLite's prepared-statement cache then hits). Inside a transaction on SQLite the statement
 * runs on the transaction's better-sqlite3 connection directly: knex.raw rewrote the 5,200
 * placeholders of a full chunk and formatted every binding again (measured, 2,000-row batches of 13
 * columns: 8.3-10.5 µs of CPU per row through knex.raw, 3.8-5.0 µs direct). Outside a transaction
 * it goes through knex.raw. Identifiers are fixed strings from the code, never from input.
 * On PostgreSQL the rows go as one array per column through unnest instead (pg-bulk-insert.ts).
 */
import type { Knex } from 'knex';
import { pgUnnestInsert } from './pg-bulk-insert.ts';

/**
 * Rows per statement: SQLite allows 32,766 bound values, PostgreSQL 65,535; 400 rows of ≤ 16 columns stay far below.
 */
export const BULK_INSERT_ROWS = 400;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Rows in the next statement: full chunks, then powers of two for the remainder, so one table has
 * at most ten statement shapes. A shape per remainder size would fill the prepared-statement cache
 * with hundreds of large statements (measured: peak RSS grew with the corpus).
 */
export function statementRows(remaining: number): number {
  if (remaining >= BULK_INSERT_ROWS) return BULK_INSERT_ROWS;
  return 2 ** Math.floor(Math.log2(remaining));
}
const sqlCache = new Map<string, string>();

function statement(
  table: string,
  columns: readonly string[],
  rows: number,
  conflict: readonly string[] | undefined,
): string {
  const key = `${table}|${columns.join(',')}|${rows}|${conflict?.join(',') ?? ''}`;
  let sql = sqlCache.get(key);
  if (sql === undefined) {
    for (const name of [table, ...columns, ...(conflict ?? [])]) {
      if (!IDENTIFIER.test(name)) throw new Error(`bulk insert: bad identifier ${name}`);
    }
    const tuple = `(${columns.map(() => '?').join(',')})`;
    sql = `insert into ${table} (${columns.join(',')}) values ${Array(rows).fill(tuple).join(',')}`;
    if (conflict) sql += ` on conflict (${conflict.join(',')}) do nothing`;
    sqlCache.set(key, sql);
  }
  return sql;
}

/** Insert rows (arrays of values in `columns` order), optionally ignoring rows whose key exists. */
export async function bulkInsert(
  trx: Knex.Transaction | Knex,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  conflict?: readonly string[],
): Promise<void> {
  if (trx.client.config.client === 'pg') {
    if (conflict)
      for (const name of conflict) if (!IDENTIFIER.test(name)) throw new Error(`bulk insert: bad identifier ${name}`);
    await pgUnnestInsert(trx, table, columns, rows, conflict ? `on conflict (${conflict.join(',')}) do nothing` : '');
    return;
  }
  const direct = trx.isTransaction ? ((await trx.client.acquireConnection()) as SqliteConnection) : null;
  for (let i = 0; i < rows.length;) {
    const part = rows.slice(i, i + statementRows(rows.length - i));
    i += part.length;
    const bindings: unknown[] = [];
    for (const row of part) {
      if (row.length !== columns.length)
        throw new Error(`bulk insert into ${table}: row has ${row.length} values for ${columns.length} columns`);
      for (const v of row) bindings.push(sqliteValue(v));
    }
    const sql = statement(table, columns, part.length, conflict);
    if (direct) direct.prepare(sql).run(bindings);
    else await trx.raw(sql, bindings as Knex.RawBinding[]);
  }
}

/**
 * Rows written into one table on the SQLite transaction's better-sqlite3 connection as they are
 * made, synchronously: the caller pushes a row's values (strings, numbers or null, in `columns`
 * order) onto `values` and calls `endRow`; every BULK_INSERT_ROWS rows one prepared statement runs
 * with them, the same statement object each time, and `values` starts again (no per-row array, no
 * second copy of a batch). `finish` writes the rest. For a reader that hands over rows from
 * synchronous code (the log readers, docs/LOGS.md): they are stored without being held.
 */
export class SqliteRowWriter {
  values: unknown[] = [];
  rows = 0;
  private readonly full: { run(bindings: unknown[]): unknown };
  private readonly width: number;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {
    this.width = columns.length;
    this.full = conn.prepare(statement(table, columns, BULK_INSERT_ROWS, undefined));
  }

  endRow(): void {
    this.rows += 1;
    if (this.values.length !== this.rows * this.width)
      throw new Error(`bulk insert into ${this.table}: ${this.values.length} values for ${this.rows} rows`);
    if (this.rows === BULK_INSERT_ROWS) {
      this.full.run(this.values);
      this.values = [];
      this.rows = 0;
    }
  }

  finish(): void {
    let at = 0;
    while (this.rows > 0) {
      const n = statementRows(this.rows);
      this.conn
        .prepare(statement(this.table, this.columns, n, undefined))
        .run(this.values.slice(at * this.width, (at + n) * this.width));
      at += n;
      this.rows -= n;
    }
    this.values = [];
  }
}

/** A SqliteRowWriter when `trx` is a transaction on SQLite; null on PostgreSQL or outside one. */
export async function sqliteRowWriter(
  trx: Knex.Transaction | Knex,
  table: string,
  columns: readonly string[],
): Promise<SqliteRowWriter | null> {
  if (trx.client.config.client === 'pg' || !trx.isTransaction) return null;
  return new SqliteRowWriter((await trx.client.acquireConnection()) as SqliteConnection, table, columns);
}

/** The transaction's better-sqlite3 connection (its prepared statements are cached: db/connection.ts). */
interface SqliteConnection {
  prepare(sql: string): { reader: boolean; run(bindings: unknown[]): unknown; all(bindings: unknown[]): unknown[] };
}

/**
 * One hot-path statement with `?` placeholders and its rows (those of a `returning` clause or a
 * select): on the SQLite transaction's connection directly, as bulkInsert does; through knex.raw on
 * PostgreSQL or outside a transaction.
 */
export async function runStatement(
  trx: Knex.Transaction | Knex,
  sql: string,
  bindings: readonly unknown[],
): Promise<Array<Record<string, unknown>>> {
  if (trx.client.config.client !== 'pg') {
    const values = bindings.map(sqliteValue);
    if (trx.isTransaction) {
      const stmt = ((await trx.client.acquireConnection()) as SqliteConnection).prepare(sql);
      if (stmt.reader) return stmt.all(values) as Array<Record<string, unknown>>;
      stmt.run(values);
      return [];
    }
    const res = (await trx.raw(sql, values as Knex.RawBinding[])) as unknown;
    return Array.isArray(res) ? (res as Array<Record<string, unknown>>) : [];
  }
  const res = (await trx.raw(sql, bindings as Knex.RawBinding[])) as { rows?: Array<Record<string, unknown>> };
  return res.rows ?? [];
}

/** A value as better-sqlite3 binds it, converted as knex's dialect does (booleans and dates as numbers). */
function sqliteValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return Number(v);
  if (v instanceof Date) return v.valueOf();
  return v;
}
