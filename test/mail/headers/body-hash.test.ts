import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizedBodyHash, parseHeaders } from '../../../server/mail/headers/index.ts';
import { fixture } from './load-samples.ts';

// `printf 'Dear customer,\n\nYour account is locked.\nClick http://spammer.example/x\n' | sha256sum`
const FIXTURE_BODY_SHA256 = '263c0d69e8d3c61e742e2cffd05ed9c8accbd5ad8f4b6bb0e926fa184c5c643e';
// sha256 of the empty string
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function bodyHash(raw: Buffer): string {
  return normalizedBodyHash(raw, parseHeaders(raw).bodyOffset);
}

describe('normalizedBodyHash', () => {
  it('hashes the same message captured at two hops equal (other trace fields, CRLF vs LF, trailing whitespace)', () => {
    const crlf = bodyHash(fixture('crlf.eml'));
    assert.equal(crlf, FIXTURE_BODY_SHA256);
    assert.equal(bodyHash(fixture('lf.eml')), FIXTURE_BODY_SHA256);
    assert.equal(bodyHash(fixture('second-hop.eml')), FIXTURE_BODY_SHA256);
  });
  it('hashes a body with or without its final line end equal', () => {
    assert.equal(normalizedBodyHash(Buffer.from('a\nb'), 0), normalizedBodyHash(Buffer.from('a\r\nb\r\n\r\n \t\n'), 0));
  });
  it('keeps blank lines inside the body and leading whitespace', () => {
    assert.notEqual(normalizedBodyHash(Buffer.from('a\n\nb\n'), 0), normalizedBodyHash(Buffer.from('a\nb\n'), 0));
    assert.notEqual(normalizedBodyHash(Buffer.from(' a\n'), 0), normalizedBodyHash(Buffer.from('a\n'), 0));
  });
  it('does not decode MIME: two encodings of one text hash differently', () => {
    assert.notEqual(normalizedBodyHash(Buffer.from('caf=C3=A9\n'), 0), normalizedBodyHash(Buffer.from('café\n'), 0));
  });
  it('hashes an empty or absent body as the empty string', () => {
    assert.equal(normalizedBodyHash(Buffer.from('From: a@b.c\n\n'), 13), EMPTY_SHA256);
    assert.equal(normalizedBodyHash(Buffer.from('From: a@b.c'), 11), EMPTY_SHA256);
    assert.equal(normalizedBodyHash(Buffer.from('x'), 99), EMPTY_SHA256);
  });
});
