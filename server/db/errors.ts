/**
 * Driver errors translated where they happen, per dialect, into domain errors.
 * Returns null for errors that are not database errors we know.
 */
import { SpamcaseError } from '../errors.ts';

interface DriverError {
  code?: string;
  message?: string;
}

export function translateDbError(err: unknown): SpamcaseError | null {
  if (err instanceof SpamcaseError) return err;
  const e = err as DriverError;
  const code = typeof e?.code === 'string' ? e.code : '';
  // better-sqlite3: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; PostgreSQL: 23505 unique_violation
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    return new SpamcaseError('DB_CONFLICT', 'a record with the same key already exists', { cause: err });
  }
  if (
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_BUSY_SNAPSHOT' ||
    code === 'SQLITE_LOCKED' ||
    code === '40001' ||
    code === '40P01'
  ) {
    return new SpamcaseError('DB_BUSY', 'the database is busy with another writer; try again', { cause: err });
  }
  return null;
}

/** Retry a whole write transaction when another writer holds the lock (SQLITE_BUSY, PG serialization failures). */
export async function withBusyRetry<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  let delay = 50;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (translateDbError(err)?.code !== 'DB_BUSY' || i >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay + Math.floor(Math.random() * delay)));
      delay = Math.min(delay * 2, 2000);
    }
  }
}
