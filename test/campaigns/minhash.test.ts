import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterSignatures } from '../../server/campaigns/cluster.ts';
import { featureHashes, featureStrings, fnv1a } from '../../server/campaigns/features.ts';
import {
  estimatedSimilarity,
  minhashSignature,
  SIGNATURE_SIZE,
  signatureFromBytes,
  signatureToBytes,
} from '../../server/campaigns/minhash.ts';
import { Rng } from '../corpus/generate.ts';

/** `shared` features common to every set of the same `pair`, and `own` features of this set only. */
function features(shared: number, own: number, salt: number, pair = 0): Uint32Array {
  const out = new Uint32Array(shared + own);
  for (let i = 0; i < shared; i++) out[i] = fnv1a(`shared-${pair}-${i}`);
  for (let i = 0; i < own; i++) out[shared + i] = fnv1a(`own-${salt}-${i}`);
  return out;
}

test('the signature estimates Jaccard similarity: identical 1, disjoint near 0, 60% near 0.6', () => {
  assert.equal(minhashSignature(new Uint32Array()), null);
  const a = minhashSignature(features(300, 0, 1))!;
  assert.equal(estimatedSimilarity(a, minhashSignature(features(300, 0, 2))!), 1);
  assert.ok(estimatedSimilarity(minhashSignature(features(0, 300, 1))!, minhashSignature(features(0, 300, 2))!) < 0.15);
  // |A ∩ B| = 300, |A ∪ B| = 500: J = 0.6; over 40 independent pairs the mean estimate is close.
  let sum = 0;
  for (let s = 0; s < 40; s++)
    sum += estimatedSimilarity(
      minhashSignature(features(300, 100, s * 2, s))!,
      minhashSignature(features(300, 100, s * 2 + 1, s))!,
    );
  assert.ok(Math.abs(sum / 40 - 0.6) < 0.05, `mean estimate ${sum / 40}`);
});

test('a signature round-trips through its 64 stored bytes', () => {
  const sig = minhashSignature(features(50, 5, 3))!;
  const bytes = signatureToBytes(sig);
  assert.equal(bytes.length, SIGNATURE_SIZE * 2);
  assert.deepEqual(signatureFromBytes(bytes), sig);
  assert.throws(() => signatureFromBytes(Buffer.alloc(10)));
});

test('feature hashes are the hashed form of the readable features (one set, two representations)', () => {
  const content = {
    subject: ['win', '#'],
    body: ['buy', 'cheap', 'meds', 'now', 'buy', 'cheap', 'meds'],
    domains: ['example.com'],
  };
  const strings = featureStrings(content);
  assert.equal(strings.filter((s) => s.startsWith('b:')).length, 4, 'distinct 3-word shingles');
  assert.equal(strings.filter((s) => s.startsWith('s')).length, 6, 'subject words count three times');
  assert.equal(new Set(featureHashes(content)).size, strings.length);
});

/** n messages in groups: group g's members share most features; each member has a few of its own. */
function groupedSignatures(
  groups: number,
  perGroup: number,
  seed: number,
): { sigs: Uint16Array; present: Uint8Array; group: number[] } {
  const rng = new Rng(seed);
  const n = groups * perGroup;
  const sigs = new Uint16Array(n * SIGNATURE_SIZE);
  const present = new Uint8Array(n).fill(1);
  const group: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = rng.int(groups);
    group.push(g);
    const f = new Uint32Array(200);
    for (let k = 0; k < 180; k++) f[k] = fnv1a(`g${g}-${k}`);
    for (let k = 180; k < 200; k++) f[k] = fnv1a(`m${i}-${k}`);
    sigs.set(minhashSignature(f)!, i * SIGNATURE_SIZE);
  }
  return { sigs, present, group };
}

test('clustering groups near-duplicates exactly and keeps messages without a signature alone', () => {
  const { sigs, present, group } = groupedSignatures(30, 40, 5);
  present[7] = 0;
  const roots = clusterSignatures(sigs, present, group.length);
  for (let i = 0; i < group.length; i++) {
    for (let j = i + 1; j < group.length; j++) {
      if (i === 7 || j === 7) continue;
      assert.equal(roots[i] === roots[j], group[i] === group[j], `messages ${i} and ${j}`);
    }
  }
  assert.equal(roots.filter((r) => r === roots[7]).length, 1);
  for (let i = 0; i < group.length; i++) assert.ok(roots[i]! <= i, 'the root is the oldest member');
});

test('clustering is stable under appending: earlier messages keep their groups, which only grow', () => {
  const { sigs, present } = groupedSignatures(50, 30, 9);
  const n = present.length;
  const before = clusterSignatures(sigs.subarray(0, 900 * SIGNATURE_SIZE), present.subarray(0, 900), 900);
  const after = clusterSignatures(sigs, present, n);
  for (let i = 0; i < 900; i++)
    for (let j = 0; j < 900; j += 7) if (before[i] === before[j]) assert.equal(after[i], after[j]);
});

test('two copies of one message with other trace headers get the same fingerprint (from the cache), another body another one', async () => {
  const { campaignFingerprint } = await import('../../server/campaigns/fingerprint.ts');
  const body = 'Subject: Cheap meds\n\nBuy cheap meds online today at the best prices anywhere.\n';
  const a = Buffer.from(`Received: from a\n${body}`);
  const b = Buffer.from(`Received: from bb by cc\n${body}`);
  const offset = (m: Buffer) => m.indexOf('\n\n') + 2;
  const fa = campaignFingerprint(a, 'Cheap meds', offset(a));
  assert.deepEqual(campaignFingerprint(b, 'Cheap meds', offset(b)), fa);
  assert.deepEqual(campaignFingerprint(a, 'Cheap meds'), fa, 'same result without the cache');
  assert.notDeepEqual(campaignFingerprint(b, 'Other subject', offset(b)), fa);
});
