/**
 * The bundle's network list streams (server/attribution/subpoena.ts eachNetworkDelivery): beyond a run of rows it
 * spills sorted runs to files and merges them. Spilled or whole, the rows come in the same order with the same
 * values (so subpoena-networks.csv keeps its bytes), and the run files are removed, on success and on error.
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
import { exportBundle } from '../../server/export/bundle.ts';
import { csvRow } from '../../server/export/csv.ts';
import { SUBPOENA_NETWORKS } from '../../server/csv/columns.ts';
import { storeDir } from '../../server/context.ts';
import { generateOperatorCorpus } from '../corpus/generate.ts';
import { ingestedCase, readMembers, trialKeys } from '../export/helpers.ts';
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

  // A consumer that fails in the middle of the merge: the error comes out, the run files are still removed.
  let seen = 0;
  let runFiles = 0;
  await assert.rejects(
    eachNetworkDelivery(
      ctx.db.knex,
      c.id,
      store,
      () => {
        if (seen === 0) {
          const [runDir] = fs.readdirSync(tmp);
          runFiles = fs.readdirSync(path.join(tmp, runDir!)).length;
        }
        if (++seen === 10) throw new Error('consumer failed');
      },
      { tmpDir: tmp, runRows },
    ),
    /consumer failed/,
  );
  assert.equal(runFiles, Math.ceil(whole.length / runRows), 'every run was spilled before the merge');
  assert.deepEqual(fs.readdirSync(tmp), [], 'the run files are removed after an error');
});

storageTest(
  'subpoena-networks.csv in the bundle: runs of 1, 3 and 16 rows spilled and merged give the bytes of one run',
  async ({ ctx }) => {
    // The generated mixed corpus through the real ingest: bots sending many messages from one IP, some stamped in
    // the same second, so rows tie up to the IP or up to the believed time and the later keys decide.
    await ingestedCase(ctx, 'net', 150);
    const c = await getCase(ctx.db.knex, 'net');
    const whole = await networkDeliveries(ctx.db.knex, c.id, storeDir(ctx, 'net'));
    for (let i = 1; i < whole.length; i++) assert.ok(compareNetworkRows(whole[i - 1]!, whole[i]!) < 0, `row ${i}`);
    const tied = (key: (r: NetworkDeliveryRow) => string) =>
      whole.filter((r, i) => i > 0 && key(r) === key(whole[i - 1]!)).length;
    assert.ok(tied((r) => r.ip) > whole.length / 2, 'most rows share their IP with the row before');
    assert.ok(tied((r) => `${r.ip} ${r.receivedUtc}`) > 0, 'some rows share IP and time: the Bates number decides');
    assert.ok(whole.length > 16 * 5, `${whole.length} rows: several runs of 16`);

    const keys = trialKeys();
    const networksCsv = async (networkRunRows?: number) => {
      const dir = tempDir('spamcase-netcsv-');
      const bundle = await exportBundle(ctx, 'net', {
        out: path.join(dir, 'b.zip'),
        signing: keys,
        organization: 'Test Org',
        networkRunRows,
      });
      assert.deepEqual(fs.readdirSync(dir), ['b.zip'], 'the spools and the run files are removed');
      const member = readMembers(bundle.file).find((m) => m.name.endsWith('/data/subpoena-networks.csv'));
      assert.ok(member, 'the bundle holds subpoena-networks.csv');
      return member.data;
    };

    // The default run (50,000 rows) holds this case whole: one in-memory sort, as before the list streamed.
    const oneRun = await networksCsv();
    const expected =
      csvRow(SUBPOENA_NETWORKS.bundle!) +
      whole
        .map((r) =>
          csvRow([
            r.asn,
            r.networkOperator,
            r.ip,
            r.receivedUtc,
            r.dateHeaderUtc,
            r.bates,
            r.account,
            r.recipient,
            r.ownerData,
          ]),
        )
        .join('');
    assert.ok(oneRun.equals(Buffer.from(expected)), 'one run: the in-memory list, row for row');
    for (const runRows of [1, 3, 16]) {
      const merged = await networksCsv(runRows);
      assert.ok(
        merged.equals(oneRun),
        `runs of ${runRows} rows (${Math.ceil(whole.length / runRows)} runs): the bytes of one run`,
      );
    }
  },
  { timeout: 300_000 },
);
