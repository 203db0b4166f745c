/**
 * Tags and notes staff put on items, accounts, originating IPs and campaigns, and saved searches
 * (docs/LABELS.md). A tag link or a note is never deleted, only marked removed with the custody
 * event that removed it, so a bundle as of an earlier event lists what was there then. Tag names as
 * of an event come from the custody log (tag-created, tag-renamed).
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tags', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('name', 100).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 200).notNullable();
    t.unique(['case_id', 'name']);
  });
  await knex.schema.createTable('tag_links', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('tag_id').notNullable();
    t.string('kind', 16).notNullable();
    t.string('ref', 320).notNullable();
    t.integer('added_seq').notNullable();
    t.integer('removed_seq');
    t.index(['case_id', 'kind', 'ref']);
    t.index(['tag_id', 'kind', 'ref']);
  });
  await knex.schema.createTable('notes', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('kind', 16).notNullable();
    t.string('ref', 320).notNullable();
    t.text('text').notNullable();
    t.string('at', 32).notNullable();
    t.string('author', 200).notNullable();
    t.integer('added_seq').notNullable();
    t.integer('removed_seq');
    t.index(['case_id', 'kind', 'ref']);
  });
  await knex.schema.createTable('saved_searches', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('name', 100).notNullable();
    t.text('query').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 200).notNullable();
    t.unique(['case_id', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['saved_searches', 'notes', 'tag_links', 'tags']) await knex.schema.dropTableIfExists(table);
}
