import assert from 'node:assert/strict';
import { migrateToLatest, rollbackAll, MIGRATION_NAMES } from '../../server/db/migrate.ts';
import { storageTest } from '../helpers/databases.ts';

/** The schema every other capability relies on. Changing it needs a new migration and this list. */
const EXPECTED_COLUMNS: Record<string, string[]> = {
  cases: ['id', 'slug', 'title', 'created_at', 'jurisdiction', 'time_zone'],
  parties: ['id', 'case_id', 'name', 'bates_prefix', 'next_bates', 'trusted_relays', 'trusted_authserv_ids'],
  acquisitions: [
    'id',
    'case_id',
    'party_id',
    'method',
    'source_name',
    'source_sha256',
    'source_bytes',
    'operator',
    'started_at',
    'finished_at',
    'status',
    'samples',
    'new_items',
    'rejected',
    'envelope_recipient',
    'file_name',
    'custodian',
    'notes',
    'owner_host',
    'owner_pid',
    'owner_start',
  ],
  items: [
    'id',
    'case_id',
    'sha256',
    'sha_key',
    'bates',
    'party_id',
    'first_acquisition_id',
    'size',
    'pack',
    'pack_offset',
    'message_id',
    'date',
    'parse_error',
  ],
  messages: [
    'id',
    'case_id',
    'message_key',
    'key_hash',
    'header_message_id',
    'identity',
    'from_address',
    'subject',
    'date',
    'first_item_id',
  ],
  deliveries: ['message_id', 'recipient', 'case_id', 'recipient_source', 'first_item_id'],
  accounts: [
    'case_id',
    'address',
    'domain',
    'provider',
    'deliveries',
    'items',
    'messages',
    'recipients',
    'first_seen',
    'last_seen',
    'first_item_id',
    'rank',
    'evidence',
  ],
  originating_ips: [
    'case_id',
    'ip',
    'deliveries',
    'items',
    'messages',
    'recipients',
    'first_seen',
    'last_seen',
    'first_item_id',
    'rank',
    'evidence',
  ],
  item_attributions: [
    'item_id',
    'case_id',
    'account',
    'account_key',
    'account_rank',
    'account_evidence',
    'originating_ip',
    'ip_evidence',
    'dkim',
    'conflicts',
    'header_falsity',
    'handoff_ip',
    'handoff_host',
    'handoff_provider',
    'handoff_at',
    'origin_source',
    'origin_line',
    'origin_at',
    'belief_stopped_line',
    'walk_signals',
  ],
  volume_recipients: ['case_id', 'h1', 'h2'],
  volume_days: ['case_id', 'kind', 'key', 'day', 'deliveries'],
  volume_parties: ['case_id', 'kind', 'key', 'party_id'],
  defendants: ['id', 'case_id', 'name', 'created_at'],
  defendant_members: ['case_id', 'defendant_id', 'kind', 'key'],
  wrappers: ['id', 'case_id', 'acquisition_id', 'locator', 'kind', 'sha256', 'size', 'pack', 'pack_offset'],
  samples: [
    'id',
    'case_id',
    'acquisition_id',
    'item_id',
    'locator',
    'envelope_sender',
    'wrapper_id',
    'exact_duplicate',
    'message_id',
    'recipient',
  ],
  rejections: ['id', 'case_id', 'acquisition_id', 'locator', 'reason', 'size', 'sha256'],
  custody_events: ['id', 'case_id', 'seq', 'at', 'actor', 'action', 'details', 'prev_hash', 'hash'],
  dkim_snapshots: [
    'id',
    'case_id',
    'sha256',
    'source_name',
    'records',
    'bytes',
    'content',
    'first_run_at',
    'last_run_at',
    'covered_through_item_id',
  ],
  dkim_results: [
    'item_id',
    'snapshot_sha256',
    'signature_index',
    'case_id',
    'signature_field',
    'domain',
    'identity',
    'selector',
    'algorithm',
    'body_length',
    'result',
    'reason',
    'key_fingerprint',
    'verified_at',
  ],
  case_damages_rules: ['case_id', 'rules', 'rules_sha256', 'chosen_at', 'chosen_by'],
  message_fingerprints: ['message_id', 'case_id', 'minhash'],
  campaigns: [
    'case_id',
    'number',
    'exemplar_message_id',
    'messages',
    'merged_into',
    'created_at',
    'deliveries',
    'accounts',
    'originating_ips',
    'first_date',
    'last_date',
  ],
  campaign_size_heads: ['case_id', 'custody_seq', 'computed_at'],
  campaign_members: ['message_id', 'case_id', 'campaign_number', 'similarity'],
  exports: [
    'id',
    'case_id',
    'identifier',
    'file_name',
    'sha256',
    'bytes',
    'as_of_seq',
    'as_of_hash',
    'items',
    'signer',
    'signer_fingerprint',
    'timestamp',
    'actor',
    'created_at',
  ],
  users: ['id', 'username', 'role', 'password_hash', 'lang', 'created_at', 'password_changed_at'],
  case_members: ['case_id', 'user_id', 'added_at', 'added_by'],
  sessions: ['id_hash', 'user_id', 'csrf_token', 'created_at', 'last_seen_at'],
  upload_jobs: [
    'id',
    'case_id',
    'created_by',
    'party',
    'method',
    'files',
    'status',
    'samples',
    'new_items',
    'exact_duplicates',
    'rejected',
    'bytes',
    'acquisition_ids',
    'error',
    'created_at',
    'finished_at',
  ],
  received_queue_ids: ['case_id', 'item_id', 'by_host', 'queue_id', 'received_at'],
  received_queue_id_marks: ['case_id', 'through_item_id'],
};

