import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  anyHidden,
  MAX_FIELD_CHARS,
  REPLACEMENT,
  safeLine,
  safeParagraph,
  truncate,
} from '../../server/pdf/safe-text.ts';
import { textRuns } from '../../server/pdf/fonts.ts';

test('control, bidi and invisible characters become the visible marker the pages show; line breaks and tabs become spaces', () => {
  assert.equal(safeLine('Win\u0000 big\u202Etxt.exe\u202C\r\n\tnow'), 'Win⟦U+0000⟧ big⟦U+202E⟧txt.exe⟦U+202C⟧ now');
  assert.equal(safeLine('a\u2066b\u2069c\u200Fd'), 'a⟦U+2066⟧b⟦U+2069⟧c⟦U+200F⟧d');
  assert.equal(safeLine('zero\u200Bwidth\uFEFF'), 'zero⟦U+200B⟧width⟦U+FEFF⟧');
  // ZWJ and ZWNJ are kept, as on the pages: emoji sequences and Persian words need them.
  assert.equal(safeLine('👩\u200D💻 می\u200Cخواهم'), '👩\u200D💻 می\u200Cخواهم');
  assert.equal(safeLine('lone \uD800 surrogate'), `lone ${REPLACEMENT} surrogate`);
  assert.equal(anyHidden({ a: ['ok', { b: 'x\u0007' }] }), true);
  assert.equal(anyHidden({ a: ['ok', { b: 'x\u200D' }], n: 3 }), false);
});

test('an enormous string is cut to the field limit with an ellipsis, never inside a surrogate pair', () => {
  const huge = '🔥'.repeat(10_000);
  const line = safeLine(huge);
  assert.equal(Array.from(line).length, MAX_FIELD_CHARS);
  assert.ok(line.endsWith('…'));
  assert.ok(!/[\uD800-\uDBFF]…$/.test(line));
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(safeParagraph('one\n\n\ntwo\r\nthree\u0007', 100), 'one\ntwo\nthree⟦U+0007⟧');
  assert.equal(safeLine(null), '');
});

test('text is split into font runs: Latin, Greek, Cyrillic and Arabic in DejaVu, CJK and emoji in fallbacks', () => {
  assert.deepEqual(textRuns('Hello Γειά Привет'), [{ font: 'Text', text: 'Hello Γειά Привет' }]);
  assert.deepEqual(textRuns('Sale 你好'), [
    { font: 'Text', text: 'Sale ' },
    { font: 'FallbackCJK', text: '你好' },
  ]);
  assert.deepEqual(textRuns('ok 🔥'), [
    { font: 'Text', text: 'ok ' },
    { font: 'FallbackEmoji', text: '🔥' },
  ]);
  // Right-to-left letters get their own run so the font engine orders them.
  assert.deepEqual(textRuns('Buy مرحبا'), [
    { font: 'Text', text: 'Buy ' },
    { font: 'Text', text: 'مرحبا' },
  ]);
  // Brackets and digits after right-to-left letters stay left-to-right (never reversed with them).
  assert.deepEqual(textRuns('Doe 2 (زبون) 42'), [
    { font: 'Text', text: 'Doe 2 (' },
    { font: 'Text', text: 'زبون' },
    { font: 'Text', text: ') 42' },
  ]);
});

test('a character no embedded font has is printed as the replacement mark, never dropped', () => {
  // U+10FFFD (private use) and U+1D2E0 (Mayan numeral) are in none of the fonts.
  const runs = textRuns('a\u{10FFFD}b\u{1D2E0}c');
  assert.equal(runs.map((r) => r.text).join(''), `a${REPLACEMENT}b${REPLACEMENT}c`);
  assert.ok(runs.every((r) => r.font === 'Text'));
});
