/**
 * Full-text search (docs/SEARCH.md). search_state: per case, the last item id indexed (the
 * high-water mark a build resumes from). search_texts: what snippets are cut from (sender,
 * recipients, the start of the decoded body). SQLite: a contentless FTS5 table whose rowid is the
 * item id, fed pre-tokenized text (our tokenizer, server/search/tokens.ts; FTS5's `ascii` tokenizer
 * then only splits at the spaces), with case, party and parse-error tokens in its `meta` column.
 * PostgreSQL: search_docs with a tsvector (subject A, from B, to C, body D) and a GIN index.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('search_state', (t) => {
    t.integer('case_id').primary().references('id').inTable('cases');
    t.bigInteger('indexed_through').notNullable().defaultTo(0);
    t.bigInteger('indexed_items').notNullable().defaultTo(0);
    t.string('updated_at', 32).notNullable();
  });
  await knex.schema.createTable('search_texts', (t) => {
    t.bigInteger('item_id').primary().references('id').inTable('items');
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.text('sender').notNullable();
    t.text('recipients').notNullable();
    t.text('body').notNullable();
  });
  if (knex.client.config.client === 'pg') {
    await knex.schema.createTable('search_docs', (t) => {
      t.bigInteger('item_id').primary().references('id').inTable('items');
      t.integer('case_id').notNullable().references('id').inTable('cases');
      t.integer('party_id').notNullable();
      t.boolean('parse_error').notNullable();
      t.specificType('tsv', 'tsvector').notNullable();
      t.index(['case_id', 'item_id']);
    });
    await knex.raw('create index search_docs_tsv on search_docs using gin (tsv)');
  } else {
    await knex.raw(
      "create virtual table search_fts using fts5(subject, sender, recipients, body, meta, content='', tokenize='ascii', prefix='2 3')",
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') await knex.schema.dropTableIfExists('search_docs');
  else await knex.raw('drop table if exists search_fts');
  await knex.schema.dropTableIfExists('search_texts');
  await knex.schema.dropTableIfExists('search_state');
}
