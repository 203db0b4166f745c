import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeHidden, escapedForm, hasHidden, hiddenSegments, neutralize } from '../server/hidden-text.ts';
import { csvText, EVIDENCE_CSV, STAFF_CSV } from '../server/csv/write.ts';

const SUBJECT = 'Invoice \u202Egnp.exe'; // reads as "Invoice exe.png" once the override reorders it

test('bidi overrides and invisible characters become visible markers; emoji joiners stay', () => {
  assert.equal(neutralize(SUBJECT), 'Invoice ⟦U+202E⟧gnp.exe');
  assert.equal(
    neutralize('a\u200Bb\u2066c\u2069\uFEFF\u0007\u{E0041}'),
    'a⟦U+200B⟧b⟦U+2066⟧c⟦U+2069⟧⟦U+FEFF⟧⟦U+0007⟧⟦U+E0041⟧',
  );
  assert.equal(neutralize('tab\tand\r\nlines'), 'tab\tand\r\nlines');
  const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
  assert.equal(neutralize(family), family, 'ZWJ emoji sequence untouched');
  assert.equal(hasHidden(family), false);
  assert.equal(hasHidden(SUBJECT), true);
  assert.deepEqual(hiddenSegments(SUBJECT), [
    { text: 'Invoice ', hidden: null },
    { text: 'U+202E', hidden: 'U+202E RIGHT-TO-LEFT OVERRIDE' },
    { text: 'gnp.exe', hidden: null },
  ]);
  assert.equal(describeHidden('\u0085'), 'U+0085 control character');
  assert.equal(escapedForm(SUBJECT), 'Invoice \\u{202E}gnp.exe');
});

test('staff CSVs show the markers; the bundle keeps the value exactly', () => {
  assert.equal(csvText([['subject'], [SUBJECT]], STAFF_CSV), 'subject\r\nInvoice ⟦U+202E⟧gnp.exe\r\n');
  assert.equal(csvText([['subject'], [SUBJECT]], EVIDENCE_CSV), `subject\r\n${SUBJECT}\r\n`);
});
