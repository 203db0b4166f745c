/**
 * The queue ids receiving servers wrote into the harvested items' Received lines (issue 24: the
 * `queue-id` match rule, docs/LOGS.md). The stored messages never change, so each item is read
 * once: `received_queue_id_marks` says up to which item id a case has been read, and the next
 * match reads only the items ingested since.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('received_queue_ids', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.bigInteger('item_id').notNullable();
    /** The `by` host of the line, lowercased, without a trailing dot. */
    t.string('by_host', 255).notNullable();
    t.string('queue_id', 64).notNullable();
    /** The line's date, ISO 8601 UTC; null when it does not read. */
    t.string('received_at', 32);
    t.index(['case_id', 'queue_id']);
  });
  await knex.schema.createTable('received_queue_id_marks', (t) => {
    t.integer('case_id').primary().references('id').inTable('cases');
    t.bigInteger('through_item_id').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('received_queue_id_marks');
  await knex.schema.dropTableIfExists('received_queue_ids');
}
