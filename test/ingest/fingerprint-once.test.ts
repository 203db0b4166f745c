/**
 * The campaign fingerprint is computed once per message, not once per sample (issue 21): a reader
 * skips the copies of a message it has already fingerprinted (same bytes, or same Message-ID and
 * identity), and the writer computes the fingerprint of a skipped sample that creates a message
 * after all (its Message-ID held by another identity, so it is keyed by its content). Every
 * message's stored fingerprint must be the one computed directly from its first item.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createCase } from '../../server/cases/cases.ts';
import { campaignFingerprint } from '../../server/campaigns/fingerprint.ts';
import { analyzeSample, FingerprintOnce } from '../../server/ingest/analyze.ts';
import { parseHeaders } from '../../server/mail/headers/index.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { sha256Hex } from '../../server/store/pack-store.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

function eml(o: { id: string; from: string; subject: string; to: string; hop: string; body: string }): Buffer {
  return Buffer.from(
    `Received: from ${o.hop} by mx.example.net; Thu, 1 Dec 2005 10:00:00 +0000\r\n` +
      `Delivered-To: ${o.to}\r\nMessage-ID: <${o.id}>\r\nFrom: ${o.from}\r\nTo: ${o.to}\r\n` +
      `Subject: ${o.subject}\r\nDate: Thu, 1 Dec 2005 09:59:00 +0000\r\n\r\n${o.body}\r\n`,
  );
}

const BODY_A = 'Cheap watches from the finest makers, order today and save forty percent on every model';
const BODY_B = 'Refinance your mortgage at the lowest rate ever seen, apply online within minutes';
const BODY_C = 'Your account needs verification, sign in at the secure page to keep your mailbox open';

test('a reader skips the fingerprint of a copy it has already fingerprinted, and only that', () => {
  const once = new FingerprintOnce();
  const first = eml({ id: 'a@x', from: 'z@z.example', subject: 'Offer', to: 'r1@t.example', hop: 'h1', body: BODY_A });
  const copy = eml({ id: 'a@x', from: 'z@z.example', subject: 'Offer', to: 'r2@t.example', hop: 'h2', body: BODY_A });
  const other = eml({ id: 'b@x', from: 'z@z.example', subject: 'Offer', to: 'r1@t.example', hop: 'h1', body: BODY_B });
  const a1 = analyzeSample(first, null, null, null, once);
  const a2 = analyzeSample(copy, null, null, null, once);
  const a3 = analyzeSample(first, null, null, null, once); // an exact duplicate
  const a4 = analyzeSample(other, null, null, null, once);
  assert.ok(a1.kind === 'email' && a2.kind === 'email' && a3.kind === 'email' && a4.kind === 'email');
  assert.ok(a1.campaignFingerprint instanceof Uint8Array);
  assert.equal(a1.fingerprintSkipped, undefined);
  assert.equal(a2.fingerprintSkipped, true);
  assert.equal(a2.campaignFingerprint, undefined);
  assert.equal(a3.fingerprintSkipped, true);
  assert.ok(a4.campaignFingerprint instanceof Uint8Array);
  assert.notDeepEqual(a4.campaignFingerprint, a1.campaignFingerprint);
});

storageTest('each message keeps the fingerprint of its first item when copies are skipped', async ({ ctx }) => {
  const dir = tempDir('spamcase-fp-once-');
  const first = path.join(dir, 'first');
  const second = path.join(dir, 'second');
  fs.mkdirSync(first);
  fs.mkdirSync(second);
  const files = new Map<string, Buffer>();
  const put = (folder: string, name: string, bytes: Buffer) => {
    fs.writeFileSync(path.join(folder, name), bytes);
    files.set(sha256Hex(bytes), bytes);
  };
  // The case first holds Message-ID <shared@x> from another sender (another identity).
  put(
    first,
    '1.eml',
    eml({ id: 'shared@x', from: 'a@a.example', subject: 'Hello', to: 'r@t.example', hop: 'h0', body: BODY_C }),
  );
  // Then one sender's two different bodies under that Message-ID: each a message of its own
  // (content keys); the second is skipped by the reader (same Message-ID and identity) and so
  // fingerprinted by the writer. Then an exact duplicate, and two copies of a third message.
  const c1 = eml({
    id: 'shared@x',
    from: 'z@z.example',
    subject: 'Offer',
    to: 'r1@t.example',
    hop: 'h1',
    body: BODY_A,
  });
  put(second, '1.eml', c1);
  put(
    second,
    '2.eml',
    eml({ id: 'shared@x', from: 'z@z.example', subject: 'Offer', to: 'r2@t.example', hop: 'h2', body: BODY_B }),
  );
  put(second, '3.eml', c1);
  put(
    second,
    '4.eml',
    eml({ id: 'y@x', from: 'q@q.example', subject: 'Rates', to: 'r1@t.example', hop: 'h1', body: BODY_B }),
  );
  put(
    second,
    '5.eml',
    eml({ id: 'y@x', from: 'q@q.example', subject: 'Rates', to: 'r2@t.example', hop: 'h3', body: BODY_B }),
  );

  const c = await createCase(ctx, { slug: 'once', title: 'Once', parties: [{ name: 'P', batesPrefix: 'P' }] });
  await ingest(ctx, { caseSlug: 'once', method: 'trap', paths: [first] });
  await ingest(ctx, { caseSlug: 'once', method: 'trap', paths: [second] });
  const report = await caseReport(ctx.db.knex, 'once');
  assert.equal(report.samples, 6);
  assert.equal(report.items, 5);
  assert.equal(report.messages, 4);

  const rows = (await ctx.db
    .knex('messages as m')
    .join('items as i', 'i.id', 'm.first_item_id')
    .leftJoin('message_fingerprints as f', 'f.message_id', 'm.id')
    .where('m.case_id', c.id)
    .select('i.sha256', 'f.minhash', 'f.message_id as fingerprinted')) as Array<{
    sha256: string;
    minhash: Buffer | null;
    fingerprinted: number | null;
  }>;
  assert.equal(rows.length, 4);
  for (const r of rows) {
    const bytes = files.get(r.sha256)!;
    const h = parseHeaders(bytes);
    const expected = campaignFingerprint(bytes, h.subject, h.bodyOffset);
    assert.notEqual(r.fingerprinted, null, 'every message has its fingerprint row');
    assert.ok(expected !== null && r.minhash !== null);
    assert.deepEqual(Buffer.from(r.minhash), Buffer.from(expected), `message of item ${r.sha256}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
