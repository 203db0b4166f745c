import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseOriginatingEmail, parseOriginatingIp } from '../../../server/mail/headers/originating.ts';

describe('parseOriginatingIp', () => {
  it('reads the bracketed form (spam-1/00082) and the bare form (spam-1/00432)', () => {
    assert.equal(parseOriginatingIp('[208.164.180.11]'), '208.164.180.11');
    assert.equal(parseOriginatingIp('64.110.146.116'), '64.110.146.116');
    assert.equal(parseOriginatingIp('203.0.113.7 (via proxy)'), '203.0.113.7');
  });
  it('gives null for an empty value', () => {
    assert.equal(parseOriginatingIp(''), null);
    assert.equal(parseOriginatingIp('[ ]'), null);
  });
});

describe('parseOriginatingEmail', () => {
  it('reads the bracketed address', () => {
    assert.equal(parseOriginatingEmail('[x123@HOTMAIL.com]'), 'x123@hotmail.com');
  });
  it('gives null when there is no address', () => {
    assert.equal(parseOriginatingEmail('[]'), null);
  });
});
