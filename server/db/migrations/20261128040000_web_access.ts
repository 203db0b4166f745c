/**
 * The web UI's tables: users (with a role), case members, server-side sessions, upload jobs; a
 * case's jurisdiction; and the indexes the web lists page through (keyset, never a full scan for a
 * page). Never edit this file once landed: add a new migration.
 *
 * Sessions are stored by the SHA-256 of their id, so a copy of the database cannot be replayed as
 * a cookie. Timestamps are ISO 8601 UTC strings, as everywhere else.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.string('jurisdiction', 200);
  });

  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.string('role', 16).notNullable();
    t.string('password_hash', 300).notNullable();
    t.string('lang', 8);
    t.string('created_at', 32).notNullable();
    t.string('password_changed_at', 32).notNullable();
  });

  await knex.schema.createTable('case_members', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('added_at', 32).notNullable();
    t.string('added_by', 64).notNullable();
    t.primary(['case_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.string('id_hash', 64).primary();
    t.integer('user_id').references('id').inTable('users').onDelete('CASCADE');
    t.string('csrf_token', 64).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('last_seen_at', 32).notNullable();
    t.index(['user_id']);
    t.index(['last_seen_at']);
  });

  await knex.schema.createTable('upload_jobs', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('created_by', 64).notNullable();
    t.string('party', 200).notNullable();
    t.string('method', 16).notNullable();
    t.text('files').notNullable();
    t.string('status', 16).notNullable();
    t.integer('samples').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.bigInteger('bytes').notNullable().defaultTo(0);
    t.text('acquisition_ids').notNullable();
    t.text('error');
    t.string('created_at', 32).notNullable();
    t.string('finished_at', 32);
    t.index(['case_id', 'id']);
  });

  // Keyset paging of the item list by date and by size (Bates order uses the unique (case, bates)).
  await knex.schema.alterTable('items', (t) => {
    t.index(['case_id', 'date', 'id'], 'items_case_date_id');
    t.index(['case_id', 'size', 'id'], 'items_case_size_id');
  });
  // Provenance of one item, rejected inputs of one case.
  await knex.schema.alterTable('rejections', (t) => {
    t.index(['case_id', 'id'], 'rejections_case_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rejections', (t) => {
    t.dropIndex(['case_id', 'id'], 'rejections_case_id');
  });
  await knex.schema.alterTable('items', (t) => {
    t.dropIndex(['case_id', 'date', 'id'], 'items_case_date_id');
    t.dropIndex(['case_id', 'size', 'id'], 'items_case_size_id');
  });
  for (const table of ['upload_jobs', 'sessions', 'case_members', 'users']) await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable('cases', (t) => {
    t.dropColumn('jurisdiction');
  });
}
