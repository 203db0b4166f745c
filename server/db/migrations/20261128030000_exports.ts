/**
 * Evidence bundles exported from a case: where, which bytes (SHA-256 of the ZIP), as of which
 * custody event, how many items, who signed. Never edit once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('exports', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('identifier', 200).notNullable();
    t.string('file_name', 1000).notNullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('bytes').notNullable();
    t.integer('as_of_seq').notNullable();
    t.string('as_of_hash', 64).notNullable();
    t.integer('items').notNullable();
    t.string('signer', 500).notNullable();
    t.string('signer_fingerprint', 100).notNullable();
    t.string('timestamp', 32);
    t.string('actor', 200).notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['case_id']);
    t.index(['sha256']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('exports');
}
