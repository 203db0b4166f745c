/**
 * Campaign sizes kept on the campaign row (issue 10): deliveries, accounts, originating IPs and the
 * date span were counted for every page view, which at 100,000 messages took 3-4 s per request,
 * since the largest campaigns span most of the case. They are now counted for the whole case in one
 * grouped pass (server/campaigns/sizes.ts) and stored with the custody sequence number they are
 * valid for (`campaign_size_heads`): a page whose case has a newer custody event recounts first.
 * Existing cases get their sizes at the first read. Never edit this file once landed.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.integer('deliveries').notNullable().defaultTo(0);
    t.integer('accounts').notNullable().defaultTo(0);
    t.integer('originating_ips');
    t.string('first_date', 32);
    t.string('last_date', 32);
  });
  await knex.schema.createTable('campaign_size_heads', (t) => {
    t.integer('case_id').primary().references('id').inTable('cases');
    t.bigInteger('custody_seq').notNullable();
    t.string('computed_at', 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('campaign_size_heads');
  await knex.schema.alterTable('campaigns', (t) => {
    for (const c of ['deliveries', 'accounts', 'originating_ips', 'first_date', 'last_date']) t.dropColumn(c);
  });
}
