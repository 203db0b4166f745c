import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, custodyHash, GENESIS_HASH, verifyCustodyChain, type CustodyEvent } from '../../server/custody/chain.ts';
import { createCase } from '../../server/cases/cases.ts';
import { listCustodyEvents } from '../../server/custody/chain.ts';
import { storageTest } from '../helpers/databases.ts';

test('canonical JSON sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'é' }, u: undefined }), '{"a":{"c":"é","d":[2,{"y":null,"z":1}]},"b":1}');
});

test('the first event hash is SHA-256 over the zero hash, a newline and the canonical event (recomputable with openssl)', () => {
  const body = { case: 'lpn', seq: 1, at: '2026-01-01T00:00:00.000Z', actor: 'a', action: 'case-created', details: { title: 't' } };
  // printf '%s\n%s' 000…0 '{"action":"case-created","actor":"a","at":"2026-01-01T00:00:00.000Z","case":"lpn","details":{"title":"t"},"seq":1}' | sha256sum
  assert.equal(custodyHash(GENESIS_HASH, body), '67e2e1e626d5c1789237b240bc8b046d6c6a30ade051d091ef3d4cffee6ba4d1');
});

storageTest('custody events chain by hash and any alteration is named by fsck-level verification', async ({ ctx }) => {
  const c = await createCase(ctx, { slug: 'chain', title: 'Chain', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const events = await listCustodyEvents(ctx.db.knex, c.id, c.slug);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.action, 'case-created');
  assert.equal(events[0]!.prevHash, GENESIS_HASH);
  assert.deepEqual(verifyCustodyChain(events), []);
  // Alter the stored details behind the log's back.
  await ctx.db.knex('custody_events').where({ case_id: c.id, seq: 1 }).update({ details: '{"title":"Other"}' });
  const altered: CustodyEvent[] = await listCustodyEvents(ctx.db.knex, c.id, c.slug);
  assert.deepEqual(verifyCustodyChain(altered), ['custody event 1: hash does not match its content (altered after it was written)']);
});
