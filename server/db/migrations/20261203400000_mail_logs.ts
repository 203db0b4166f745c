/**
 * Mail server logs as evidence (docs/LOGS.md): each log file a party acquired (its exact bytes in
 * the store, its provenance: server, declared time zone, rotation name, the year reference of its
 * syslog timestamps) and the attempts read from it, one row per (log event, recipient), with the
 * harvested item an attempt was matched to and the rule that matched it.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('log_files', (t) => {
    t.increments('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('party_id').notNullable().references('id').inTable('parties');
    t.integer('acquisition_id').notNullable().references('id').inTable('acquisitions');
    t.string('server', 255).notNullable();
    t.string('time_zone', 64).notNullable();
    t.string('rotation_name', 255).notNullable();
    t.string('format', 16).notNullable();
    /** SHA-256 of the bytes as acquired (compressed if the file was). */
    t.string('sha256', 64).notNullable();
    /** SHA-256 of the text once decompressed: a rotated file gzip'd later is the same log. */
    t.string('content_sha256', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('pack', 64).notNullable();
    t.bigInteger('pack_offset').notNullable();
    /** Syslog lines carry no year: the reference time the year was taken from, and where it came from. */
    t.string('year_reference', 32).notNullable();
    t.string('year_reference_source', 16).notNullable();
    t.bigInteger('lines').notNullable();
    t.bigInteger('unknown_lines').notNullable();
    t.bigInteger('long_lines').notNullable();
    t.bigInteger('attempts').notNullable();
    /** Set when the same content was already read from another file of this server: no attempts added. */
    t.integer('same_content_as');
    t.index(['case_id', 'content_sha256']);
  });
  await knex.schema.createTable('attempts', (t) => {
    t.bigIncrements('id').primary();
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('log_file_id').notNullable().references('id').inTable('log_files');
    t.bigInteger('line').notNullable();
    t.string('at', 32).notNullable();
    t.string('server', 255).notNullable();
    t.string('client_ip', 64);
    t.string('client_name', 255);
    t.string('helo', 255);
    t.string('sender', 320);
    t.string('recipient', 320);
    t.string('result', 24).notNullable();
    t.string('queue_id', 64);
    t.text('message_id');
    /** messageKeyHash of the Message-ID's message key: joins to messages on their (case_id, key_hash) index. */
    t.bigInteger('message_key_hash');
    t.text('status_text');
    t.bigInteger('item_id');
    t.string('match_rule', 24);
    t.index(['case_id', 'message_id']);
    t.index(['case_id', 'client_ip']);
    t.index(['case_id', 'sender']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('attempts');
  await knex.schema.dropTableIfExists('log_files');
}
