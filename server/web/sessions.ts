/**
 * Server-side sessions (OWASP Session Management cheat sheet): the cookie holds a 128-bit random id,
 * the database holds only its SHA-256 with the user and the session's CSRF token. Every sign-in
 * makes a new id (the pre-sign-in session is deleted: no fixation); sign-out deletes the row, so a
 * copied cookie is dead at once. Sessions end after IDLE_TIMEOUT_MS without a request and in any
 * case ABSOLUTE_TIMEOUT_MS after they were made.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { SQLITE_BUSY_TIMEOUT_MS } from '../db/connection.ts';
import { translateDbError } from '../db/errors.ts';

export const SESSION_ID_BYTES = 16; // 128 bits
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** last_seen_at is written at most this often, so reading a page does not write on every request. */
const TOUCH_EVERY_MS = 60 * 1000;

export interface Session {
  idHash: string;
  userId: number | null;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
}

export function hashSessionId(id: string): string {
  return crypto.createHash('sha256').update(id).digest('hex');
}

export async function createSession(
  knex: Knex,
  userId: number | null,
  now: Date,
): Promise<{ id: string; session: Session }> {
  const id = crypto.randomBytes(SESSION_ID_BYTES).toString('base64url');
  const session: Session = {
    idHash: hashSessionId(id),
    userId,
    csrfToken: crypto.randomBytes(32).toString('base64url'),
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
  };
  await knex('sessions').insert({
    id_hash: session.idHash,
    user_id: userId,
    csrf_token: session.csrfToken,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
  });
  return { id, session };
}

/** The live session for a cookie value, or null (unknown, expired: expired rows are deleted). */
export async function loadSession(knex: Knex, id: string | undefined, now: Date): Promise<Session | null> {
  if (!id || id.length > 64) return null;
  const idHash = hashSessionId(id);
  const row = (await knex('sessions').where({ id_hash: idHash }).first()) as
    | { id_hash: string; user_id: number | null; csrf_token: string; created_at: string; last_seen_at: string }
    | undefined;
  if (!row) return null;
  const t = now.getTime();
  if (t - Date.parse(row.last_seen_at) > IDLE_TIMEOUT_MS || t - Date.parse(row.created_at) > ABSOLUTE_TIMEOUT_MS) {
    await knex('sessions').where({ id_hash: idHash }).delete();
    return null;
  }
  if (t - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) await touch(knex, idHash, now.toISOString());
  return {
    idHash,
    userId: row.user_id === null ? null : Number(row.user_id),
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

interface RawSqlite {
  pragma(source: string): unknown;
  prepare(sql: string): { run(...params: unknown[]): unknown };
}

/**
 * Writes a session's last_seen_at without waiting for another writer. On SQLite the driver is
 * synchronous and the web server has one connection: waiting up to the busy timeout for an ingest's
 * write lock (a million-message campaign update holds it for seconds) would stall every page being
 * served, and then fail this one. When the database is busy the write is skipped; a later request
 * writes it (the idle timeout is 30 minutes, the touch every minute).
 */
async function touch(knex: Knex, idHash: string, at: string): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex('sessions').where({ id_hash: idHash }).update({ last_seen_at: at });
    return;
  }
  const conn = (await knex.client.acquireConnection()) as RawSqlite;
  try {
    conn.pragma('busy_timeout = 0');
    try {
      conn.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(at, idHash);
    } catch (err) {
      if (translateDbError(err)?.code !== 'DB_BUSY') throw err;
    } finally {
      conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    }
  } finally {
    await knex.client.releaseConnection(conn);
  }
}

export async function deleteSession(knex: Knex, idHash: string): Promise<void> {
  await knex('sessions').where({ id_hash: idHash }).delete();
}

/** Removes sessions idle past the timeout (run at each sign-in; keeps the table small). */
export async function purgeExpiredSessions(knex: Knex, now: Date): Promise<void> {
  await knex('sessions')
    .where('last_seen_at', '<', new Date(now.getTime() - IDLE_TIMEOUT_MS).toISOString())
    .delete();
  await knex('sessions')
    .where('created_at', '<', new Date(now.getTime() - ABSOLUTE_TIMEOUT_MS).toISOString())
    .delete();
}
