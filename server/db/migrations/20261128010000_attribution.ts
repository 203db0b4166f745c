/**
 * Attribution: what each item's headers say about who sent it and from where, and the volumes per
 * sender account and per originating IP, kept up to date by ingest so that a list of the top
 * accounts of a million-message case reads a few rows instead of grouping millions.
 *
 * `accounts` changes meaning: until now it held the distinct header-From addresses; from here on
 * it holds attributed sender accounts (docs/ATTRIBUTION.md) with their volumes. The old rows
 * cannot be converted here (attribution reads the stored raw messages, which a migration must
 * not), so they are dropped; `spamcase attribute --case X` rebuilds them for a case ingested
 * before this migration, and the report says how many items await it.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

function volumeColumns(t: Knex.CreateTableBuilder): void {
  t.bigInteger('deliveries').notNullable().defaultTo(0);
  t.bigInteger('items').notNullable().defaultTo(0);
  t.bigInteger('messages').notNullable().defaultTo(0);
  t.bigInteger('recipients').notNullable().defaultTo(0);
  t.string('first_seen', 32);
  t.string('last_seen', 32);
  t.bigInteger('first_item_id').notNullable();
  /** Strongest evidence rank seen for this key (1 strongest) and the evidence text of that rank. */
  t.integer('rank').notNullable();
  t.text('evidence').notNullable();
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('parties', (t) => {
    t.text('trusted_relays').notNullable().defaultTo('[]');
    t.text('trusted_authserv_ids').notNullable().defaultTo('[]');
  });

  await knex.schema.dropTable('accounts');
  await knex.schema.createTable('accounts', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('address', 320).notNullable();
    t.string('domain', 255).notNullable();
    t.string('provider', 255).notNullable();
    volumeColumns(t);
    t.primary(['case_id', 'address']);
    t.index(['case_id', 'deliveries']);
  });

  await knex.schema.createTable('originating_ips', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('ip', 64).notNullable();
    volumeColumns(t);
    t.primary(['case_id', 'ip']);
    t.index(['case_id', 'deliveries']);
  });

  await knex.schema.createTable('item_attributions', (t) => {
    // No foreign key: written by the batch writer in the same transaction, just before the item rows.
    t.bigInteger('item_id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('account', 320);
    /**
     * 52-bit prefix of the account's SHA-256 (keys.ts compactKey): an integer index grows cheaply at ingest, a text one
     * does not.
     */
    t.bigInteger('account_key');
    t.string('account_rank', 16);
    t.text('account_evidence').notNullable();
    t.string('originating_ip', 64);
    t.text('ip_evidence').notNullable();
    t.string('dkim', 16).notNullable();
    t.text('conflicts').notNullable();
    t.boolean('header_falsity').notNullable();
    t.index(['case_id', 'account_key']);
  });

  // Distinct recipients per account or IP: one row per (kind, key, recipient) seen, identified by
  // 96 bits of its SHA-256 in two integers (measured: a four-text-column key cost as much as the
  // rest of attribution at ingest; a collision needs ~2^48 pairs).
  await knex.schema.createTable('volume_recipients', (t) => {
    t.integer('case_id').notNullable();
    t.bigInteger('h1').notNullable();
    t.bigInteger('h2').notNullable();
    t.primary(['case_id', 'h1', 'h2']);
  });
  // Per-day deliveries and parties, per account (kind 'a') or IP (kind 'i').
  await knex.schema.createTable('volume_days', (t) => {
    t.integer('case_id').notNullable();
    t.string('kind', 1).notNullable();
    t.string('key', 320).notNullable();
    t.string('day', 10).notNullable();
    t.bigInteger('deliveries').notNullable();
    t.primary(['case_id', 'kind', 'key', 'day']);
  });
  await knex.schema.createTable('volume_parties', (t) => {
    t.integer('case_id').notNullable();
    t.string('kind', 1).notNullable();
    t.string('key', 320).notNullable();
    t.integer('party_id').notNullable().references('id').inTable('parties');
    t.primary(['case_id', 'kind', 'key', 'party_id']);
  });

  await knex.schema.createTable('defendants', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('name', 200).notNullable();
    t.string('created_at', 32).notNullable();
    t.unique(['case_id', 'name']);
  });
  // An account or IP belongs to at most one defendant of a case.
  await knex.schema.createTable('defendant_members', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('defendant_id').notNullable().references('id').inTable('defendants');
    t.string('kind', 8).notNullable();
    t.string('key', 320).notNullable();
    t.primary(['case_id', 'kind', 'key']);
    t.index(['defendant_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'defendant_members',
    'defendants',
    'volume_parties',
    'volume_days',
    'volume_recipients',
    'item_attributions',
    'originating_ips',
    'accounts',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.createTable('accounts', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.string('address', 320).notNullable();
    t.string('domain', 255).notNullable();
    t.bigInteger('first_item_id').notNullable().references('id').inTable('items');
    t.primary(['case_id', 'address']);
  });
  await knex.schema.alterTable('parties', (t) => {
    t.dropColumn('trusted_relays');
    t.dropColumn('trusted_authserv_ids');
  });
}
