/**
 * The evidence index: cases, parties, acquisitions, samples, items, messages, deliveries, accounts,
 * custody events (and what acquisitions produced besides samples: wrappers and rejected inputs).
 * Never edit this file once landed: add a new migration.
 *
 * Identity follows the counting semantics, so that re-ingesting the same input is idempotent: an
 * item is (case, sha256), a message (case, message_key), a delivery (message, recipient), an
 * account (case, address).
 * Timestamps are ISO 8601 UTC strings, identical on SQLite and PostgreSQL.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cases', (t) => {
    t.increments('id').primary();
    t.string('slug', 64).notNullable().unique();
    t.string('title', 500).notNullable();
    t.string('created_at', 32).notNullable();
  });

  await knex.schema.createTable('parties', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases').onDelete('RESTRICT');
    t.string('name', 200).notNullable();
    t.string('bates_prefix', 16).notNullable();
    t.integer('next_bates').notNullable().defaultTo(1);
    t.unique(['case_id', 'name']);
    t.unique(['case_id', 'bates_prefix']);
  });

  await knex.schema.createTable('acquisitions', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('party_id').notNullable().references('id').inTable('parties');
    t.string('method', 16).notNullable();
    t.string('source_name', 1000).notNullable();
    t.string('source_sha256', 64);
    t.bigInteger('source_bytes');
    t.string('operator', 200).notNullable();
    t.string('started_at', 32).notNullable();
    t.string('finished_at', 32);
    t.string('status', 16).notNullable();
    t.integer('samples').notNullable().defaultTo(0);
    t.integer('new_items').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.string('envelope_recipient', 320);
    t.index(['case_id']);
  });

  // Items and messages get ids assigned by the (serialized) batch writer, in ingest order, so
  // indexes on them grow at their right edge. Their natural keys (SHA-256, message key) are found
  // through a 52-bit integer prefix (sha_key, key_hash) with a non-unique index, then compared in
  // full: a hex-string index outgrows the page cache at a million items and costs a WAL page per
  // insert (measured). Uniqueness is kept by the serialized writer and checked by fsck.
  await knex.schema.createTable('items', (t) => {
    t.bigInteger('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('sha256', 64).notNullable();
    t.bigInteger('sha_key').notNullable();
    t.string('bates', 32).notNullable();
    t.integer('party_id').notNullable().references('id').inTable('parties');
    t.integer('first_acquisition_id').notNullable().references('id').inTable('acquisitions');
    t.bigInteger('size').notNullable();
    t.string('pack', 64).notNullable();
    t.bigInteger('pack_offset').notNullable();
    t.bigInteger('message_id').notNullable();
    t.string('date', 32);
    t.text('parse_error');
    t.index(['case_id', 'sha_key']);
    t.unique(['case_id', 'bates']);
  });

  await knex.schema.createTable('messages', (t) => {
    t.bigInteger('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('message_key', 200).notNullable();
    t.bigInteger('key_hash').notNullable();
    t.text('header_message_id');
    t.string('identity', 64).notNullable();
    t.string('from_address', 320);
    t.text('subject');
    t.string('date', 32);
    t.bigInteger('first_item_id').notNullable();
    t.index(['case_id', 'key_hash']);
  });

  await knex.schema.createTable('deliveries', (t) => {
    t.bigInteger('message_id').notNullable().references('id').inTable('messages');
    t.string('recipient', 320).notNullable();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('recipient_source', 16).notNullable();
    t.bigInteger('first_item_id').notNullable().references('id').inTable('items');
    t.primary(['message_id', 'recipient']);
  });

  await knex.schema.createTable('accounts', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('address', 320).notNullable();
    t.string('domain', 255).notNullable();
    t.bigInteger('first_item_id').notNullable().references('id').inTable('items');
    t.primary(['case_id', 'address']);
  });

  await knex.schema.createTable('wrappers', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('acquisition_id').notNullable().references('id').inTable('acquisitions');
    t.string('locator', 2000).notNullable();
    t.string('kind', 16).notNullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('pack', 64).notNullable();
    t.bigInteger('pack_offset').notNullable();
    t.index(['case_id', 'sha256']);
    t.index(['acquisition_id', 'locator']);
  });

  // A sample is identified across ingest runs by (acquisition's party and source, locator, item):
  // re-ingesting an input looks its locators up under the earlier acquisitions of the same source.
  await knex.schema.createTable('samples', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('acquisition_id').notNullable().references('id').inTable('acquisitions');
    t.bigInteger('item_id').notNullable().references('id').inTable('items');
    t.string('locator', 2000).notNullable();
    t.string('envelope_sender', 320);
    t.integer('wrapper_id').references('id').inTable('wrappers');
    t.boolean('exact_duplicate').notNullable();
    t.bigInteger('message_id').notNullable().references('id').inTable('messages');
    t.string('recipient', 320).notNullable();
    t.index(['acquisition_id', 'locator']);
    t.index(['item_id']);
  });

  await knex.schema.createTable('rejections', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('acquisition_id').notNullable().references('id').inTable('acquisitions');
    t.string('locator', 2000).notNullable();
    t.text('reason').notNullable();
    t.bigInteger('size');
    t.string('sha256', 64);
    t.index(['acquisition_id', 'locator']);
  });

  await knex.schema.createTable('custody_events', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('seq').notNullable();
    t.string('at', 32).notNullable();
    t.string('actor', 200).notNullable();
    t.string('action', 64).notNullable();
    t.text('details').notNullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.unique(['case_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'custody_events',
    'rejections',
    'samples',
    'wrappers',
    'accounts',
    'deliveries',
    'messages',
    'items',
    'acquisitions',
    'parties',
    'cases',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
