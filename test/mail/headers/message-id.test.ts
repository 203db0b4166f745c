import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeMessageId } from '../../../server/mail/headers/index.ts';

describe('normalizeMessageId', () => {
  it('keeps the local part case and lowercases the domain part', () => {
    assert.equal(normalizeMessageId('<ABC.123@Mail.Spammer.EXAMPLE>'), 'ABC.123@mail.spammer.example');
  });
  it('takes the first <...> and ignores what follows', () => {
    assert.equal(normalizeMessageId('<a@x.example> <b@y.example>'), 'a@x.example');
    assert.equal(normalizeMessageId('<a@X.example> (added by the MTA)'), 'a@x.example');
  });
  it('drops whitespace and comments, also inside the brackets', () => {
    assert.equal(normalizeMessageId(' < abc (comment) @ Example.COM > '), 'abc@example.com');
  });
  it('lowercases only after the last "@"', () => {
    assert.equal(normalizeMessageId('<Part@One@Two.EXAMPLE>'), 'Part@One@two.example');
  });
  it('uses the trimmed value when there are no brackets', () => {
    assert.equal(normalizeMessageId('  0103c1042001882DD_IT7@DD_IT7  '), '0103c1042001882DD_IT7@dd_it7');
  });
  it('reads an unclosed bracket to the end', () => {
    assert.equal(normalizeMessageId('<abc@Example.com'), 'abc@example.com');
  });
  it('gives null for an empty value', () => {
    assert.equal(normalizeMessageId(''), null);
    assert.equal(normalizeMessageId('<>'), null);
    assert.equal(normalizeMessageId('  (only a comment) '), null);
  });
});
