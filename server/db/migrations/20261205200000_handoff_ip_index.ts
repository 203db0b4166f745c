/**
 * The `ip-time` match rule joins each window of attempts to the harvested hand-offs on
 * (case_id, handoff_ip) (issue 24, memory flat): without this index it held every hand-off of the
 * case in memory. Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('item_attributions', (t) => {
    t.index(['case_id', 'handoff_ip']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('item_attributions', (t) => {
    t.dropIndex(['case_id', 'handoff_ip']);
  });
}
