/** Custody events read as sentences in both languages (issue 22 items 4 and 5). */
import assert from 'node:assert/strict';
import test from 'node:test';
import { catalogue, translator } from '../../server/web/i18n.ts';
import { CUSTODY_ACTIONS, custodyText } from '../../server/web/custody-text.ts';

test('every custody action has a name and a sentence in English and French', () => {
  for (const lang of ['en', 'fr'] as const) {
    const c = catalogue(lang);
    for (const action of Object.keys(CUSTODY_ACTIONS)) {
      assert.ok(c[`custody.action.${action}`], `${lang} custody.action.${action}`);
      assert.ok(c[`custody.sentence.${action}`], `${lang} custody.sentence.${action}`);
    }
  }
});

test('an acquisition reads as a French sentence with its numbers in French, the other details listed', () => {
  const details = {
    acquisition: 3,
    source: 'traps.mbox',
    samples: 12345,
    alreadyRecorded: 0,
    newItems: 12000,
    exactDuplicates: 300,
    rejected: 45,
    wrappers: 1,
  };
  const fr = custodyText('fr', translator('fr'), 'acquired', details);
  assert.equal(fr.name, 'collecté');
  assert.equal(
    fr.sentence,
    'Collecte n° 3 : 12\u202f345 échantillons, 12\u202f000 nouveaux éléments, 300 doublons exacts, 45 rejetés.',
  );
  assert.deepEqual(fr.facts, [
    { label: 'source:', value: 'traps.mbox' },
    { label: 'déjà enregistrés:', value: '0' },
    { label: 'conteneurs:', value: '1' },
  ]);
  const en = custodyText('en', translator('en'), 'trust-changed', {
    party: 'LPN',
    before: { relays: [] },
    after: { relays: ['laposte.net', '193.251.0.0/16'] },
  });
  assert.equal(en.sentence, 'The trusted relays of LPN changed.');
  assert.deepEqual(en.facts, [
    { label: 'before:', value: 'trusted relays: —' },
    { label: 'after:', value: 'trusted relays: laposte.net, 193.251.0.0/16' },
  ]);
});

test('an action no catalogue knows is shown by its recorded name, every detail listed', () => {
  const t = custodyText('fr', translator('fr'), 'something-new', { n: 2, done: true });
  assert.equal(t.name, 'something-new');
  assert.equal(t.sentence, null);
  assert.deepEqual(t.facts, [
    { label: 'n:', value: '2' },
    { label: 'done:', value: 'oui' },
  ]);
});
