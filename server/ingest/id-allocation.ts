/**
 * Who may write a case's next ingest batch, and the ids its new items and messages get. The one
 * place where the two databases differ on the ingest hot path (batch-writer.ts calls both):
 *
 *   SQLite      BEGIN IMMEDIATE already made this the only writer of the whole file; ids are
 *               max(id) + 1, read inside that transaction.
 *   PostgreSQL  a transaction-scoped advisory lock per case (two-key form: PG_INGEST_LOCK, case
 *               id): batches of one case take turns, so its Bates numbers (parties.next_bates)
 *               and its natural-key lookups stay exact, while batches of different cases run at
 *               once. Ids come from the sequences items_id_seq and messages_id_seq (migration
 *               20261128060000), drawn after the lock, so within a case they ascend in commit
 *               order (what keyset pages, DKIM coverage and campaign numbering rely on). A
 *               sequence never hands a value out twice, even to a batch that later rolls back:
 *               ids may have gaps, Bates numbers never do.
 */
import type { Knex } from 'knex';
import { ID_SEQUENCES } from '../db/migrations/20261128060000_pg_id_sequences.ts';

/** Advisory lock class of ingest batches (second key: the case id). */
export const PG_INGEST_LOCK = 0x5350414d; // "SPAM"

const isPg = (trx: Knex.Transaction) => trx.client.config.client === 'pg';

/** Call first in a batch's write transaction: afterwards this transaction is the case's only ingest writer. */
export async function lockCaseForIngest(trx: Knex.Transaction, caseId: number): Promise<void> {
  if (isPg(trx)) await trx.raw('select pg_advisory_xact_lock(?, ?)', [PG_INGEST_LOCK, caseId]);
}

/** Ids for one batch's new rows, handed out in ascending order. */
export interface BatchIds {
  item(): number;
  message(): number;
}

async function allocate(trx: Knex.Transaction, table: keyof typeof ID_SEQUENCES, count: number): Promise<number[]> {
  if (count === 0) return [];
  if (isPg(trx)) {
    const res = (await trx.raw(
      `select nextval('${ID_SEQUENCES[table]}') as id from generate_series(1, ?::int) order by 1`,
      [count],
    )) as { rows: Array<{ id: string | number }> };
    return res.rows.map((r) => Number(r.id));
  }
  const max = Number(((await trx(table).max({ m: 'id' }).first()) as { m: number | string | null }).m ?? 0);
  return Array.from({ length: count }, (_, i) => max + 1 + i);
}

/** Reserve exactly `items` item ids and `messages` message ids; asking for more than reserved throws. */
export async function allocateBatchIds(
  trx: Knex.Transaction,
  counts: { items: number; messages: number },
): Promise<BatchIds> {
  const items = await allocate(trx, 'items', counts.items);
  const messages = await allocate(trx, 'messages', counts.messages);
  let i = 0;
  let m = 0;
  return {
    item: () => {
      if (i >= items.length) throw new Error(`ingest batch: more new items than the ${items.length} counted`);
      return items[i++]!;
    },
    message: () => {
      if (m >= messages.length) throw new Error(`ingest batch: more new messages than the ${messages.length} counted`);
      return messages[m++]!;
    },
  };
}
