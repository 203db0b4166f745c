/**
 * Pages readable by legal staff (issue 22, item 4): a case's time zone (an IANA name, 'UTC' for
 * cases made before it), in which its pages show dates; what a person said about an acquisition
 * (the file name the browser sent, never the server's temporary path; the custodian it came from;
 * notes); and an upload job's breakdown into new items and exact duplicates beside the rejected.
 * Stored dates stay ISO 8601 UTC. Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cases', (t) => {
    t.string('time_zone', 64).notNullable().defaultTo('UTC');
  });
  await knex.schema.alterTable('acquisitions', (t) => {
    t.string('file_name', 300);
    t.string('custodian', 200);
    t.text('notes');
  });
  await knex.schema.alterTable('upload_jobs', (t) => {
    t.integer('new_items').notNullable().defaultTo(0);
    t.integer('exact_duplicates').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('upload_jobs', (t) => {
    t.dropColumn('exact_duplicates');
    t.dropColumn('new_items');
  });
  await knex.schema.alterTable('acquisitions', (t) => {
    t.dropColumn('notes');
    t.dropColumn('custodian');
    t.dropColumn('file_name');
  });
  await knex.schema.alterTable('cases', (t) => {
    t.dropColumn('time_zone');
  });
}
