import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearch, toFts5, toTsquery } from '../../server/search/query.ts';
import { tokens } from '../../server/search/tokens.ts';

const ANY = '{subject sender recipients body}';

test('tokens: case and accents folded, punctuation splits, CJK one character a token, long runs dropped', () => {
  assert.deepEqual(tokens('Résumé, x123@Hotmail.COM!'), ['resume', 'x123', 'hotmail', 'com']);
  assert.deepEqual(tokens('中文 mail'), ['中', '文', 'mail']);
  assert.deepEqual(tokens(`a ${'z'.repeat(65)} b`), ['a', 'b']);
  assert.deepEqual(tokens('ﬁnance'), ['finance'], 'compatibility ligature');
});

test('the query language reads into one tree; each backend gets every word quoted', () => {
  const t = parseSearch('cheap "limited offer" pharm* (viagra OR cialis) -spam from:x123@hotmail.com');
  assert.equal(
    toFts5(t),
    `((${ANY} : "cheap" AND ${ANY} : "limited offer" AND ${ANY} : "pharm" * AND (${ANY} : "viagra" OR ${ANY} : "cialis")` +
      ` AND sender : "x123 hotmail com") NOT (${ANY} : "spam"))`,
  );
  assert.equal(
    toTsquery(t),
    "(('cheap') & ('limited' <-> 'offer') & ('pharm':*) & (('viagra') | ('cialis')) & !('spam') & ('x123':B <-> 'hotmail':B <-> 'com':B))",
  );
  assert.equal(toTsquery(parseSearch('subject:offe*')), "('offe':*A)");
  assert.equal(toTsquery(parseSearch('body:("click here" OR buy)')), "(('click':D <-> 'here':D) | ('buy':D))");
  assert.equal(toFts5(parseSearch('to:alice "a b"*')), `(recipients : "alice" AND ${ANY} : "a b" *)`);
});

test('hostile and odd searches: quotes, operators and backend syntax are words, never syntax', () => {
  // An unclosed quote runs to the end: OR, NEAR(, col: and quotes inside it are words of the phrase.
  assert.equal(
    toFts5(parseSearch(`a" OR NEAR(b c) col:x ^d 'e \\f`)),
    `(${ANY} : "a" AND ${ANY} : "or near b c col x d e f")`,
  );
  assert.equal(
    toFts5(parseSearch('NEAR(b c) x:y')),
    `(${ANY} : "near" AND (${ANY} : "b" AND ${ANY} : "c") AND ${ANY} : "x y")`,
  );
  assert.equal(toTsquery(parseSearch("it's")), "('it' <-> 's')");
  assert.deepEqual(parseSearch('Choosers, &'), { kind: 'term', field: null, tokens: ['choosers'], prefix: false });
  assert.deepEqual(parseSearch('viagra AND'), { kind: 'term', field: null, tokens: ['viagra'], prefix: false });
  for (const bad of ['NOT viagra', '-viagra', '(a', 'a)', '&&', 'x OR -y', '"', 'a'.repeat(201)])
    assert.throws(() => parseSearch(bad), { code: 'INVALID_INPUT', field: 'search' }, bad);
  assert.throws(() => parseSearch(Array.from({ length: 33 }, (_, i) => `w${i}`).join(' ')), /at most 32 words/);
});
