/**
 * The bundle's network list streams (server/attribution/subpoena.ts eachNetworkDelivery): beyond a run of rows it
 * spills sorted runs to files and merges them. Spilled or whole, the rows come in the same order with the same
 * values (so subpoena-networks.csv keeps its bytes), and the run files are removed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import {
  compareNetworkRows,
  eachNetworkDelivery,
  networkDeliveries,
  type NetworkDeliveryRow,
} from '../../server/attribution/subpoena.ts';
import { storeDir } from '../../server/context.ts';
import { generateOperatorCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

storageTest('the network list spilled to sorted runs and merged is the list sorted whole', async ({ ctx }) => {
  const out = path.join(tempDir('spamcase-subpoena-'), 'corpus');
  const truth = await generateOperatorCorpus({ out, seed: 4, operators: 9 });
  await createCase(ctx, { slug: 'sub', title: 'Sub', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  await setPartyTrust(ctx, 'sub', 'LPN', { relays: truth.partyTrust });
  await ingest(ctx, { caseSlug: 'sub', method: 'trap', paths: [path.join(out, 'trap')] });
  const c = await getCase(ctx.db.knex, 'sub');
  const store = storeDir(ctx, 'sub');

  const whole = await networkDeliveries(ctx.db.knex, c.id, store);
  assert.equal(whole.length, truth.messages);
  for (let i = 1; i < whole.length; i++) assert.ok(compareNetworkRows(whole[i - 1]!, whole[i]!) < 0, `row ${i}`);

  const tmp = tempDir('spamcase-runs-');
  const runRows = 7;
  assert.ok(whole.length > runRows * 5, `${whole.length} rows: several runs of ${runRows}`);
  let spilled = 0;
  const streamed: NetworkDeliveryRow[] = [];
  await eachNetworkDelivery(
    ctx.db.knex,
    c.id,
    store,
    (r) => {
      streamed.push(r);
      spilled = Math.max(spilled, fs.readdirSync(tmp).length);
    },
    { tmpDir: tmp, runRows },
  );
  assert.equal(spilled, 1, 'the runs were spilled to a folder under tmpDir while the rows came');
  assert.deepEqual(streamed, whole);
  assert.deepEqual(fs.readdirSync(tmp), [], 'the run files are removed');
});
