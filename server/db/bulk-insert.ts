/**
 * Multi-row INSERT for the ingest hot path. knex's query builder costs more per row than SQLite
 * does (measured: most of a batch's time went to building the statements), so the hot path builds
 * `INSERT … VALUES (…),(…) [ON CONFLICT (…) DO NOTHING]` itself, identical text for every full
 * chunk (SQLite's prepared-statement cache then hits), and runs it through knex.raw, which adapts
 * placeholders per dialect. Identifiers are fixed strings from the code, never from input.
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
  for (let i = 0; i < rows.length;) {
    const part = rows.slice(i, i + statementRows(rows.length - i));
    i += part.length;
    const bindings: unknown[] = [];
    for (const row of part) {
      if (row.length !== columns.length)
        throw new Error(`bulk insert into ${table}: row has ${row.length} values for ${columns.length} columns`);
      for (const v of row)
        bindings.push(
          v === undefined ? null : typeof v === 'boolean' && trx.client.config.client !== 'pg' ? Number(v) : v,
        );
    }
    await trx.raw(statement(table, columns, part.length, conflict), bindings as Knex.RawBinding[]);
  }
}
