/**
 * The ingest write lock and id allocation (server/ingest/id-allocation.ts). On PostgreSQL a batch
 * of one case waits for another batch of the same case but not for a batch of another case, and
 * the ids two batches draw at once never overlap and ascend within each batch. On SQLite the one
 * writer of the file numbers from max(id) + 1.
 */
import assert from 'node:assert/strict';
import { allocateBatchIds, lockCaseForIngest } from '../../server/ingest/id-allocation.ts';
import { storageTest } from '../helpers/databases.ts';

storageTest(
  'batches of different cases run at once, batches of one case take turns, and ids never collide',
  async ({ ctx, dialect }) => {
    const knex = ctx.db.knex;
    if (dialect === 'sqlite') {
      await knex.transaction(async (trx) => {
        await lockCaseForIngest(trx, 1);
        const a = await allocateBatchIds(trx, { items: 3, messages: 2 });
        assert.deepEqual([a.item(), a.item(), a.item()], [1, 2, 3]);
        assert.deepEqual([a.message(), a.message()], [1, 2]);
        assert.throws(() => a.message(), /more new messages than the 2 counted/);
      });
      return;
    }
    const events: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstLocked!: () => void;
    const locked = new Promise<void>((resolve) => (firstLocked = resolve));
    const batch = (caseId: number, name: string, hold?: Promise<void>) =>
      knex.transaction(async (trx) => {
        await lockCaseForIngest(trx, caseId);
        events.push(`${name} locked`);
        const a = await allocateBatchIds(trx, { items: 500, messages: 300 });
        const items = Array.from({ length: 500 }, () => a.item());
        if (hold) {
          firstLocked();
          await hold;
        }
        events.push(`${name} done`);
        return items;
      });
    const first = batch(1, 'case 1 first', firstHolds);
    await locked;
    const sameCase = batch(1, 'case 1 second');
    const otherCase = await batch(2, 'case 2');
    // The other case's batch finished while the first still held case 1's lock; case 1's second waits.
    assert.deepEqual(events, ['case 1 first locked', 'case 2 locked', 'case 2 done']);
    releaseFirst();
    const [a, b] = await Promise.all([first, sameCase]);
    assert.deepEqual(events.slice(3), ['case 1 first done', 'case 1 second locked', 'case 1 second done']);
    for (const ids of [a, b, otherCase])
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => x - y),
        'ascending within a batch',
      );
    assert.equal(new Set([...a, ...b, ...otherCase]).size, 1500, 'no id drawn twice');
    assert.ok(Math.min(...b) > Math.max(...a), 'the later batch of a case gets higher ids than the earlier one');
  },
);
