/**
 * The damages rule set chosen for a case (`spamcase damages --save`, `spamcase case set --rules`):
 * at most one per case, with the SHA-256 of the rule-set file as it was when chosen, so a report
 * can say whether the file changed since. Each choice is also a custody event.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('case_damages_rules', (t) => {
    t.integer('case_id').primary().references('id').inTable('cases');
    t.string('rules', 1000).notNullable();
    t.string('rules_sha256', 64).notNullable();
    t.string('chosen_at', 32).notNullable();
    t.string('chosen_by', 200).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('case_damages_rules');
}
