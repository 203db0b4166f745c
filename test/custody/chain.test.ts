import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalJson,
  custodyHash,
  GENESIS_HASH,
  verifyCustodyChain,
  type CustodyEvent,
} from '../../server/custody/chain.ts';
import { createCase } from '../../server/cases/cases.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { appendCustodyEvent } from '../../server/custody/chain.ts';
import { createTestEnv, PG_ADMIN_URL, pgAvailable, storageTest } from '../helpers/databases.ts';

test('canonical JSON sorts keys at every depth and drops undefined', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'é' }, u: undefined }),
    '{"a":{"c":"é","d":[2,{"y":null,"z":1}]},"b":1}',
  );
});

test('the first event hash is SHA-256 over the zero hash, a newline and the canonical event (recomputable with openssl)', () => {
  const body = {
    case: 'lpn',
    seq: 1,
    at: '2026-01-01T00:00:00.000Z',
    actor: 'a',
    action: 'case-created',
    details: { title: 't' },
  };
  // E='{"action":"case-created","actor":"a","at":"2026-01-01T00:00:00.000Z",'
  // E="$E"'"case":"lpn","details":{"title":"t"},"seq":1}'
  // printf '%s\n%s' 000…0 "$E" | sha256sum
  assert.equal(custodyHash(GENESIS_HASH, body), '67e2e1e626d5c1789237b240bc8b046d6c6a30ade051d091ef3d4cffee6ba4d1');
});

storageTest('custody events chain by hash and any alteration is named by fsck-level verification', async ({ ctx }) => {
  const c = await createCase(ctx, {
    slug: 'chain',
    title: 'Chain',
    parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
  });
  const events = await listCustodyEvents(ctx.db.knex, c.id, c.slug);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.action, 'case-created');
  assert.equal(events[0]!.prevHash, GENESIS_HASH);
  assert.deepEqual(verifyCustodyChain(events), []);
  // Alter the stored details behind the log's back.
  await ctx.db.knex('custody_events').where({ case_id: c.id, seq: 1 }).update({ details: '{"title":"Other"}' });
  const altered: CustodyEvent[] = await listCustodyEvents(ctx.db.knex, c.id, c.slug);
  assert.deepEqual(verifyCustodyChain(altered), [
    'custody event 1: hash does not match its content (altered after it was written)',
  ]);
});

test(
  'two transactions that each wrote a row of the case append their custody events in turn, without a deadlock [pg]',
  { timeout: 60_000 },
  async (t) => {
    if (!(await pgAvailable())) {
      if (process.env.CI)
        throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}; CI never skips the PostgreSQL storage tests`);
      t.skip(`PostgreSQL not reachable at ${PG_ADMIN_URL}`);
      return;
    }
    const { env, cleanup } = await createTestEnv('pg');
    try {
      const knex = env.ctx.db.knex;
      const c = await createCase(env.ctx, {
        slug: 'turns',
        title: 'Turns',
        parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
      });
      const party = (await knex('parties').where({ case_id: c.id }).first('id')) as { id: number };
      // What two ingests starting at once do: each inserts its acquisition (a row referencing the
      // case), then appends "acquisition-started". Both inserts are made before either append.
      const a = await knex.transaction();
      const b = await knex.transaction();
      const acquisition = (trx: typeof a, source: string) =>
        trx('acquisitions').insert({
          case_id: c.id,
          party_id: party.id,
          method: 'trap',
          source_name: source,
          operator: 'test',
          started_at: new Date().toISOString(),
          status: 'running',
        });
      await acquisition(a, 'a.mbox');
      await acquisition(b, 'b.mbox');
      const appendAndCommit = async (trx: typeof a, source: string) => {
        try {
          const e = await appendCustodyEvent(trx, {
            caseId: c.id,
            caseSlug: c.slug,
            at: new Date(),
            actor: 'test',
            action: 'acquisition-started',
            details: { source },
          });
          await trx.commit();
          return e.seq;
        } catch (err) {
          await trx.rollback();
          throw err;
        }
      };
      const seqs = await Promise.all([appendAndCommit(a, 'a.mbox'), appendAndCommit(b, 'b.mbox')]);
      assert.deepEqual(seqs.sort(), [2, 3]);
      const events = await listCustodyEvents(knex, c.id, c.slug);
      assert.deepEqual(
        events.map((e) => e.seq),
        [1, 2, 3],
      );
      assert.deepEqual(verifyCustodyChain(events), []);
    } finally {
      await cleanup();
    }
  },
);
