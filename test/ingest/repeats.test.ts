/**
 * A reader thread does not fingerprint a copy of a message it has just seen (server/ingest/repeats.ts); the writer
 * stores the fingerprint of each message's first sample. Whatever the reader skipped, every message of the case
 * must hold the fingerprint of its own first item, including a message the writer keys as new although the reader
 * had seen its Message-ID and identity (a Message-ID reused with other content, after a first acquisition).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createCase } from '../../server/cases/cases.ts';
import { campaignFingerprint } from '../../server/campaigns/fingerprint.ts';
import { analyzeSample } from '../../server/ingest/analyze.ts';
import { RecentMessages } from '../../server/ingest/repeats.ts';
import { readItemBytes } from '../../server/report/item-view.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir, type TestEnv } from '../helpers/databases.ts';

const eml = (id: string, body: string, from = 'Seller <seller@spam.example>') =>
  Buffer.from(
    `From: ${from}\r\nTo: victim@example.net\r\nSubject: Cheap watches\r\nDate: Thu, 1 Dec 2005 10:00:00 +0100\r\n` +
      `Message-ID: <${id}>\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`,
  );

test('a copy just seen by the reader is deferred to the writer; another message is fingerprinted', () => {
  const recent = new RecentMessages();
  const first = analyzeSample(eml('a@spam.example', 'Rolex replicas at 10 dollars'), null, null, null, recent);
  const copy = analyzeSample(eml('a@spam.example', 'Rolex replicas at 10 dollars'), null, null, null, recent);
  const other = analyzeSample(eml('b@spam.example', 'Rolex replicas at 10 dollars'), null, null, null, recent);
  const sameIdOtherSender = analyzeSample(
    eml('a@spam.example', 'x', 'Other <o@spam.example>'),
    null,
    null,
    null,
    recent,
  );
  assert.ok(first.kind === 'email' && copy.kind === 'email' && other.kind === 'email');
  assert.ok(first.campaignFingerprint instanceof Uint8Array && first.fingerprintDeferred === undefined);
  assert.equal(copy.campaignFingerprint, undefined);
  assert.equal(copy.fingerprintDeferred, true);
  assert.ok(other.campaignFingerprint instanceof Uint8Array);
  assert.ok(sameIdOtherSender.kind === 'email' && sameIdOtherSender.campaignFingerprint instanceof Uint8Array);
  // Without a table every sample is fingerprinted, as before.
  const plain = analyzeSample(eml('a@spam.example', 'Rolex replicas at 10 dollars'), null, null, null, true);
  assert.ok(plain.kind === 'email' && plain.campaignFingerprint instanceof Uint8Array);
});

async function everyMessageHoldsItsFirstItemsFingerprint(env: TestEnv, slug: string): Promise<number> {
  const knex = env.ctx.db.knex;
  const rows = (await knex('messages as m')
    .join('cases as c', 'c.id', 'm.case_id')
    .join('items as i', 'i.id', 'm.first_item_id')
    .leftJoin('message_fingerprints as f', 'f.message_id', 'm.id')
    .where('c.slug', slug)
    .select(
      'm.id',
      'm.subject',
      'i.pack',
      'i.pack_offset',
      'i.size',
      'i.sha256',
      'i.bates',
      'f.message_id as fp_id',
      'f.minhash',
    )) as Array<Record<string, unknown>>;
  for (const r of rows) {
    assert.notEqual(r.fp_id, null, `message ${String(r.id)} has a fingerprint row`);
    const bytes = readItemBytes(env.ctx, slug, {
      pack: String(r.pack),
      packOffset: Number(r.pack_offset),
      size: Number(r.size),
      sha256: String(r.sha256),
      bates: String(r.bates),
    });
    const want = campaignFingerprint(bytes, r.subject === null ? null : String(r.subject));
    const got = r.minhash === null ? null : Buffer.from(r.minhash as Uint8Array);
    assert.deepEqual(got, want === null ? null : Buffer.from(want), `message ${String(r.id)} (${String(r.bates)})`);
  }
  return rows.length;
}

storageTest("every message of a harvest with many copies holds its first item's fingerprint", async (env) => {
  const dir = tempDir('spamcase-repeats-');
  const truth = await generateCorpus({ out: path.join(dir, 'corpus'), messages: 200, seed: 11, layout: 'mixed' });
  await createCase(env.ctx, { slug: 'rep', title: 'Repeats', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  await ingest(env.ctx, { caseSlug: 'rep', method: 'trap', paths: [path.join(dir, 'corpus')] });
  assert.ok(truth.samples > truth.messages, 'the corpus holds copies of its messages');
  assert.equal(await everyMessageHoldsItsFirstItemsFingerprint(env, 'rep'), truth.messages);
});

storageTest(
  'a copy the reader deferred that the writer keys as a new message is fingerprinted by the writer',
  async (env) => {
    const dir = tempDir('spamcase-repeats-');
    await createCase(env.ctx, {
      slug: 'reuse',
      title: 'Reuse',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    // First acquisition: the Message-ID with one sender.
    fs.mkdirSync(path.join(dir, 'one'));
    fs.writeFileSync(
      path.join(dir, 'one', '1.eml'),
      eml('reused@spam.example', 'Pharmacy offer', 'First <a@spam.example>'),
    );
    await ingest(env.ctx, { caseSlug: 'reuse', method: 'trap', paths: [path.join(dir, 'one')] });
    // Second: the same Message-ID from another sender, twice, with different content: the reader defers the second
    // (same Message-ID and identity as the first), the writer keys both by content (the stored identity differs).
    fs.mkdirSync(path.join(dir, 'two'));
    fs.writeFileSync(path.join(dir, 'two', '1.eml'), eml('reused@spam.example', 'Watches at 10 dollars'));
    fs.writeFileSync(path.join(dir, 'two', '2.eml'), eml('reused@spam.example', 'Mortgage at 2 percent, apply now'));
    await ingest(env.ctx, { caseSlug: 'reuse', method: 'trap', paths: [path.join(dir, 'two')] });
    assert.equal(await everyMessageHoldsItsFirstItemsFingerprint(env, 'reuse'), 3);
  },
);
