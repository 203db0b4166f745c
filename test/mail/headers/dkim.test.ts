import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDkimSignature } from '../../../server/mail/headers/index.ts';

describe('parseDkimSignature', () => {
  it('reads d=, i= and s=, lowercasing the domains and removing folding whitespace', () => {
    const raw = 'v=1; a=rsa-sha256; d=Hotmail.COM;\ts=Selector1; i=x123@HOTMAIL.com;\tb=dGVz dA==';
    assert.deepEqual(parseDkimSignature(raw), { d: 'hotmail.com', i: 'x123@hotmail.com', s: 'Selector1', raw });
  });
  it('keeps the first of a repeated tag and treats tag names case-sensitively', () => {
    assert.deepEqual(parseDkimSignature('d=first.example; d=second.example; S=upper'), {
      d: 'first.example',
      i: null,
      s: null,
      raw: 'd=first.example; d=second.example; S=upper',
    });
  });
  it('gives nulls for garbage', () => {
    assert.deepEqual(parseDkimSignature('garbage'), { d: null, i: null, s: null, raw: 'garbage' });
    assert.deepEqual(parseDkimSignature('d=; s='), { d: null, i: null, s: null, raw: 'd=; s=' });
  });
});
