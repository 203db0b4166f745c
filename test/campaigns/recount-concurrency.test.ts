/**
 * Clustering and the campaign-size recount at once on PostgreSQL, as at the end of an ingest while a
 * dashboard view recounts: clustering increments some campaign rows, the recount updates all of
 * them. Without a common lock the two could deadlock and PostgreSQL aborted one (a 503 seen once in
 * CI's load test); both take the case's campaign lock first (PG_CAMPAIGN_LOCK), so both succeed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { updateCampaigns } from '../../server/campaigns/update.ts';
import { fingerprintMissing } from '../../server/campaigns/backfill.ts';
import { ensureCampaignSizes, recountCampaignSizes } from '../../server/campaigns/sizes.ts';
import { listCampaigns } from '../../server/campaigns/queries.ts';
import { caseReport } from '../../server/report/counts.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

storageTest(
  'clustering and size recounts running at once all succeed and leave current, exact sizes',
  async ({ ctx }) => {
    const root = tempDir('spamcase-recount-');
    const c = await createCase(ctx, {
      slug: 'race',
      title: 'Race',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await generateCorpus({ out: path.join(root, 'a'), messages: 300, seed: 41, layout: 'eml' });
    await ingest(ctx, { caseSlug: 'race', method: 'trap', paths: [path.join(root, 'a')] });
    for (let round = 0; round < 4; round++) {
      // New messages, fingerprinted but not yet clustered: the next clustering extends existing campaigns.
      await generateCorpus({ out: path.join(root, `b${round}`), messages: 150, seed: 50 + round, layout: 'eml' });
      await ingest(ctx, { caseSlug: 'race', method: 'trap', paths: [path.join(root, `b${round}`)], campaigns: false });
      await fingerprintMissing(ctx, c.id, 'race');
      const results = await Promise.allSettled([
        updateCampaigns(ctx, c.id, 'race'),
        recountCampaignSizes(ctx.db.knex, c.id),
        recountCampaignSizes(ctx.db.knex, c.id),
      ]);
      assert.deepEqual(
        results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
        [],
        `round ${round}`,
      );
      assert.equal((await ensureCampaignSizes(ctx.db.knex, c.id)).current, true);
      const all = await listCampaigns(ctx.db.knex, c.id, { sort: 'number', limit: 1000 });
      const { messages, deliveries } = await caseReport(ctx.db.knex, 'race');
      assert.equal(
        all.rows.reduce((n, r) => n + r.messages, 0),
        messages,
        `round ${round}: every message in one campaign`,
      );
      assert.equal(
        all.rows.reduce((n, r) => n + r.deliveries, 0),
        deliveries,
        `round ${round}: every delivery counted once`,
      );
    }
  },
  { timeout: 180_000 },
);
