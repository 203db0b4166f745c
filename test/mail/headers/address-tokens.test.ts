/**
 * The address-field lexer (server/mail/headers/address-tokens.ts) on From and To values as spam
 * writes them: display names with specials, encoded words holding ",", ":" and "@", comments,
 * domain literals, and the broken forms (unclosed quotes, comments and brackets, stray closers).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, type Token } from '../../../server/mail/headers/address-tokens.ts';

const t = (type: Token['type'], text: string): Token => ({ type, text });
const SP = t('space', ' ');

describe('tokenize', () => {
  it('splits a quoted display name, an angle address and the list separator', () => {
    assert.deepEqual(tokenize('"Dupont, Jean" <jean.dupont@laposte.net>, marie@free.fr'), [
      t('quoted', 'Dupont, Jean'),
      SP,
      t('angle', 'jean.dupont@laposte.net'),
      t('special', ','),
      SP,
      t('atom', 'marie'),
      t('special', '@'),
      t('atom', 'free'),
      t('special', '.'),
      t('atom', 'fr'),
    ]);
  });

  it('keeps an encoded word one atom even when its text holds specials', () => {
    assert.deepEqual(tokenize('=?UTF-8?Q?Service_client,_Banque:_urgent@info?= <x@y.example>'), [
      t('atom', '=?UTF-8?Q?Service_client,_Banque:_urgent@info?='),
      SP,
      t('angle', 'x@y.example'),
    ]);
  });

  it('resolves quoted-pairs and nests comments; a domain literal is kept raw', () => {
    assert.deepEqual(tokenize('"a \\"b\\"" (outer (inner) \\) end) bot@[203.0.113.7]'), [
      t('quoted', 'a "b"'),
      SP,
      t('comment', 'outer (inner) ) end'),
      SP,
      t('atom', 'bot'),
      t('special', '@'),
      t('literal', '203.0.113.7'),
    ]);
  });

  it('reads an angle address up to the ">" outside quotes', () => {
    assert.deepEqual(tokenize('<"weird>local"@spam.example>'), [t('angle', '"weird>local"@spam.example')]);
  });

  it('runs unclosed quotes, comments, brackets and literals to the end; stray closers are their own tokens', () => {
    assert.deepEqual(tokenize('"never closed <a@b.example>'), [t('quoted', 'never closed <a@b.example>')]);
    assert.deepEqual(tokenize('(never closed a@b.example'), [t('comment', 'never closed a@b.example')]);
    assert.deepEqual(tokenize('<a@b.example'), [t('angle', 'a@b.example')]);
    assert.deepEqual(tokenize('a@[10.0.0.1'), [t('atom', 'a'), t('special', '@'), t('literal', '10.0.0.1')]);
    assert.deepEqual(tokenize('a) b> c]'), [
      t('atom', 'a'),
      t('stray', ')'),
      SP,
      t('atom', 'b'),
      t('stray', '>'),
      SP,
      t('atom', 'c'),
      t('stray', ']'),
    ]);
  });

  it('folds runs of white space and line breaks into one space, and ends a value with a trailing backslash', () => {
    assert.deepEqual(tokenize('a \r\n\t b'), [t('atom', 'a'), SP, t('atom', 'b')]);
    assert.deepEqual(tokenize('"x\\'), [t('quoted', 'x\\')]);
  });

  it('stays linear on a hostile 1 MiB field of openers', () => {
    const t0 = performance.now();
    for (const ch of ['(', '"', '<', '[', '=?']) tokenize(ch.repeat(512 * 1024));
    assert.ok(performance.now() - t0 < 5000);
  });
});
