/**
 * Runs the timestamped migrations. Migrations are listed here explicitly (not found by scanning a
 * folder) so they load the same way under tsx, in tests and from `npx spamcase`.
 */
import type { Knex } from 'knex';
import * as evidenceStore from './migrations/20261127120000_evidence_store.ts';
import * as attribution from './migrations/20261128010000_attribution.ts';
import * as dkimResults from './migrations/20261128015000_dkim_results.ts';
import * as campaigns from './migrations/20261128020000_campaigns.ts';
import * as exportsTable from './migrations/20261128030000_exports.ts';
import * as webAccess from './migrations/20261128040000_web_access.ts';
import * as damagesRuleChoice from './migrations/20261128050000_damages_rule_choice.ts';
import * as pgIdSequences from './migrations/20261128060000_pg_id_sequences.ts';
import * as reportIndexes from './migrations/20261128070000_report_indexes.ts';
import * as campaignSizes from './migrations/20261128080000_campaign_sizes.ts';
import * as chainWalk from './migrations/20261202100000_chain_walk.ts';
import * as searchIndex from './migrations/20261202400000_search_index.ts';
import * as labels from './migrations/20261202400100_labels.ts';
import * as mailLogs from './migrations/20261203400000_mail_logs.ts';
import * as receivedQueueIds from './migrations/20261203500000_received_queue_ids.ts';
import * as handoffIpIndex from './migrations/20261205200000_handoff_ip_index.ts';
import * as readablePages from './migrations/20261204220000_readable_pages.ts';
import * as attemptIndexes from './migrations/20261205100000_attempt_indexes.ts';
import * as searchFieldIndexes from './migrations/20261206100000_search_field_indexes.ts';
import * as acquisitionOwners from './migrations/20261207100000_acquisition_owners.ts';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['20261127120000_evidence_store', evidenceStore],
  ['20261128010000_attribution', attribution],
  ['20261128015000_dkim_results', dkimResults],
  ['20261128020000_campaigns', campaigns],
  ['20261128030000_exports', exportsTable],
  ['20261128040000_web_access', webAccess],
  ['20261128050000_damages_rule_choice', damagesRuleChoice],
  ['20261128060000_pg_id_sequences', pgIdSequences],
  ['20261128070000_report_indexes', reportIndexes],
  ['20261128080000_campaign_sizes', campaignSizes],
  ['20261202100000_chain_walk', chainWalk],
  ['20261202400000_search_index', searchIndex],
  ['20261202400100_labels', labels],
  ['20261203400000_mail_logs', mailLogs],
  ['20261203500000_received_queue_ids', receivedQueueIds],
  ['20261204220000_readable_pages', readablePages],
  ['20261205100000_attempt_indexes', attemptIndexes],
  ['20261205200000_handoff_ip_index', handoffIpIndex],
  ['20261206100000_search_field_indexes', searchFieldIndexes],
  ['20261207100000_acquisition_owners', acquisitionOwners],
];

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = MIGRATIONS.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};

/**
 * True when every migration listed here is recorded as applied. A read, no lock: every command
 * opens the database, and knex's `migrate.latest` takes its lock table in a write transaction (an
 * fsync under synchronous FULL) even when there is nothing to do. Any doubt (no table yet, a name
 * missing or unknown) answers false and `migrate.latest` decides, under its lock, as before.
 */
async function upToDate(knex: Knex): Promise<boolean> {
  try {
    const rows = (await knex('knex_migrations').select('name')) as Array<{ name: string }>;
    const applied = new Set(rows.map((r) => r.name));
    // Exactly our list: a name we do not know (a newer spamcase migrated this database) goes to
    // migrate.latest, which refuses it as before.
    return applied.size === MIGRATIONS.length && MIGRATIONS.every(([name]) => applied.has(name));
  } catch {
    return false;
  }
}

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  if (await upToDate(knex)) return [];
  const [, applied] = (await knex.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}

export async function rollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback({ migrationSource: source }, true);
}

export const MIGRATION_NAMES = MIGRATIONS.map(([name]) => name);
