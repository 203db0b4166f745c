/**
 * Campaign sizes stored per custody head (server/campaigns/sizes.ts), on a generated corpus whose
 * messages, deliveries and dates are known by construction: counted at the end of ingest, equal to
 * the truth, counted again after re-attribution (a trust change that gives every delivery the same
 * originating IP), not made stale by an event that changes no size, served as of their count while an
 * acquisition runs, and recounted at the first read after it ends.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Knex } from 'knex';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { attribute } from '../../server/usecases/attribute.ts';
import { campaignDetail, listCampaigns, type CampaignRow } from '../../server/campaigns/queries.ts';
import { createDefendant } from '../../server/attribution/defendants.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

async function allCampaigns(knex: Knex, caseId: number): Promise<{ rows: CampaignRow[]; current: boolean }> {
  const rows: CampaignRow[] = [];
  let current = true;
  for (let offset = 0; ; offset += 1000) {
    const page = await listCampaigns(knex, caseId, { sort: 'number', limit: 1000, offset });
    rows.push(...page.rows);
    current &&= page.sizes.current;
    if (rows.length >= page.total) return { rows, current };
  }
}

const head = async (knex: Knex, caseId: number) =>
  Number(
    (
      (await knex('custody_events')
        .where({ case_id: caseId })
        .whereNotIn('action', ['trust-changed', 'defendant-created'])
        .max({ seq: 'seq' })
        .first()) as { seq: number | string }
    ).seq,
  );
const countedAt = async (knex: Knex, caseId: number) =>
  ((await knex('campaign_size_heads').where({ case_id: caseId }).first('computed_at')) as { computed_at: string })
    .computed_at;
const storedHead = async (knex: Knex, caseId: number) =>
  Number(
    (
      (await knex('campaign_size_heads').where({ case_id: caseId }).first('custody_seq')) as
        { custody_seq: number | string } | undefined
    )?.custody_seq ?? -1,
  );

storageTest(
  'campaign sizes: counted at the end of ingest and equal to the truth, recounted after a change, as of their count while an acquisition runs',
  async ({ ctx }) => {
    const knex = ctx.db.knex;
    const out = path.join(tempDir('spamcase-sizes-'), 'corpus');
    const truth = await generateCorpus({ out, messages: 400, seed: 21, layout: 'mixed', accounts: 40 });
    const c = await createCase(ctx, {
      slug: 'sizes',
      title: 'Sizes',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await setPartyTrust(ctx, 'sizes', 'LPN', { relays: ['laposte.net'] });
    await ingest(ctx, {
      caseSlug: 'sizes',
      method: 'trap',
      paths: ['trap', 'reports.mbox', 'maildir'].map((p) => path.join(out, p)),
    });
    assert.equal(
      await storedHead(knex, c.id),
      await head(knex, c.id),
      'ingest counted the sizes at its last custody event',
    );

    const before = await allCampaigns(knex, c.id);
    assert.equal(before.current, true);
    const sum = (rows: CampaignRow[], k: 'messages' | 'deliveries' | 'accounts') => rows.reduce((n, r) => n + r[k], 0);
    assert.equal(sum(before.rows, 'messages'), truth.messages);
    assert.equal(sum(before.rows, 'deliveries'), truth.deliveries, 'every delivery in exactly one campaign');
    assert.ok(sum(before.rows, 'accounts') >= truth.accounts, 'every account sent into some campaign');
    assert.equal(before.rows.map((r) => r.firstDate!).sort()[0], truth.firstDate);
    assert.equal(
      before.rows
        .map((r) => r.lastDate!)
        .sort()
        .at(-1),
      truth.lastDate,
    );
    for (const r of before.rows) {
      assert.ok(r.deliveries >= r.messages && r.accounts >= 1 && r.accounts <= r.deliveries, JSON.stringify(r));
      assert.ok(
        r.originatingIps !== null && r.originatingIps >= 1 && r.originatingIps <= r.deliveries,
        JSON.stringify(r),
      );
    }
    assert.ok(
      before.rows.some((r) => r.originatingIps! > 1),
      'the corpus has campaigns sent from several IPs',
    );
    const biggest = (await listCampaigns(knex, c.id, { limit: 1 })).rows[0]!;
    assert.deepEqual((await campaignDetail(knex, c.id, biggest.number)).campaign, biggest);

    // A custody event that changes no delivery, attribution or membership does not make the sizes stale.
    const counted = await countedAt(knex, c.id);
    const account = (await knex('accounts').where({ case_id: c.id }).first('address')) as { address: string };
    await createDefendant(ctx, 'sizes', 'Doe 1', [account.address]);
    assert.equal((await listCampaigns(knex, c.id, { limit: 1 })).sizes.current, true);
    assert.equal(await countedAt(knex, c.id), counted, 'not recounted after defendant-created');

    // Without its relays declared, the chain walk still recognizes the party's own servers in this
    // corpus (its top line is an authenticated delivery to the party's user, docs/ATTRIBUTION.md), so
    // the originating IPs stay as they were; attribution runs again and counts the sizes again at its end.
    await setPartyTrust(ctx, 'sizes', 'LPN', { relays: [] });
    await attribute(ctx, 'sizes');
    assert.equal(await storedHead(knex, c.id), await head(knex, c.id), 'attribution counted them again at its end');
    const untrusted = await allCampaigns(knex, c.id);
    assert.equal(untrusted.current, true);
    assert.deepEqual(
      untrusted.rows.map((r) => r.originatingIps),
      before.rows.map((r) => r.originatingIps),
    );
    assert.deepEqual(
      untrusted.rows.map((r) => [r.number, r.messages, r.deliveries, r.accounts, r.firstDate, r.lastDate]),
      before.rows.map((r) => [r.number, r.messages, r.deliveries, r.accounts, r.firstDate, r.lastDate]),
    );

    // An acquisition left running (as a killed ingest leaves it): the stored sizes are served, marked.
    const [acq] = (await knex('acquisitions').insert(
      {
        case_id: c.id,
        party_id: (await knex('parties').where({ case_id: c.id }).first('id')).id,
        method: 'trap',
        source_name: '/killed',
        operator: 'test',
        started_at: new Date().toISOString(),
        status: 'running',
      },
      ['id'],
    )) as Array<{ id: number } | number>;
    await setPartyTrust(ctx, 'sizes', 'LPN', { relays: ['laposte.net'] });
    await attribute(ctx, 'sizes');
    const during = await listCampaigns(knex, c.id, { sort: 'number', limit: 1000 });
    assert.equal(during.sizes.current, false);
    assert.match(during.sizes.countedAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      during.rows.map((r) => [r.number, r.messages, r.deliveries, r.originatingIps]),
      untrusted.rows.map((r) => [r.number, r.messages, r.deliveries, r.originatingIps]),
      'the sizes as counted before the change, not half-recounted',
    );
    await knex('acquisitions')
      .where({ id: typeof acq === 'object' ? acq.id : acq })
      .update({ status: 'failed' });
    assert.notEqual(await storedHead(knex, c.id), await head(knex, c.id), 'behind the head until a read');
    const after = await allCampaigns(knex, c.id);
    assert.equal(await storedHead(knex, c.id), await head(knex, c.id), 'the first read recounted');
    assert.equal(after.current, true);
    assert.deepEqual(
      after.rows.map((r) => [r.number, r.originatingIps]),
      before.rows.map((r) => [r.number, r.originatingIps]),
      'recounted once nothing runs',
    );
  },
  { timeout: 240_000 },
);
