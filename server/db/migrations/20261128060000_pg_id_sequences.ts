/**
 * PostgreSQL only: sequences for the ids of items and messages. Until now the ingest batch writer
 * assigned them as max(id) + 1 under one advisory lock shared by every case, so ingests into
 * different cases of a team server took turns. With sequences each case has its own lock
 * (server/ingest/id-allocation.ts) and ids still ascend within a case, in commit order. Starts after
 * the highest id already used. SQLite keeps max(id) + 1: it has one writer at a time anyway.
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export const ID_SEQUENCES = { items: 'items_id_seq', messages: 'messages_id_seq' } as const;

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const [table, sequence] of Object.entries(ID_SEQUENCES)) {
    await knex.raw(`create sequence ${sequence} as bigint owned by ${table}.id`);
    await knex.raw(`select setval('${sequence}', coalesce((select max(id) from ${table}), 0) + 1, false)`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const sequence of Object.values(ID_SEQUENCES)) await knex.raw(`drop sequence if exists ${sequence}`);
}
