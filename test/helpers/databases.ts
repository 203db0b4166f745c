/**
 * Runs a storage test on both databases: a real SQLite file in a temp data root, and a fresh
 * PostgreSQL database (created per test, dropped after) on 127.0.0.1:5432. Without PostgreSQL the
 * pg variant skips with a clear message; under CI (CI=true) it fails instead: CI never skips.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import type { Context } from '../../server/context.ts';
import { openDatabase, type Dialect } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';

export const PG_ADMIN_URL = process.env.SPAMCASE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<boolean> | null = null;
export function pgAvailable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgReachable;
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix = 'spamcase-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

let dbCounter = 0;

/** Run one statement as the PostgreSQL admin (CREATE/DROP DATABASE). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestEnv {
  ctx: Context;
  dialect: Dialect;
  dataRoot: string;
  /** Environment for running the CLI as a child process against this same store and database. */
  env: Record<string, string>;
}

/** Creates the store and database for one test; returns it with a cleanup function. */
export async function createTestEnv(
  dialect: Dialect,
  options: { clock?: () => Date } = {},
): Promise<{ env: TestEnv; cleanup(): Promise<void> }> {
  const dataRoot = tempDir();
  let url = '';
  let dbName = '';
  if (dialect === 'pg') {
    dbName = `spamcase_t_${process.pid}_${Date.now()}_${dbCounter++}`;
    await adminQuery(`CREATE DATABASE ${dbName}`);
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const db = openDatabase(
    dialect === 'pg' ? { client: 'pg', url } : { client: 'sqlite', filename: path.join(dataRoot, 'spamcase.sqlite') },
  );
  await migrateToLatest(db.knex);
  const ctx: Context = { db, dataRoot, clock: options.clock ?? (() => new Date()), actor: 'test-runner' };
  const childEnv: Record<string, string> = { SPAMCASE_HOME: dataRoot, TZ: 'UTC' };
  if (dialect === 'pg') childEnv.DATABASE_URL = url;
  return {
    env: { ctx, dialect, dataRoot, env: childEnv },
    async cleanup() {
      await db.close();
      if (dialect === 'pg') await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      fs.rmSync(dataRoot, { recursive: true, force: true });
    },
  };
}

/** Register `name [sqlite]` and `name [pg]`, each with its own fresh store and database. */
export function storageTest(
  name: string,
  fn: (env: TestEnv, t: TestContext) => Promise<void>,
  options: { timeout?: number } = {},
): void {
  for (const dialect of ['sqlite', 'pg'] as const) {
    test(`${name} [${dialect}]`, { timeout: options.timeout ?? 120_000 }, async (t) => {
      if (dialect === 'pg' && !(await pgAvailable())) {
        if (process.env.CI)
          throw new Error(
            `PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI never skips the PostgreSQL storage tests`,
          );
        t.skip(`PostgreSQL not reachable at ${PG_ADMIN_URL} (set SPAMCASE_TEST_PG_URL): PostgreSQL variant skipped`);
        return;
      }
      const { env, cleanup } = await createTestEnv(dialect);
      try {
        await fn(env, t);
      } finally {
        await cleanup();
      }
    });
  }
}
