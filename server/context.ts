/**
 * The explicit context every domain function takes: the database, the data root, a clock and the
 * person (or process) acting, recorded in custody events.
 */
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from './config.ts';
import { openDatabase, type Database } from './db/connection.ts';
import { migrateToLatest } from './db/migrate.ts';

export interface Context {
  db: Database;
  dataRoot: string;
  clock: () => Date;
  actor: string;
}

export function caseDir(ctx: Pick<Context, 'dataRoot'>, slug: string): string {
  return path.join(ctx.dataRoot, slug);
}

export function storeDir(ctx: Pick<Context, 'dataRoot'>, slug: string): string {
  return path.join(caseDir(ctx, slug), 'store');
}

export function defaultActor(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}@${os.hostname()}`;
  }
}

/** Open the configured database, bring its schema up to date, and build a context. */
export async function openContext(config: Config = loadConfig(), actor = defaultActor()): Promise<Context> {
  const db = openDatabase(config.database);
  try {
    await migrateToLatest(db.knex);
  } catch (err) {
    await db.close();
    throw err;
  }
  return { db, dataRoot: config.dataRoot, clock: () => new Date(), actor };
}
