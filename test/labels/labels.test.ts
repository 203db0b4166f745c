import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { indexCase } from '../../server/usecases/search.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../server/custody/chain.ts';
import {
  addNote,
  createTag,
  deleteTag,
  deleteSavedSearch,
  labelRows,
  labelsOf,
  listSavedSearches,
  listTags,
  removeNote,
  renameTag,
  saveSearch,
  tagRefs,
  tagSearchResult,
  untagRefs,
} from '../../server/labels/labels.ts';
import { exportBundle } from '../../server/export/bundle.ts';
import { verifyBundle } from '../../server/export/verify.ts';
import { listAccounts } from '../../server/attribution/queries.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { MESSAGES } from '../search/messages.ts';
import { readMembers, trialKeys } from '../export/helpers.ts';

const bates = (n: number) => `MSN-${String(n).padStart(7, '0')}`;

storageTest(
  'tags and notes on items, accounts, IPs and campaigns: every change a custody event, in the bundle as of its event',
  async ({ ctx }) => {
    const dir = tempDir();
    for (const [name, text] of Object.entries(MESSAGES)) fs.writeFileSync(path.join(dir, name), text);
    await createCase(ctx, { slug: 'tags', title: 'Tags', parties: [{ name: 'MSN', batesPrefix: 'MSN' }] });
    await ingest(ctx, { caseSlug: 'tags', party: 'MSN', method: 'trap', paths: [dir], threaded: false });
    await indexCase(ctx, 'tags');
    const c = await getCase(ctx.db.knex, 'tags');
    const knex = ctx.db.knex;
    const before = (await listCustodyEvents(knex, c.id, c.slug)).length;

    const hot = await createTag(ctx, c, '  Hot   lead ');
    await assert.rejects(createTag(ctx, c, 'Hot lead'), { code: 'INVALID_INPUT', field: 'tag' });
    await assert.rejects(createTag(ctx, c, 'x\u202Eyz'), { code: 'INVALID_INPUT', field: 'tag' });
    // A whole search result, with its filters: every item found gets the tag, the event names the search.
    assert.deepEqual(await tagSearchResult(ctx, c, hot, { search: 'buy' }), { found: 3, tagged: 3 });
    assert.deepEqual(await tagSearchResult(ctx, c, hot, { search: 'buy OR viagra' }), { found: 3, tagged: 0 });
    const afterTagging = (await listCustodyEvents(knex, c.id, c.slug)).at(-1)!;
    await renameTag(ctx, c, hot, 'Exhibit A');
    const account = (await listAccounts(knex, c.id, { limit: 1 })).rows[0]!.address;
    await tagRefs(ctx, c, hot, 'account', [account]);
    await assert.rejects(tagRefs(ctx, c, hot, 'ip', ['203.0.113.99']), { code: 'NOT_FOUND' });
    await assert.rejects(tagRefs(ctx, c, hot, 'item', ['MSN-9999999']), { code: 'NOT_FOUND' });
    assert.equal(await untagRefs(ctx, c, hot, 'item', [bates(5)]), 1);
    const note = await addNote(ctx, c, 'item', bates(1), 'Ask Hotmail for the sign-up IP.');
    const note2 = await addNote(ctx, c, 'account', account, 'Bot-made, see the pattern.');
    await removeNote(ctx, c, note2);
    await assert.rejects(addNote(ctx, c, 'campaign', '999', 'x'), { code: 'NOT_FOUND' });

    const tags = await listTags(knex, c.id);
    assert.deepEqual(
      tags.map((t) => [t.name, t.counts]),
      [['Exhibit A', { item: 2, account: 1, ip: 0, campaign: 0 }]],
    );
    const of = await labelsOf(knex, c.id, 'item', [bates(1), bates(5)]);
    assert.deepEqual(of.get(bates(1))!.tags, [{ id: hot, name: 'Exhibit A' }]);
    assert.deepEqual(
      of.get(bates(1))!.notes.map((n) => [n.id, n.text]),
      [[note, 'Ask Hotmail for the sign-up IP.']],
    );
    assert.deepEqual(of.get(bates(5))!.tags, []);

    // The custody log: one event per change, the chain intact.
    const events = await listCustodyEvents(knex, c.id, c.slug);
    assert.deepEqual(verifyCustodyChain(events), []);
    assert.deepEqual(
      events.slice(before).map((e) => e.action),
      ['tag-created', 'tagged', 'tag-renamed', 'tagged', 'untagged', 'note-added', 'note-added', 'note-removed'],
    );
    const tagged = events[before + 1]!.details;
    assert.deepEqual(tagged.refs, [1, 2, 5].map(bates));
    assert.deepEqual(tagged.search, { q: 'buy' });
    assert.equal(tagged.count, 3);

    // As of an earlier event, the names and links of then; now, those of now.
    assert.deepEqual(
      (await labelRows(knex, c.id, afterTagging.seq)).map((r) => [r.kind, r.ref, r.tag]),
      [1, 2, 5].map((n) => ['item', bates(n), 'Hot lead']),
    );
    const now = await labelRows(knex, c.id);
    assert.deepEqual(
      now.map((r) => [r.kind, r.ref, r.label, r.tag ?? r.note]),
      [
        ['account', account, 'tag', 'Exhibit A'],
        ['item', bates(1), 'tag', 'Exhibit A'],
        ['item', bates(1), 'note', 'Ask Hotmail for the sign-up IP.'],
        ['item', bates(2), 'tag', 'Exhibit A'],
      ],
    );

    // The bundle carries labels.csv as of its event, and verifies.
    const out = path.join(tempDir(), 'b.zip');
    await exportBundle(ctx, 'tags', { out, signing: trialKeys(), organization: 'Org' });
    const labels = readMembers(out).find((m) => m.name.endsWith('data/labels.csv'));
    assert.ok(labels, 'labels.csv is in the bundle');
    assert.equal(labels.data.toString('utf8').split('\r\n')[0], 'kind,ref,label,tag,note,at,by,custody_seq');
    assert.match(labels.data.toString('utf8'), /item,MSN-0000001,note,,Ask Hotmail for the sign-up IP\.,/);
    assert.equal((await verifyBundle(out)).ok, true);

    // Deleting the tag takes it off everything; saved searches are per case, shared by its members.
    assert.equal(await deleteTag(ctx, c, hot), 3);
    assert.deepEqual(await listTags(knex, c.id), []);
    assert.equal((await labelRows(knex, c.id)).filter((r) => r.label === 'tag').length, 0);
    const s = await saveSearch(ctx, c, 'Pharmacy', { q: 'pharm*', sort: 'bates' });
    await assert.rejects(saveSearch(ctx, c, 'Pharmacy', { q: 'x' }), { code: 'INVALID_INPUT', field: 'name' });
    assert.deepEqual(
      (await listSavedSearches(knex, c.id)).map((x) => [x.name, x.query]),
      [['Pharmacy', { q: 'pharm*', sort: 'bates' }]],
    );
    await deleteSavedSearch(knex, c.id, s);
    assert.deepEqual(await listSavedSearches(knex, c.id), []);
  },
  { timeout: 120_000 },
);
