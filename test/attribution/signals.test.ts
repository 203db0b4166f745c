import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountSignals, hasDigitsSuffix, localShape, looksRandom } from '../../server/attribution/signals.ts';

test('random-looking local parts', () => {
  for (const l of ['w6cuia2', 'xfqpj2k', 'bcdfghk', 'qx7z9r2m']) assert.equal(looksRandom(l), true, l);
  for (const l of ['jean.dupont', 'martine', 'sat', 'startnow2002', 'info']) assert.equal(looksRandom(l), false, l);
});

test('digits suffix, shape, and the signals together', () => {
  assert.equal(hasDigitsSuffix('hgreene6g87'), true);
  assert.equal(hasDigitsSuffix('acerra'), false);
  assert.equal(localShape('jsmith1977'), 'aaaaaa9999');
  assert.deepEqual(accountSignals({ address: 'xfqpj2k@hotmail.com', messages: 1, burstPeers: 7 }), [
    'random-looking',
    'creation-burst(7)',
    'single-use',
  ]);
  assert.deepEqual(accountSignals({ address: 'jean.dupont@laposte.net', messages: 40, burstPeers: 1 }), []);
});
