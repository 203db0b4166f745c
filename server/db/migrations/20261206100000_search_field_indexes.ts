/**
 * PostgreSQL: one GIN index per short field of search_docs (subject A, from B, to C), on the field's
 * own lexemes (`ts_filter(tsv, '{a}')`). A GIN index of the whole tsvector does not store weights, so
 * a field search (`to:example`) fetched and rechecked every row with the word in any field: 11.6 s at
 * 1,000,000 messages (docs/SEARCH.md, "Field searches on PostgreSQL"). The body keeps the whole
 * vector's index. SQLite's FTS5 filters columns in the index itself: nothing to add.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

const FIELDS = [
  ['search_docs_subject', 'a'],
  ['search_docs_from', 'b'],
  ['search_docs_to', 'c'],
] as const;

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const [name, weight] of FIELDS)
    await knex.raw(`create index if not exists ${name} on search_docs using gin (ts_filter(tsv, '{${weight}}'))`);
  // The planner estimates an expression index's matches from statistics ANALYZE gathers for the expression.
  await knex.raw('analyze search_docs');
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const [name] of FIELDS) await knex.raw(`drop index if exists ${name}`);
}
