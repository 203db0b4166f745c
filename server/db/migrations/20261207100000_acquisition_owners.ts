/**
 * Who runs an acquisition (issue 21): the host name, process id and process start (Linux: boot id and
 * start ticks) of the process that started it, so that one left 'running' by a killed process can be
 * told from one still running and stored as 'interrupted' (server/cases/acquisition-owners.ts).
 * Acquisitions made before have no owner and are left as they are. Never edit this file once landed:
 * add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('acquisitions', (t) => {
    t.string('owner_host', 255);
    t.integer('owner_pid');
    t.string('owner_start', 80);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('acquisitions', (t) => {
    t.dropColumn('owner_start');
    t.dropColumn('owner_pid');
    t.dropColumn('owner_host');
  });
}