storageTest('migrations create exactly the guarded schema and running them again changes nothing', async ({ ctx }) => {
  const knex = ctx.db.knex;
  for (const [table, columns] of Object.entries(EXPECTED_COLUMNS)) {
    const info = await knex(table).columnInfo();
    assert.deepEqual(Object.keys(info).sort(), [...columns].sort(), `columns of ${table}`);
  }
  assert.deepEqual(await migrateToLatest(knex), [], 'a second run applies nothing');
  const applied = (await knex('knex_migrations').orderBy('id').pluck('name')) as string[];
  assert.deepEqual(applied, MIGRATION_NAMES);
});

storageTest('migrations roll back completely and re-apply', async ({ ctx }) => {
  const knex = ctx.db.knex;
  await rollbackAll(knex);
  assert.equal(await knex.schema.hasTable('items'), false);
  assert.deepEqual(await migrateToLatest(knex), MIGRATION_NAMES);
  assert.equal(await knex.schema.hasTable('items'), true);
});

storageTest('the database enforces foreign keys (a sample cannot point at a missing item)', async ({ ctx }) => {
  const knex = ctx.db.knex;
  await assert.rejects(
    knex('samples').insert({
      case_id: 999,
      acquisition_id: 999,
      item_id: 999,
      locator: 'x',
      exact_duplicate: false,
      message_id: 999,
      recipient: '',
    }),
    /FOREIGN KEY|foreign key/i,
  );
});

storageTest(
  'the report indexes exist and the database plans the parse-error count and the first date with them',
  async ({ ctx, dialect }) => {
    const knex = ctx.db.knex;
    if (dialect === 'pg') {
      const names = (
        (await knex.raw("select indexname from pg_indexes where tablename in ('items', 'messages')")) as {
          rows: Array<{ indexname: string }>;
        }
      ).rows.map((r) => r.indexname);
      assert.ok(names.includes('items_case_parse_error') && names.includes('messages_case_date'), names.join(', '));
    } else {
      const plan = async (sql: string) =>
        ((await knex.raw(`explain query plan ${sql}`)) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      assert.match(
        await plan('select count(*) from items where case_id = 1 and parse_error is not null'),
        /items_case_parse_error/,
      );
      assert.match(await plan('select min(date) from messages where case_id = 1'), /messages_case_date/);
      assert.match(await plan('select max(date) from messages where case_id = 1'), /messages_case_date/);
    }
  },
);
