/**
 * Opens the case index through knex: SQLite (better-sqlite3) by default, PostgreSQL when configured.
 *
 * SQLite is set up for evidence: WAL journal, synchronous FULL (a committed count survives a power
 * cut), foreign keys on, and every knex transaction begins with BEGIN IMMEDIATE so a writer takes
 * the write lock up front instead of failing half-way with SQLITE_BUSY.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config.ts';

const require = createRequire(import.meta.url);

/** How long a SQLite connection waits for another writer's lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
/**
 * Memory per sort or hash step of a PostgreSQL query on spamcase's connections (the server's default
 * is 4 MB). The report's distinct counts hash about 1.5 million item ids at a million messages: with
 * 4 MB the hash spilled to disk batch after batch and one count took minutes; with 64 MB, 2 s.
 */
export const PG_WORK_MEM = '64MB';
/**
 * SQLite page cache per connection. The default (2 MiB) is far smaller than the indexes ingest
 * touches (64-hex-digit keys on items, samples, messages, deliveries), and page eviction then
 * dominates insert time; 64 MiB keeps peak memory well under the 400 MB target.
 */
export const SQLITE_CACHE_KIB = 64 * 1024;
/** Prepared statements kept per SQLite connection (knex re-prepares every query otherwise). */
const STATEMENT_CACHE_SIZE = 128;

type RawSqlite = {
  pragma(source: string): unknown;
  prepare(sql: string): unknown;
};

/* knex's dialect classes are CommonJS without types; we extend two of them. */
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyClass = new (...args: any[]) => any;
const BetterSqliteClient = require('knex/lib/dialects/better-sqlite3/index.js') as AnyClass;
const SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction.js') as AnyClass;

class ImmediateTransaction extends SqliteTransaction {
  begin(conn: unknown): Promise<unknown> {
    return this.query(conn, 'BEGIN IMMEDIATE;');
  }
}

class EvidenceSqliteClient extends BetterSqliteClient {
  transaction(container: unknown, config: unknown, outerTx: unknown): unknown {
    return new ImmediateTransaction(this, container, config, outerTx);
  }

  async acquireRawConnection(): Promise<RawSqlite> {
    const db = (await super.acquireRawConnection()) as RawSqlite;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    db.pragma('temp_store = MEMORY');
    const cache = new Map<string, unknown>();
    const prepare = db.prepare.bind(db);
    db.prepare = (sql: string) => {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    };
    return db;
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type Dialect = 'sqlite' | 'pg';

export interface Database {
  knex: Knex;
  dialect: Dialect;
  /** What it was opened with: another process (a web upload's ingest, upload-jobs.ts) opens the same database. */
  config: Config['database'];
  close(): Promise<void>;
}

export function openDatabase(config: Config['database']): Database {
  if (config.client === 'sqlite') {
    fs.mkdirSync(path.dirname(config.filename), { recursive: true });
    const knex = knexFactory({
      client: EvidenceSqliteClient as unknown as typeof knexFactory.Client,
      connection: { filename: config.filename },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
    });
    return { knex, dialect: 'sqlite', config, close: () => knex.destroy() };
  }
  const knex = knexFactory({
    client: 'pg',
    connection: config.url,
    pool: {
      min: 0,
      max: 4,
      afterCreate(
        conn: { query(sql: string, cb: (err: Error | null) => void): void },
        done: (err: Error | null, conn: unknown) => void,
      ) {
        conn.query(`SET work_mem = '${PG_WORK_MEM}'`, (err) => done(err, conn));
      },
    },
  });
  return { knex, dialect: 'pg', config, close: () => knex.destroy() };
}
