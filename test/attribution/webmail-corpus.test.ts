/**
 * A generated case of spam sent through webmail and authenticated submission at seven providers
 * (test/corpus/generate.ts generateWebmailCorpus), whose truth knows each message's provider, the
 * provider relay that handed it to the party and the client the provider recorded. Ingested as
 * evidence, on SQLite and PostgreSQL: the stored origin equals the truth for at least 99% of items
 * and the hand-off equals the provider relay for all of them, whatever forged lines sit below.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { attribute } from '../../server/usecases/attribute.ts';
import { generateWebmailCorpus, type WebmailCorpusTruth } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

let cached: { out: string; truth: WebmailCorpusTruth } | null = null;
function corpus() {
  if (cached === null) {
    const out = path.join(tempDir('spamcase-webmail-'), 'corpus');
    cached = { out, truth: generateWebmailCorpus({ out, messages: 700, seed: 19 }) };
  }
  return cached;
}

storageTest(
  'webmail spam: origin equals the truth for at least 99% of items, hand-off equals the provider relay for all',
  async ({ ctx }) => {
    const { out, truth } = corpus();
    const c = await createCase(ctx, {
      slug: 'web',
      title: 'Webmail v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await setPartyTrust(ctx, 'web', 'LPN', { relays: ['laposte.net'] });
    await ingest(ctx, { caseSlug: 'web', method: 'trap', paths: [path.join(out, 'eml')] });
    const check = async (when: string) => {
      const rows = (await ctx.db
        .knex('item_attributions as ia')
        .join('samples as s', 's.item_id', 'ia.item_id')
        .where('ia.case_id', c.id)
        .select(
          's.locator',
          'ia.originating_ip',
          'ia.handoff_ip',
          'ia.handoff_provider',
          'ia.origin_source',
          'ia.account',
        )) as Array<Record<string, string | null>>;
      const byFile = new Map(rows.map((r) => [path.basename(String(r.locator)), r]));
      assert.equal(byFile.size, truth.messages, `${when}: every message ingested once`);
      let originRight = 0;
      const handoffWrong: string[] = [];
      const perProvider = new Map<string, number>();
      for (const t of truth.items) {
        const r = byFile.get(t.file)!;
        if (r.originating_ip === t.originIp) originRight++;
        else perProvider.set(t.provider, (perProvider.get(t.provider) ?? 0) + 1);
        if (r.handoff_ip !== t.handoffIp || r.handoff_provider !== t.provider)
          handoffWrong.push(`${t.file}: ${r.handoff_ip} ${r.handoff_provider}, truth ${t.handoffIp} ${t.provider}`);
        assert.equal(r.account, t.account, `${when}: ${t.file} account`);
      }
      const share = originRight / truth.messages;
      console.log(
        `${when}: origin equals the truth for ${originRight} / ${truth.messages} items; wrong per provider ${JSON.stringify(Object.fromEntries(perProvider))}`,
      );
      assert.ok(share >= 0.99, `${when}: origin right for ${share}`);
      assert.deepEqual(handoffWrong, [], `${when}: hand-off is the provider relay for every item`);
    };
    await check('at ingest');
    // Re-attribution from the stored bytes recomputes the same hand-off and origin.
    await ctx.db.knex('item_attributions').where({ case_id: c.id }).update({ handoff_ip: null, origin_source: null });
    await attribute(ctx, 'web');
    await check('after re-attribution');
  },
  { timeout: 300_000 },
);
