/**
 * Reading a page never waits for another process's write lock on SQLite: the web server's one
 * connection is synchronous, so a session touch waiting out the busy timeout (10 s) behind an
 * ingest's long transaction stalled every page and then failed with 503 (seen once in the load
 * step at a million messages). Here another real connection holds the write lock.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createSession, loadSession } from '../../server/web/sessions.ts';
import { createTestEnv } from '../helpers/databases.ts';

test('a session is loaded at once while another process holds the write lock; its last-seen time is written later [sqlite]', async () => {
  const { env, cleanup } = await createTestEnv('sqlite');
  const knex = env.ctx.db.knex;
  const other = new Database(path.join(env.dataRoot, 'spamcase.sqlite'));
  try {
    const t0 = new Date('2026-11-28T10:00:00Z');
    const { id } = await createSession(knex, null, t0);
    const lastSeen = () =>
      (other.prepare('SELECT last_seen_at FROM sessions').get() as { last_seen_at: string }).last_seen_at;

    other.prepare('BEGIN IMMEDIATE').run();
    const started = performance.now();
    const during = await loadSession(knex, id, new Date(t0.getTime() + 5 * 60_000));
    const ms = performance.now() - started;
    assert.ok(during, 'the session is still valid');
    assert.ok(ms < 1000, `loaded in ${ms.toFixed(0)} ms, without waiting for the lock`);
    other.prepare('COMMIT').run();
    assert.equal(lastSeen(), t0.toISOString(), 'the touch was skipped while the database was busy');

    const later = new Date(t0.getTime() + 6 * 60_000);
    assert.ok(await loadSession(knex, id, later));
    assert.equal(lastSeen(), later.toISOString(), 'written at the next request');
    // The connection's busy timeout is back: a write transaction still waits for a lock instead of failing.
    assert.equal((await knex.raw('PRAGMA busy_timeout'))[0].timeout, 10_000);
  } finally {
    other.close();
    await cleanup();
  }
});
