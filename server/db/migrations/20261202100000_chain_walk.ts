/**
 * The chain walk (issue 19, docs/ATTRIBUTION.md section 2): each item keeps two IPs, the hand-off
 * (the first machine outside the party, recorded by the party's own line) and the origin (the
 * client recorded by the last believed line, or the provider's record of its authenticated user),
 * in `originating_ip` as before. Beside them: who handed the message over, when the believed lines
 * say it happened, which line recorded the origin, where belief stopped, and the walk's signals.
 * Existing rows get nulls until `spamcase attribute` recomputes them. Never edit this file once landed.
 */
import type { Knex } from 'knex';

export const CHAIN_WALK_COLUMNS = [
  'handoff_ip',
  'handoff_host',
  'handoff_provider',
  'handoff_at',
  'origin_source',
  'origin_line',
  'origin_at',
  'belief_stopped_line',
  'walk_signals',
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('item_attributions', (t) => {
    // The first machine outside the party, as the party's own line recorded it (address, reverse name).
    t.string('handoff_ip', 64);
    t.string('handoff_host', 255);
    // The provider (templates/providers/) whose relay the hand-off is, when it is one.
    t.string('handoff_provider', 64);
    // UTC time (ISO 8601) of the party's line that recorded the hand-off.
    t.string('handoff_at', 32);
    // How the origin was found: 'received' (client of the last believed line), 'provider-header' (the
    // provider's X-Originating-IP or kin), 'unconfirmed-header' (no outside line at all).
    t.string('origin_source', 24);
    // Line number (topmost = 1) whose client is the origin; null when the origin came from a header.
    t.integer('origin_line');
    // UTC time of the believed line that recorded the origin (the provider's when it is theirs).
    t.string('origin_at', 32);
    // Line number of the first Received line not believed; null when every line read was believed.
    t.integer('belief_stopped_line');
    // JSON array of signal texts (a HELO literal that differs from the seen address, a fetch skipped...).
    t.text('walk_signals');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('item_attributions', (t) => {
    for (const c of CHAIN_WALK_COLUMNS) t.dropColumn(c);
  });
}
