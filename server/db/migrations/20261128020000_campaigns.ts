/**
 * Campaigns: one MinHash signature per message (computed at ingest), the numbered campaigns, and
 * each message's campaign with its similarity to the campaign's exemplar. Never edit once landed.
 *
 * A campaign number is never reused or renumbered; a campaign merged into an older one keeps its
 * row with merged_into set (the merge is also a custody event), so a number shown in an earlier
 * export still resolves.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('message_fingerprints', (t) => {
    t.bigInteger('message_id').primary().references('id').inTable('messages');
    t.integer('case_id').notNullable().references('id').inTable('cases');
    // 32 x 16-bit MinHash positions, little-endian; null when the message has no comparable content.
    t.binary('minhash');
    t.index(['case_id', 'message_id']);
  });

  await knex.schema.createTable('campaigns', (t) => {
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('number').notNullable();
    t.bigInteger('exemplar_message_id').notNullable().references('id').inTable('messages');
    t.integer('messages').notNullable();
    t.integer('merged_into');
    t.string('created_at', 32).notNullable();
    t.primary(['case_id', 'number']);
    t.index(['case_id', 'merged_into', 'messages']);
  });

  await knex.schema.createTable('campaign_members', (t) => {
    t.bigInteger('message_id').primary().references('id').inTable('messages');
    t.integer('case_id').notNullable().references('id').inTable('cases');
    t.integer('campaign_number').notNullable();
    // Estimated Jaccard similarity to the exemplar (0..1), from the signatures.
    t.float('similarity').notNullable();
    t.index(['case_id', 'campaign_number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['campaign_members', 'campaigns', 'message_fingerprints'])
    await knex.schema.dropTableIfExists(table);
}
