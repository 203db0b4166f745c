/**
 * DKIM verification results (server/attribution/dkim/). Never edit once landed: add a migration.
 *
 * dkim_snapshots: the key snapshots a case was verified against, with their exact text and
 * SHA-256, so the case holds the keys its results rest on. `covered_through_item_id` is the
 * highest item id whose verification against this snapshot is committed: items are numbered in
 * ingest order, a run verifies them in id order and moves the mark in the same transaction as the
 * rows, so a re-run starts after it (idempotent) and a crash loses at most one batch.
 *
 * dkim_results: one row per signature field of a signed item, per snapshot. An item at or below
 * the mark with no row carried no signature ('none'): unsigned items take no rows.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dkim_snapshots', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('sha256', 64).notNullable();
    t.string('source_name', 1000).notNullable();
    t.integer('records').notNullable();
    t.bigInteger('bytes').notNullable();
    t.text('content').notNullable();
    t.string('first_run_at', 32).notNullable();
    t.string('last_run_at', 32).notNullable();
    t.bigInteger('covered_through_item_id').notNullable().defaultTo(0);
    t.unique(['case_id', 'sha256']);
  });

  await knex.schema.createTable('dkim_results', (t) => {
    t.bigInteger('item_id').notNullable().references('id').inTable('items');
    t.string('snapshot_sha256', 64).notNullable();
    t.integer('signature_index').notNullable();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('signature_field', 32).notNullable();
    t.string('domain', 255);
    t.string('identity', 320);
    t.string('selector', 255);
    t.string('algorithm', 64);
    t.bigInteger('body_length');
    t.string('result', 16).notNullable();
    t.text('reason').notNullable();
    t.string('key_fingerprint', 64);
    t.string('verified_at', 32).notNullable();
    t.primary(['item_id', 'snapshot_sha256', 'signature_index']);
    t.index(['case_id', 'result']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('dkim_results');
  await knex.schema.dropTableIfExists('dkim_snapshots');
}
