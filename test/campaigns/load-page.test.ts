/**
 * The page format clustering reads the case in (update.ts, pageStatement): four aggregated strings per page
 * decoded into the arrays clustering works on. The end-to-end path runs in campaigns.test.ts on both databases;
 * this checks the decoding rules a database's output could break: order, a missing signature, a short page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Loaded } from '../../server/campaigns/update.ts';
import { SIGNATURE_SIZE, signatureFromBytes } from '../../server/campaigns/minhash.ts';

const hexOf = (values: number[]) => Buffer.from(new Uint16Array(values).buffer).toString('hex');
const sig = (seed: number) => Array.from({ length: SIGNATURE_SIZE }, (_, q) => (seed * 7919 + q * 104729) & 0xffff);
const none = '0'.repeat(SIGNATURE_SIZE * 4);

test('a page decodes to ids, campaign numbers, presence and little-endian signatures', () => {
  const l = new Loaded(2);
  l.pushPage('5,9,12', '3,0,3', '101', hexOf(sig(1)) + none + hexOf(sig(2)).toUpperCase());
  l.pushPage('20', '0', '1', hexOf(sig(3)));
  assert.equal(l.count, 4);
  assert.deepEqual([...l.ids.subarray(0, 4)], [5, 9, 12, 20]);
  assert.deepEqual([...l.numbers.subarray(0, 4)], [3, 0, 3, 0]);
  assert.deepEqual([...l.present.subarray(0, 4)], [1, 0, 1, 1]);
  const bytes = Buffer.from(hexOf(sig(2)), 'hex');
  assert.deepEqual([...l.sigs.subarray(2 * SIGNATURE_SIZE, 3 * SIGNATURE_SIZE)], [...signatureFromBytes(bytes)]);
  assert.deepEqual([...l.sigs.subarray(3 * SIGNATURE_SIZE, 4 * SIGNATURE_SIZE)], sig(3));
  assert.equal(l.indexOf(12), 2);
  assert.equal(l.indexOf(13), -1);
});

test('a page the database aggregated out of order is put in id order, each message with its own values', () => {
  const l = new Loaded(0);
  l.pushPage('1,2', '1,1', '11', hexOf(sig(1)) + hexOf(sig(2)));
  l.pushPage('30,10,20', '7,0,8', '011', none + hexOf(sig(10)) + hexOf(sig(20)));
  assert.deepEqual([...l.ids.subarray(0, 5)], [1, 2, 10, 20, 30]);
  assert.deepEqual([...l.numbers.subarray(0, 5)], [1, 1, 0, 8, 7]);
  assert.deepEqual([...l.present.subarray(0, 5)], [1, 1, 1, 1, 0]);
  assert.deepEqual([...l.sigs.subarray(2 * SIGNATURE_SIZE, 3 * SIGNATURE_SIZE)], sig(10));
  assert.deepEqual([...l.sigs.subarray(3 * SIGNATURE_SIZE, 4 * SIGNATURE_SIZE)], sig(20));
  assert.equal(l.indexOf(30), 4);
});

test('a page that does not read back whole, or names a message twice, is refused', () => {
  assert.throws(() => new Loaded(0).pushPage('1,2', '0,0', '11', hexOf(sig(1))), /did not read back whole/);
  assert.throws(
    () => new Loaded(0).pushPage('1,2', '0', '11', hexOf(sig(1)) + hexOf(sig(2))),
    /did not read back whole/,
  );
  assert.throws(() => new Loaded(0).pushPage('4,4', '0,0', '11', hexOf(sig(1)) + hexOf(sig(2))), /read twice/);
});

test('the arrays grow past the expected count without losing what was read', () => {
  const l = new Loaded(1);
  const ids = Array.from({ length: 3000 }, (_, k) => k + 1);
  l.pushPage(ids.join(','), ids.map(() => '0').join(','), '1'.repeat(3000), ids.map((k) => hexOf(sig(k))).join(''));
  assert.equal(l.count, 3000);
  assert.deepEqual([...l.sigs.subarray(2999 * SIGNATURE_SIZE, 3000 * SIGNATURE_SIZE)], sig(3000));
  assert.equal(l.indexOf(1500), 1499);
});
