/**
 * The attempts table keeps only the indexes its queries use (issue 24, scale): no query filters or
 * joins attempts on (case_id, client_ip) or (case_id, sender) (the volumes, the export and the match
 * read them by case in id order; rule 1 and the reused Message-ID check use (case_id, message_id)),
 * and each index cost every attempt row an insert into it (docs/LOGS.md, Measured).
 * Never edit this file once landed: add a new migration.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('attempts', (t) => {
    t.dropIndex(['case_id', 'client_ip']);
    t.dropIndex(['case_id', 'sender']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('attempts', (t) => {
    t.index(['case_id', 'client_ip']);
    t.index(['case_id', 'sender']);
  });
}
