/**
 * Two indexes that keep the report's whole-case figures cheap at a million messages (issue 10):
 * items with a parse error are few, so a partial index on them answers "how many" without reading
 * every item row; messages by (case, date) answers the case's first and last date from the two
 * ends of the index instead of a scan. Both are plain SQL understood by SQLite and PostgreSQL.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX items_case_parse_error ON items (case_id) WHERE parse_error IS NOT NULL');
  await knex.raw('CREATE INDEX messages_case_date ON messages (case_id, date)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS messages_case_date');
  await knex.raw('DROP INDEX IF EXISTS items_case_parse_error');
}
